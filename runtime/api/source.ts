/**
 * The source contract. A `Source` is a factory; the runtime asks it for one `SourceReader` per
 * parallel subtask. Readers are polled in batches on their task's event loop, which is what lets a
 * source be paused by backpressure and by checkpoint barriers without locks.
 */
export interface SourceContext {
  readonly jobName: string;
  readonly operatorName: string;
  readonly subtaskIndex: number;
  readonly parallelism: number;
  /** Wakes the runtime when a reader that answered 'idle' has data again (e.g. a Kafka fetch arrived). */
  signalAvailable(): void;
}

export interface SourceOutput<T> {
  collect(value: T, timestamp?: number): void;
  emitWatermark(watermark: number): void;
}

/**
 * 'more': poll again soon; 'idle': nothing right now, poll after `idleBackoffMs` or on
 * signalAvailable(); 'end': the reader is exhausted (bounded sources only).
 */
export type PollResult = 'more' | 'idle' | 'end';

export interface SourceReader<T, S = unknown> {
  /** Milliseconds to wait after an 'idle' poll before polling again. Default 1. */
  readonly idleBackoffMs?: number;
  /** Called after restoreState (when there is a checkpoint) and before the first poll. */
  start?(): void | Promise<void>;
  /** Emit at most `maxRecords` records through `output`. */
  poll(output: SourceOutput<T>, maxRecords: number): PollResult | Promise<PollResult>;
  /** The reader's position at a checkpoint barrier. Must be synchronous: nothing may be emitted in between. */
  snapshotState(checkpointId: number): S;
  restoreState?(state: S): void;
  /** A checkpoint the reader took part in is durable: commit offsets upstream, release acks. */
  notifyCheckpointComplete?(checkpointId: number): void | Promise<void>;
  close?(): void | Promise<void>;
}

export interface Source<T, S = unknown> {
  createReader(context: SourceContext): SourceReader<T, S>;
}
