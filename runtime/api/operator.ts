/**
 * The operator kernel: what every built-in operator (map, window, async I/O, sinks) and every
 * custom operator (the Storm compat layer's bolts) implements. Operators chained into one task call
 * each other directly through `Output`; there is no queue between them.
 */
import type { OperatorMetrics, RuntimeMetrics } from '../metrics/index.ts';
import type { HeapKeyedStateBackend, OperatorStateStore } from '../state/index.ts';
import type { KeyedTimerService } from '../time/keyed-timers.ts';
import type { ProcessingTimeService } from '../time/processing-time.ts';

export interface Output<T> {
  collect(value: T, timestamp: number): void;
  /** Side output by tag id; a tag nobody consumes is dropped, as in Flink. */
  collectSide(tagId: string, value: unknown, timestamp: number): void;
  emitWatermark(watermark: number): void;
}

export interface OperatorContext {
  readonly jobName: string;
  readonly operatorName: string;
  readonly uid: string;
  readonly subtaskIndex: number;
  readonly parallelism: number;
  readonly maxParallelism: number;
  /** True when this incarnation was restored from a checkpoint. */
  readonly restored: boolean;
  /** Id of the checkpoint this incarnation restored (undefined on a fresh start). */
  readonly restoredCheckpointId?: number | undefined;
  /** Id of this incarnation's first checkpoint: every checkpoint completed before it is smaller. */
  readonly firstCheckpointId?: number | undefined;
  readonly metrics: OperatorMetrics;
  /** The job's registry, for operators that publish more than records in/out (async I/O, connectors). */
  readonly runtimeMetrics: RuntimeMetrics;
  readonly processingTime: ProcessingTimeService;
  /** Present on keyed operators only (their input is partitioned by key). */
  readonly keyedState: HeapKeyedStateBackend | undefined;
  readonly timers: KeyedTimerService | undefined;
  readonly operatorState: OperatorStateStore;
  /** The current watermark at this operator's input. */
  currentWatermark(): number;
  /**
   * Declares this operator unable to take more input (an async operator at capacity, a sink with
   * too many writes in flight). Sources of the job pause until every busy operator clears.
   */
  setBusy(busy: boolean): void;
  /**
   * For operators that catch their user code's errors themselves (compat bolts): whether this
   * failure is a record the poison policy diverts to the dead-letter output. True means it went
   * there and the operator should carry on instead of failing.
   */
  divertPoison?(error: unknown): boolean;
  /** Fails the job from an asynchronous callback (the restart strategy takes over). */
  fail(error: unknown): void;
  /** Runs a callback from outside the record path (a timer, a promise) and routes its errors to fail(). */
  guard<A extends unknown[]>(fn: (...args: A) => void): (...args: A) => void;
}

export abstract class StreamOperator<IN = unknown, OUT = unknown> {
  output!: Output<OUT>;
  context!: OperatorContext;

  /** Called once per incarnation before restore and open. */
  setup(context: OperatorContext, output: Output<OUT>): void {
    this.context = context;
    this.output = output;
  }

  open(): void | Promise<void> {}
  abstract processElement(value: IN, timestamp: number): void;
  /** Second input of a two-input (connected) operator. */
  processElement2(_value: unknown, _timestamp: number): void {
    throw new Error(`operator '${this.context.operatorName}' has no second input`);
  }
  processWatermark(watermark: number): void {
    this.output.emitWatermark(watermark);
  }
  /**
   * Runs for every operator of the chain, head first, before any of them snapshots: the place to
   * flush buffers (mini-batches) so what they emit lands before the barrier. It may return a
   * Promise (an async user callback still running): the barrier then waits, input stays held back
   * and sources pause until it settles, so the snapshot never sees half an update.
   */
  prepareSnapshotPreBarrier(_checkpointId: number): void | Promise<void> {}
  /** Operator state at a barrier (keyed state and timers are snapshotted by the runtime). Synchronous. */
  snapshotState(_checkpointId: number): unknown {
    return undefined;
  }
  restoreState(_state: unknown): void {}
  /** For two-phase sinks: sealed output to keep in the checkpoint. May be a Promise. */
  prepareCommit(_checkpointId: number): unknown {
    return undefined;
  }
  /** Makes committables visible; called on checkpoint completion and again on restore. */
  commit(_committables: unknown[]): void | Promise<void> {}
  notifyCheckpointComplete(_checkpointId: number): void | Promise<void> {}
  /** All input has arrived (bounded jobs). Flush what is buffered; may await in-flight work. */
  endInput(): void | Promise<void> {}
  close(): void | Promise<void> {}
}
