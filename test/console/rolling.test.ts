import { describe, expect, it } from 'vitest';
import { ManualClock, RollingTotals } from '../../console/index.ts';

const totals = (emitted: number) => new Map([['emitted:spout', emitted]]);

describe('Storm windows over cumulative totals (manual clock)', () => {
  it('counts only what happened inside 10 min, 3 h and 1 day, and everything for all-time', () => {
    const clock = new ManualClock(1_000_000);
    const rolling = new RollingTotals(clock, clock.now());
    // 100 tuples a minute for 5 hours, sampled every 10 s.
    let emitted = 0;
    for (let s = 0; s < 5 * 3600; s += 10) {
      rolling.record(totals(emitted));
      clock.advance(10_000);
      emitted += 100 / 6;
    }
    rolling.record(totals(emitted));
    const current = totals(emitted);
    const at = (w: '600' | '10800' | '86400' | ':all-time') => rolling.window(w, current).get('emitted:spout')!;
    expect(at('600')).toBeCloseTo(1000, -1);
    // Beyond 10 minutes snapshots are one a minute apart: the 3 h window is exact to a minute's worth.
    expect(Math.abs(at('10800') - 18_000)).toBeLessThanOrEqual(100);
    // The topology is younger than a day: everything since its start.
    expect(at('86400')).toBeCloseTo(emitted);
    expect(at(':all-time')).toBeCloseTo(emitted);
    // A day of history costs a bounded number of snapshots, not one per sample.
    expect(rolling.size).toBeLessThan(60 + 180 + 10);
  });

  it('a run younger than the window counts from its start', () => {
    const clock = new ManualClock(0);
    const rolling = new RollingTotals(clock, 0);
    rolling.record(totals(0));
    clock.advance(30_000);
    rolling.record(totals(42));
    expect(rolling.window('600', totals(42)).get('emitted:spout')).toBe(42);
  });
});
