/**
 * Storm's `Time` (§12): one process-wide clock for every Storm-facing timer. Normally the wall
 * clock; inside simulated time (`Time.SimulatedTime`, `Testing.withSimulatedTime`, a
 * `LocalCluster` built `withSimulatedTime()`) a runtime ManualClock that starts at 0 and moves
 * only through `advanceTime` / `advanceClusterTime`. Topologies submitted while simulating take
 * that clock for all their timers: ticks, message timeouts, window triggers, watermark intervals,
 * checkpoint intervals, `Utils.sleep` back-offs.
 */
import { ManualClock, systemClock, type Clock } from '../../runtime/index.ts';
import { IllegalStateException } from './exceptions.ts';

let simulated: ManualClock | null = null;

/** The clock Storm-facing code reads now: the simulated one while simulating, else the wall clock. */
export function currentClock(): Clock {
  return simulated ?? systemClock;
}

/** The simulated clock, or null when time is real. */
export function simulatedClock(): ManualClock | null {
  return simulated;
}

function requireSimulating(): ManualClock {
  if (simulated === null) throw new IllegalStateException('Cannot simulate time unless in simulation mode');
  return simulated;
}

/** Repeats `fn` every `periodMs` on `clock` (fixed rate, like Storm's timer threads). Returns a cancel function. */
export function every(clock: Clock, periodMs: number, fn: () => void): () => void {
  const period = Math.max(1, periodMs);
  if (clock === systemClock) {
    // The wall clock keeps Node's own interval: unref'd, so a forgotten timer never holds the process.
    const handle = setInterval(fn, period);
    handle.unref?.();
    return () => clearInterval(handle);
  }
  let next = clock.now() + period;
  let cancel = (): void => {};
  let stopped = false;
  const arm = (): void => {
    cancel = clock.setTimer(next, () => {
      if (stopped) return;
      next += period;
      arm();
      fn();
    });
  };
  arm();
  return () => {
    stopped = true;
    cancel();
  };
}

/** A promise that resolves after `ms` on `clock`. */
export function sleepOn(clock: Clock, ms: number): Promise<void> {
  const delay = Math.max(0, Number(ms) || 0);
  return new Promise<void>((resolve) => {
    if (clock === systemClock) setTimeout(resolve, delay);
    else clock.setTimer(clock.now() + delay, resolve);
  });
}

/**
 * Simulated time as a scope: `using t = new Time.SimulatedTime()` (or `close()`), as Storm's
 * try-with-resources. Time starts at 0; `advanceTimeMs` moves it by that much after every
 * `Time.sleep` (Storm's auto-advance).
 */
export class SimulatedTime implements Disposable {
  private readonly clock: ManualClock;
  private closed = false;

  constructor(advanceTimeMs?: number | null) {
    if (simulated !== null) throw new IllegalStateException('simulated time is already on (nested SimulatedTime)');
    this.clock = new ManualClock(0);
    simulated = this.clock;
    autoAdvanceMs = advanceTimeMs != null && advanceTimeMs > 0 ? advanceTimeMs : 0;
  }

  getClock(): ManualClock {
    return this.clock;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (simulated === this.clock) {
      simulated = null;
      autoAdvanceMs = 0;
    }
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

let autoAdvanceMs = 0;

export class Time {
  static readonly SimulatedTime = SimulatedTime;

  static isSimulating(): boolean {
    return simulated !== null;
  }

  /** @deprecated Storm's old API; prefer `new Time.SimulatedTime()`. Returns the scope so it can be closed. */
  static startSimulating(): SimulatedTime {
    return new SimulatedTime();
  }

  static startSimulatingAutoAdvanceOnSleep(ms: number): SimulatedTime {
    return new SimulatedTime(ms);
  }

  /** @deprecated Storm's old API: ends simulated time whichever scope started it. */
  static stopSimulating(): void {
    simulated = null;
    autoAdvanceMs = 0;
  }

  static currentTimeMillis(): number {
    return currentClock().now();
  }

  static currentTimeSecs(): number {
    return Math.floor(currentClock().now() / 1000);
  }

  static nanoTime(): bigint {
    return simulated !== null ? BigInt(Math.round(simulated.now() * 1e6)) : process.hrtime.bigint();
  }

  static currentTimeNanos(): bigint {
    return Time.nanoTime();
  }

  static secsToMillis(secs: number): number {
    return 1000 * secs;
  }

  static secsToMillisLong(secs: number): number {
    return Math.round(1000 * secs);
  }

  static deltaSecs(timeInSeconds: number): number {
    return Time.currentTimeSecs() - timeInSeconds;
  }

  static deltaMs(timeInMilliseconds: number): number {
    return Time.currentTimeMillis() - timeInMilliseconds;
  }

  /**
   * Resolves after `ms` of (simulated or real) time. Java blocks the thread; JavaScript awaits.
   * With auto-advance on, a simulated sleep moves time itself.
   */
  static sleep(ms: number): Promise<void> {
    const clock = currentClock();
    const p = sleepOn(clock, ms);
    if (simulated !== null && autoAdvanceMs > 0) simulated.advance(autoAdvanceMs);
    return p;
  }

  static sleepSecs(secs: number): Promise<void> {
    return Time.sleep(secs * 1000);
  }

  static sleepUntil(targetTimeMs: number): Promise<void> {
    return Time.sleep(targetTimeMs - currentClock().now());
  }

  /** Moves simulated time forward by `ms`, firing every timer that falls due, in order. */
  static advanceTime(ms: number): void {
    const clock = requireSimulating();
    if (!(ms >= 0)) throw new IllegalStateException(`Advancing time by a negative amount: ${ms}`);
    clock.advance(ms);
  }

  static advanceTimeSecs(secs: number): void {
    Time.advanceTime(secs * 1000);
  }

  static advanceTimeNanos(nanos: number | bigint): void {
    Time.advanceTime(Number(nanos) / 1e6);
  }
}
