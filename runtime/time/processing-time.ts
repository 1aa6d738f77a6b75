/**
 * Processing-time timers for one executor. Every callback runs as its own event-loop task (or
 * inside a manual clock's advance), which is the runtime's "mailbox": it never interleaves with a
 * record being processed. Shutting the service down cancels everything, so callbacks of a failed
 * incarnation never touch the restored one. Time comes from the job's Clock (the wall clock unless
 * a test installed a ManualClock).
 */
import { systemClock, type Clock } from './clock.ts';

export class ProcessingTimeService {
  private readonly cancels = new Set<() => void>();
  private stopped = false;

  constructor(
    private readonly onError: (error: unknown) => void,
    readonly clock: Clock = systemClock,
  ) {}

  now(): number {
    return this.clock.now();
  }

  /** Runs `callback(at)` once the clock reaches `at` (or soon after). Returns a cancel function. */
  schedule(at: number, callback: (time: number) => void): () => void {
    if (this.stopped) return noop;
    const cancel = this.clock.setTimer(at, () => {
      this.cancels.delete(cancel);
      if (this.stopped) return;
      try {
        callback(at);
      } catch (error) {
        this.onError(error);
      }
    });
    this.cancels.add(cancel);
    return () => {
      cancel();
      this.cancels.delete(cancel);
    };
  }

  /** Fixed-delay repetition: the next run is scheduled after the previous one returned. */
  scheduleWithFixedDelay(periodMs: number, callback: (time: number) => void): () => void {
    let cancelled = false;
    let cancelCurrent = noop;
    const run = (time: number): void => {
      if (cancelled) return;
      callback(time);
      if (!cancelled) cancelCurrent = this.schedule(this.clock.now() + periodMs, run);
    };
    cancelCurrent = this.schedule(this.clock.now() + periodMs, run);
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
    for (const cancel of this.cancels) cancel();
    this.cancels.clear();
  }
}

function noop(): void {}
