/**
 * The one source of processing time. Every runtime timer (processing-time timers, periodic
 * watermarks, mini-batch flushes, checkpoint intervals and timeouts) and every layer built on the
 * runtime reads time through a Clock, so a test can swap the wall clock for a ManualClock and move
 * time itself: deterministic, and independent of how busy the machine is.
 */
import { ConfigError } from '../errors.ts';

export interface Clock {
  /** Milliseconds since the epoch (or since the manual clock's start). */
  now(): number;
  /** Runs `callback` once the clock reaches `at` (soon after, for the wall clock). Returns a cancel function. */
  setTimer(at: number, callback: () => void): () => void;
}

const MAX_TIMEOUT_MS = 2 ** 31 - 1;

function wallTimer(at: number, callback: () => void): () => void {
  let handle: ReturnType<typeof setTimeout>;
  const arm = (): void => {
    const delay = Math.min(MAX_TIMEOUT_MS, Math.max(0, at - Date.now()));
    // setTimeout cannot wait longer than ~24.8 days: re-arm until the real due time.
    handle = setTimeout(() => (delay === MAX_TIMEOUT_MS && Date.now() < at ? arm() : callback()), delay);
  };
  arm();
  return () => clearTimeout(handle);
}

/** Wall-clock time: `Date.now()` and `setTimeout`. */
export const systemClock: Clock = Object.freeze({
  // Read Date.now at each call: test frameworks that fake timers replace it after load.
  now: () => Date.now(),
  setTimer: wallTimer,
});

export function isManualClock(clock: Clock | undefined): clock is ManualClock {
  return clock instanceof ManualClock;
}

interface ManualTimer {
  at: number;
  seq: number;
  callback: () => void;
  cancelled: boolean;
}

/**
 * A clock that only moves when told to. `advance` fires every timer that falls due, in due-time
 * order (registration order breaks ties), with `now()` equal to each timer's due time while it
 * runs; timers those callbacks register inside the advanced span fire in the same call. Callbacks
 * run synchronously inside `advance`, which is its own event-loop task, so they never interleave
 * with a record being processed.
 */
export class ManualClock implements Clock {
  private time: number;
  private seq = 0;
  private readonly timers: ManualTimer[] = [];
  private readonly listeners = new Set<(now: number) => void>();
  private advancing = false;

  constructor(start = 0) {
    if (!Number.isFinite(start))
      throw new ConfigError(`ManualClock start must be a finite number, got ${String(start)}`);
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  setTimer(at: number, callback: () => void): () => void {
    const timer: ManualTimer = { at: Math.max(at, this.time), seq: this.seq++, callback, cancelled: false };
    // Sorted insert: timer counts are small (one per operator per kind), and firing takes the head.
    let i = this.timers.length;
    while (i > 0 && this.timers[i - 1]!.at > timer.at) i--;
    this.timers.splice(i, 0, timer);
    return () => {
      if (timer.cancelled) return;
      timer.cancelled = true;
      const j = this.timers.indexOf(timer);
      if (j >= 0) this.timers.splice(j, 1);
    };
  }

  /** Moves time forward by `ms`, firing due timers in order. Returns the new time. */
  advance(ms: number): number {
    if (!(ms >= 0)) throw new ConfigError(`ManualClock.advance needs a non-negative number of ms, got ${String(ms)}`);
    return this.advanceTo(this.time + ms);
  }

  /** Moves time forward to `target` (never back), firing due timers in order. */
  advanceTo(target: number): number {
    if (this.advancing) throw new ConfigError('ManualClock.advance called from inside a timer callback');
    if (target < this.time) return this.time;
    this.advancing = true;
    try {
      for (;;) {
        const next = this.timers[0];
        if (next === undefined || next.at > target) break;
        this.timers.shift();
        next.cancelled = true;
        this.time = Math.max(this.time, next.at);
        next.callback();
      }
      this.time = target;
    } finally {
      this.advancing = false;
    }
    for (const listener of this.listeners) listener(this.time);
    return this.time;
  }

  /** Due time of the earliest pending timer. */
  nextTimerAt(): number | undefined {
    return this.timers[0]?.at;
  }

  get pendingTimers(): number {
    return this.timers.length;
  }

  /** Called after each advance with the new time (waiters on simulated time use it). */
  onAdvance(listener: (now: number) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** A promise that resolves once the clock reaches `at`. */
  sleepUntil(at: number): Promise<void> {
    if (at <= this.time) return Promise.resolve();
    return new Promise((resolve) => {
      this.setTimer(at, resolve);
    });
  }
}
