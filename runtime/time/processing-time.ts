/**
 * Wall-clock timers for one executor. Every callback runs as its own event-loop task, which is the
 * runtime's "mailbox": it never interleaves with a record being processed. Shutting the service
 * down cancels everything, so callbacks of a failed incarnation never touch the restored one.
 */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

export class ProcessingTimeService {
  private readonly handles = new Set<ReturnType<typeof setTimeout>>();
  private stopped = false;

  constructor(private readonly onError: (error: unknown) => void) {}

  now(): number {
    return Date.now();
  }

  /** Runs `callback(at)` at wall-clock time `at` (or soon after). Returns a cancel function. */
  schedule(at: number, callback: (time: number) => void): () => void {
    if (this.stopped) return noop;
    const delay = Math.min(MAX_TIMEOUT_MS, Math.max(0, at - Date.now()));
    const handle = setTimeout(() => {
      this.handles.delete(handle);
      if (this.stopped) return;
      if (Date.now() < at && delay === MAX_TIMEOUT_MS) {
        this.schedule(at, callback);
        return;
      }
      try {
        callback(at);
      } catch (error) {
        this.onError(error);
      }
    }, delay);
    this.handles.add(handle);
    return () => {
      clearTimeout(handle);
      this.handles.delete(handle);
    };
  }

  /** Fixed-delay repetition: the next run is scheduled after the previous one returned. */
  scheduleWithFixedDelay(periodMs: number, callback: (time: number) => void): () => void {
    let cancelled = false;
    let cancelCurrent = noop;
    const run = (time: number): void => {
      if (cancelled) return;
      callback(time);
      if (!cancelled) cancelCurrent = this.schedule(Date.now() + periodMs, run);
    };
    cancelCurrent = this.schedule(Date.now() + periodMs, run);
    return () => {
      cancelled = true;
      cancelCurrent();
    };
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  shutdown(): void {
    this.stopped = true;
    for (const handle of this.handles) clearTimeout(handle);
    this.handles.clear();
  }
}

function noop(): void {}
