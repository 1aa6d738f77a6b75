/**
 * Backpressure for one deployment. Inside a thread records move by direct calls, so the only
 * places work can pile up are operators with work in flight (async I/O, async sinks), alignment
 * buffers and cross-thread outboxes. Each declares itself busy; sources stop polling until all clear.
 */
export class Backpressure {
  private readonly busy = new Set<object>();
  private waiters: Array<() => void> = [];
  private blockedSince = 0;
  /** Total milliseconds sources spent paused, for the backpressure metric. */
  blockedMs = 0;

  get blocked(): boolean {
    return this.busy.size > 0;
  }

  set(owner: object, busy: boolean): void {
    if (busy) {
      if (this.busy.size === 0) this.blockedSince = performance.now();
      this.busy.add(owner);
      return;
    }
    if (!this.busy.delete(owner) || this.busy.size > 0) return;
    this.blockedMs += performance.now() - this.blockedSince;
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  whenClear(): Promise<void> {
    if (this.busy.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Wakes every waiter without clearing anyone's busy flag: a waiter still wanted re-checks and waits again. */
  wakeWaiters(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  /** Releases every waiter (on cancel or failure) so no source loop hangs. */
  releaseAll(): void {
    this.busy.clear();
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}
