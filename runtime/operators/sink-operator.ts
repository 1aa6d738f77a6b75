import { StreamOperator } from '../api/operator.ts';
import type { Sink, SinkWriter } from '../api/sink.ts';
import { userError } from './user-error.ts';

/** Drives a SinkWriter: counts writes in flight and backpressures the job past `maxInFlight`. */
export class SinkOperator<T> extends StreamOperator<T, never> {
  private writer!: SinkWriter<T>;
  private inFlight = 0;
  private drained: Array<() => void> = [];
  /**
   * Writes still pending, so a barrier can wait for exactly the writes issued before it. Waiting
   * for in-flight to reach 0 never ends under a source that keeps the sink busy: records behind
   * the barrier keep arriving while it waits.
   */
  private readonly pendingWrites = new Set<Promise<void>>();

  constructor(
    private readonly sink: Sink<T>,
    private readonly maxInFlight: number,
  ) {
    super();
  }

  override setup(...args: Parameters<StreamOperator['setup']>): void {
    super.setup(...args);
    const c = this.context;
    this.writer = this.sink.createWriter({
      jobName: c.jobName,
      operatorName: c.operatorName,
      subtaskIndex: c.subtaskIndex,
      parallelism: c.parallelism,
      restored: c.restored,
      restoredCheckpointId: c.restoredCheckpointId,
      firstCheckpointId: c.firstCheckpointId,
      clock: c.processingTime.clock,
    });
  }

  override open(): void | Promise<void> {
    return this.writer.open?.();
  }

  processElement(value: T, timestamp: number): void {
    let pending: void | Promise<void>;
    try {
      pending = this.writer.write(value, timestamp);
    } catch (error) {
      throw userError(this.context.operatorName, value, error);
    }
    if (pending === undefined || typeof (pending as Promise<void>).then !== 'function') return;
    this.track(pending as Promise<void>, value);
  }

  /** Out of line: the synchronous write path stays small enough to inline. */
  private track(pending: Promise<void>, value: T): void {
    if (++this.inFlight === this.maxInFlight) this.context.setBusy(true);
    const tracked: Promise<void> = pending.then(
      () => {
        this.pendingWrites.delete(tracked);
        this.settle();
      },
      (error: unknown) => {
        this.pendingWrites.delete(tracked);
        this.context.fail(userError(this.context.operatorName, value, error));
      },
    );
    this.pendingWrites.add(tracked);
  }

  /** Settles once every write issued so far settled; later writes do not hold it back. */
  private writesSoFar(): Promise<void> | undefined {
    if (this.pendingWrites.size === 0) return undefined;
    return Promise.all([...this.pendingWrites]).then(() => undefined);
  }

  private settle(): void {
    if (this.inFlight-- === this.maxInFlight) this.context.setBusy(false);
    if (this.inFlight === 0 && this.drained.length > 0) {
      const waiters = this.drained;
      this.drained = [];
      for (const wake of waiters) wake();
    }
  }

  private whenDrained(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.drained.push(resolve));
  }

  override snapshotState(checkpointId: number): unknown {
    return this.writer.snapshotState?.(checkpointId);
  }

  override restoreState(state: unknown): void {
    if (state !== undefined) this.writer.restoreState?.(state);
  }

  override prepareCommit(checkpointId: number): unknown {
    if (this.writer.prepareCommit) return this.writer.prepareCommit(checkpointId);
    // Without two-phase commit a checkpoint still must not complete before earlier writes landed
    // (at-least-once): hand the coordinator a promise of the drain.
    return this.writesSoFar();
  }

  override commit(committables: unknown[]): void | Promise<void> {
    return this.writer.commit?.(committables);
  }

  override async endInput(): Promise<void> {
    await this.whenDrained();
    await this.writer.finish?.();
  }

  override close(): void | Promise<void> {
    return this.writer.close?.();
  }
}
