import { afterEach, describe, expect, it, vi } from 'vitest';
import { StreamOperator } from '../../../runtime/api/operator.ts';
import { InputGate } from '../../../runtime/execution/channels.ts';
import { BUSY_SAMPLE_EVERY, OperatorMetrics } from '../../../runtime/metrics/index.ts';

/**
 * An operator's busy time (the console's busy / backpressured ratios) is estimated from timed
 * records. A slow operator gets few records a second, and under CPU contention a record's time
 * depends on whether the scheduler preempted it: the estimate must still add up to the time the
 * operator took, or on one thread the missing time shows up as its upstream's own work.
 */

let now = 0;
afterEach(() => {
  vi.restoreAllMocks();
});

/** Each record advances the clock by the time `costOf` says it took. */
class Costly extends StreamOperator<number, never> {
  constructor(private readonly costOf: (record: number) => number) {
    super();
  }
  processElement(record: number): void {
    now += this.costOf(record);
  }
}

function run(records: number, costOf: (record: number) => number) {
  now = 0;
  const clock = vi.spyOn(performance, 'now').mockImplementation(() => now);
  const metrics = new OperatorMetrics('job', 'head', 0);
  const gate = new InputGate(
    {
      onAligned: () => {},
      onEndOfInput: () => {},
      fail: (error) => {
        throw error;
      },
    },
    new Costly(costOf),
    metrics,
    [1],
  );
  for (let r = 0; r < records; r++) gate.channels[0]!.pushRecord(r, 0);
  return { busyMs: metrics.busyMs, took: now, clockReads: clock.mock.calls.length };
}

describe('busy time of an operator', () => {
  it('adds up to the time a slow operator took when preemption makes some records much slower', () => {
    // A 1 ms record, and one in eight preempted for a 14 ms scheduler slice: none of the 1-in-64
    // records happened to be preempted, which at a few records a second is the common case.
    const { busyMs, took } = run(256, (r) => (r % 8 === 3 ? 15 : 1));
    expect(took).toBe(704);
    expect(busyMs).toBeCloseTo(took, 6);
  });

  it('still times only one cheap record in BUSY_SAMPLE_EVERY, and estimates their total', () => {
    const records = BUSY_SAMPLE_EVERY * 10;
    const { busyMs, clockReads } = run(records, () => 0.001);
    // Two clock reads per timed record: the first record, then the last of each full stretch after
    // it; the records after the last timed one are counted when the next stretch ends.
    expect(clockReads).toBe(2 * 10);
    expect(busyMs).toBeCloseTo((1 + 9 * BUSY_SAMPLE_EVERY) * 0.001, 9);
  });
});
