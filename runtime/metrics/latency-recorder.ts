/**
 * Records observations into a fixed array of bucket counters. observe() is on the per-record hot
 * path, so it is a short scan over a handful of upper bounds and two additions: no allocation, no
 * label hashing. prom-client only sees the totals when it scrapes (see folded-histogram.ts).
 */

/** Per-record operator latency, in ms: sub-millisecond operators up to multi-second stalls. */
export const LATENCY_BUCKETS_MS: readonly number[] = Object.freeze([
  0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000,
]);

/** Checkpoint durations, in ms: from a tiny local job to a slow remote store. */
export const CHECKPOINT_BUCKETS_MS: readonly number[] = Object.freeze([
  10, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 120000, 300000, 600000,
]);

export class LatencyRecorder {
  readonly bounds: readonly number[];
  /** counts[i] = observations in (bounds[i-1], bounds[i]]; the last slot is above every bound */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(bounds: readonly number[] = LATENCY_BUCKETS_MS) {
    this.bounds = bounds;
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(ms: number): void {
    // NaN would poison the sum forever; a negative duration is a clock step, not a measurement.
    if (!(ms >= 0)) return;
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && ms > bounds[i]!) i++;
    this.counts[i]!++;
    this.sum += ms;
    this.count++;
  }

  /** Starts a measurement; call the returned function when the work is done. */
  startTimer(): () => void {
    const start = performance.now();
    return () => this.observe(performance.now() - start);
  }
}
