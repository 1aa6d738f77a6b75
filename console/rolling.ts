/**
 * Storm UI's windows (10 min, 3 h, 1 day, all time) over cumulative totals. Instead of Storm's
 * per-executor rolling buckets, it keeps timestamped snapshots of the running totals: a window's
 * value is the total now minus the total at the window's start (the oldest snapshot inside it when
 * the run is younger). Snapshots thin out with age, so a day costs a few hundred per series.
 */
import type { Clock } from './clock.ts';

export const STORM_WINDOWS = ['600', '10800', '86400', ':all-time'] as const;
export type StormWindow = (typeof STORM_WINDOWS)[number];

export function windowPretty(window: StormWindow): string {
  switch (window) {
    case '600':
      return '10m 0s';
    case '10800':
      return '3h 0m 0s';
    case '86400':
      return '1d 0h 0m 0s';
    default:
      return 'All time';
  }
}

/** Accepts Storm's window parameter values; anything else is all-time, as Storm does. */
export function parseWindow(value: string | null): StormWindow {
  return (STORM_WINDOWS as readonly string[]).includes(value ?? '') ? (value as StormWindow) : ':all-time';
}

interface Snapshot {
  at: number;
  totals: Map<string, number>;
}

/** Keep one snapshot per `spacing` ms for snapshots older than `age` ms. */
const THINNING: ReadonlyArray<{ age: number; spacing: number }> = [
  { age: 600_000, spacing: 60_000 },
  { age: 10_800_000, spacing: 600_000 },
];
const MAX_AGE_MS = 86_400_000 + 600_000;

export class RollingTotals {
  private readonly snapshots: Snapshot[] = [];

  /**
   * `startedAt`: when the totals were zero (the run's start, ms epoch); windows that begin before
   * it hold everything. `minSpacingMs`: record() calls closer together than this keep one snapshot.
   */
  constructor(
    private readonly clock: Clock,
    private readonly startedAt: number,
    private readonly minSpacingMs = 5_000,
  ) {}

  /** Records the current cumulative totals (keys like "emitted:spout"). */
  record(totals: Map<string, number>): void {
    const now = this.clock.now();
    const last = this.snapshots.at(-1);
    if (last !== undefined && now - last.at < this.minSpacingMs) return;
    this.snapshots.push({ at: now, totals: new Map(totals) });
    this.thin(now);
  }

  /** What accumulated within the window: `current` minus the totals at the window's start. */
  window(window: StormWindow, current: Map<string, number>): Map<string, number> {
    const now = this.clock.now();
    if (window === ':all-time') return new Map(current);
    const start = now - Number(window) * 1000;
    if (this.startedAt >= start) return new Map(current);
    // The newest snapshot at or before the window's start; failing that (the console attached
    // later), the oldest one after it.
    let base: Snapshot | undefined;
    for (const s of this.snapshots) {
      if (s.at <= start) base = s;
      else {
        base ??= s;
        break;
      }
    }
    if (base === undefined) return new Map(current);
    const result = new Map<string, number>();
    for (const [key, value] of current) result.set(key, Math.max(0, value - (base.totals.get(key) ?? 0)));
    return result;
  }

  private thin(now: number): void {
    while (this.snapshots.length > 2 && now - this.snapshots[1]!.at > MAX_AGE_MS) this.snapshots.shift();
    for (const { age, spacing } of THINNING) {
      let lastKept: number | undefined;
      for (let i = 0; i < this.snapshots.length - 1; ) {
        const s = this.snapshots[i]!;
        if (now - s.at <= age) break;
        if (lastKept !== undefined && s.at - lastKept < spacing) {
          this.snapshots.splice(i, 1);
          continue;
        }
        lastKept = s.at;
        i++;
      }
    }
  }

  /** Snapshots held (for tests of the thinning). */
  get size(): number {
    return this.snapshots.length;
  }
}
