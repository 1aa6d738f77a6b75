import { NO_TIMESTAMP } from '../api/functions.ts';
import { StreamOperator } from '../api/operator.ts';
import type { PollResult, Source, SourceOutput, SourceReader } from '../api/source.ts';

export interface SourceLoopHost {
  readonly backpressure: { readonly blocked: boolean; whenClear(): Promise<void> };
  readonly isRunning: () => boolean;
  /** The reader has started: it polls from now on. */
  started(): void;
  noteWatermark(watermark: number): void;
  /** The reader is exhausted: flush the chain and tell downstream. */
  finish(): Promise<void>;
  fail(error: unknown): void;
}

/**
 * Heads a source chain. Owns the reader and its poll loop: one batch per event-loop turn, so
 * timers, async completions and checkpoint triggers run between batches, never inside one.
 */
export class SourceOperator<T> extends StreamOperator<never, T> {
  private reader!: SourceReader<T>;
  private wake: (() => void) | undefined;
  private stopped = false;
  private readonly sourceOutput: SourceOutput<T>;

  constructor(
    private readonly source: Source<T>,
    private readonly batchSize: number,
  ) {
    super();
    const self = this;
    this.sourceOutput = {
      collect(value: T, timestamp?: number): void {
        self.output.collect(value, timestamp ?? NO_TIMESTAMP);
      },
      emitWatermark(watermark: number): void {
        self.host?.noteWatermark(watermark);
        self.output.emitWatermark(watermark);
      },
    };
  }

  private host: SourceLoopHost | undefined;

  override setup(...args: Parameters<StreamOperator['setup']>): void {
    super.setup(...args);
    const context = this.context;
    this.reader = this.source.createReader({
      jobName: context.jobName,
      operatorName: context.operatorName,
      subtaskIndex: context.subtaskIndex,
      parallelism: context.parallelism,
      signalAvailable: () => {
        const wake = this.wake;
        this.wake = undefined;
        wake?.();
      },
    });
  }

  get operatorName(): string {
    return this.context.operatorName;
  }

  processElement(): void {
    throw new Error(`source '${this.context.operatorName}' has no input`);
  }

  override restoreState(state: unknown): void {
    if (state !== undefined) this.reader.restoreState?.(state);
  }

  override snapshotState(checkpointId: number): unknown {
    return this.reader.snapshotState(checkpointId);
  }

  override notifyCheckpointComplete(checkpointId: number): void | Promise<void> {
    return this.reader.notifyCheckpointComplete?.(checkpointId);
  }

  override async close(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.reader.close?.();
  }

  async run(host: SourceLoopHost): Promise<void> {
    this.host = host;
    try {
      await this.reader.start?.();
      host.started();
      const backoff = this.reader.idleBackoffMs ?? 1;
      while (!this.stopped && host.isRunning()) {
        if (host.backpressure.blocked) {
          await host.backpressure.whenClear();
          continue;
        }
        const metrics = this.context.metrics;
        const emittedBefore = metrics.recordsOut;
        const startedAt = performance.now();
        const polled = this.reader.poll(this.sourceOutput, this.batchSize);
        let result: PollResult;
        if (typeof polled === 'string') {
          result = polled;
          // A synchronous poll pushed every record through the whole chain (and, on one thread,
          // everything downstream): batch time per record is the per-record processing latency.
          // One observation per batch keeps the histogram off the per-record path.
          const emitted = metrics.recordsOut - emittedBefore;
          const elapsed = performance.now() - startedAt;
          metrics.busyMs += elapsed;
          if (emitted > 0) metrics.latency.observe(elapsed / emitted);
        } else {
          result = await polled;
        }
        if (this.stopped || !host.isRunning()) return;
        if (result === 'end') {
          host.noteWatermark(Infinity);
          this.output.emitWatermark(Infinity);
          await host.finish();
          return;
        }
        if (result === 'idle') await this.idle(backoff);
        else await yieldToEventLoop();
      }
    } catch (error) {
      host.fail(error);
    }
  }

  private idle(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wake = undefined;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(timer);
        // Resume through the macrotask queue: a reader woken from a promise that settled at once
        // (an async nextTuple with no I/O) would otherwise loop in microtasks and starve timers,
        // I/O and checkpoint triggers forever.
        setImmediate(resolve);
      };
    });
  }
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
