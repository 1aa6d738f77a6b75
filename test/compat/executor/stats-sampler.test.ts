import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { StatsSampler, samplingFrequency } from '../../../compat/executor/stats-sampler.ts';
import { IllegalArgumentException } from '../../../compat/index.ts';

describe("the stats sampler (Storm's topology.stats.sample.rate)", () => {
  it('samples exactly one call per window, at the position the picker chose', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.array(fc.nat(), { minLength: 1, maxLength: 12 }),
        (freq, draws) => {
          let d = 0;
          const picks: number[] = [];
          const sampler = new StatsSampler(freq, (n) => {
            const p = draws[d++ % draws.length]! % n;
            picks.push(p);
            return p;
          });
          const windows = draws.length;
          const hits: number[] = [];
          for (let i = 0; i < freq * windows; i++) if (sampler.check()) hits.push(i);
          const expected =
            freq === 1 ? [...Array(windows).keys()] : picks.slice(0, windows).map((p, w) => w * freq + p);
          expect(hits).toEqual(expected);
        },
      ),
    );
  });

  it('reads the rate from the conf as Storm does: calls per sample = trunc(1 / rate), default 0.05', () => {
    expect(samplingFrequency({})).toBe(20);
    expect(samplingFrequency({ 'topology.stats.sample.rate': 0.25 })).toBe(4);
    expect(samplingFrequency({ 'topology.stats.sample.rate': 0.3 })).toBe(3);
    expect(samplingFrequency({ 'topology.stats.sample.rate': 1 })).toBe(1);
    expect(samplingFrequency({ 'topology.stats.sample.rate': '0.5' })).toBe(2);
  });

  it('refuses a rate outside (0, 1], naming the key and the value', () => {
    for (const bad of [0, -0.5, 2, 'often', Number.NaN, true]) {
      expect(() => samplingFrequency({ 'topology.stats.sample.rate': bad })).toThrow(IllegalArgumentException);
      expect(() => samplingFrequency({ 'topology.stats.sample.rate': bad })).toThrow(
        `Illegal topology.stats.sample.rate in conf: ${String(bad)}`,
      );
    }
  });
});
