import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRestartStrategy, type RestartStrategyConfig } from '../../../runtime/checkpoint/restart.ts';
import { ConfigError, JobCancelledError, JobGraphError, UserFunctionError } from '../../../runtime/errors.ts';

const transient = new Error('connection reset');

describe('restart strategies', () => {
  it('none never restarts', () => {
    const s = createRestartStrategy({ type: 'none' });
    expect(s.nextDelay(transient, 0)).toBeUndefined();
    expect(s.describe()).toMatch(/no restart/);
  });

  it('fixed-delay restarts `attempts` times, then gives up', () => {
    const s = createRestartStrategy({ type: 'fixed-delay', attempts: 3, delayMs: 500 });
    expect([1, 2, 3, 4].map((t) => s.nextDelay(transient, t))).toEqual([500, 500, 500, undefined]);
  });

  it('gives up at once on a non-retriable error, whatever the strategy', () => {
    const configs: RestartStrategyConfig[] = [
      { type: 'fixed-delay', attempts: 10, delayMs: 1 },
      { type: 'exponential-backoff', initialDelayMs: 1, maxDelayMs: 10 },
      { type: 'failure-rate', maxFailures: 10, intervalMs: 1000, delayMs: 1 },
    ];
    for (const config of configs) {
      const s = createRestartStrategy(config);
      expect(s.nextDelay(new JobGraphError('bad graph'), 0)).toBeUndefined();
      expect(s.nextDelay(new JobCancelledError(), 0)).toBeUndefined();
      expect(s.nextDelay(new UserFunctionError('map', 1, new Error('boom')), 0)).toBeDefined();
    }
  });

  it('exponential back-off doubles up to the cap', () => {
    const s = createRestartStrategy({ type: 'exponential-backoff', initialDelayMs: 100, maxDelayMs: 1000 });
    expect([0, 1, 2, 3, 4, 5].map((t) => s.nextDelay(transient, t))).toEqual([100, 200, 400, 800, 1000, 1000]);
  });

  it('exponential back-off starts over after a quiet period', () => {
    const s = createRestartStrategy({
      type: 'exponential-backoff',
      initialDelayMs: 100,
      maxDelayMs: 10_000,
      multiplier: 3,
      resetAfterMs: 60_000,
    });
    expect(s.nextDelay(transient, 0)).toBe(100);
    expect(s.nextDelay(transient, 1_000)).toBe(300);
    expect(s.nextDelay(transient, 2_000)).toBe(900);
    expect(s.nextDelay(transient, 70_000)).toBe(100);
  });

  it('exponential back-off with jitter stays within ±jitter of the base and never above the cap', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10_000 }),
        fc.integer({ min: 0, max: 100_000 }),
        fc.double({ min: 1, max: 5, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.array(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), { minLength: 1, maxLength: 40 }),
        (initial, extra, multiplier, jitter, randoms) => {
          const max = initial + extra;
          let i = 0;
          const s = createRestartStrategy(
            { type: 'exponential-backoff', initialDelayMs: initial, maxDelayMs: max, multiplier, jitter },
            { random: () => randoms[i++ % randoms.length]! },
          );
          let base = initial;
          for (let n = 0; n < randoms.length; n++) {
            const d = s.nextDelay(transient, n)!;
            expect(d).toBeGreaterThanOrEqual(0);
            expect(d).toBeLessThanOrEqual(max);
            expect(d).toBeGreaterThanOrEqual(base * (1 - jitter) - 1e-6);
            expect(d).toBeLessThanOrEqual(base * (1 + jitter) + 1e-6);
            base = Math.min(max, base * multiplier);
          }
        },
      ),
    );
  });

  it('failure-rate gives up once more than maxFailures happen within the interval', () => {
    const s = createRestartStrategy({ type: 'failure-rate', maxFailures: 2, intervalMs: 1000, delayMs: 50 });
    expect(s.nextDelay(transient, 0)).toBe(50);
    expect(s.nextDelay(transient, 500)).toBe(50);
    expect(s.nextDelay(transient, 900)).toBeUndefined();
  });

  it('failure-rate keeps restarting while failures are spread out', () => {
    const s = createRestartStrategy({ type: 'failure-rate', maxFailures: 2, intervalMs: 1000, delayMs: 50 });
    for (let t = 0; t < 20_000; t += 600) expect(s.nextDelay(transient, t)).toBe(50);
  });

  it.each([
    [{ type: 'fixed-delay', attempts: -1, delayMs: 1 }, 'attempts'],
    [{ type: 'fixed-delay', attempts: 1.5, delayMs: 1 }, 'attempts'],
    [{ type: 'fixed-delay', attempts: 1, delayMs: Number.NaN }, 'delayMs'],
    [{ type: 'exponential-backoff', initialDelayMs: 10, maxDelayMs: 5 }, 'maxDelayMs'],
    [{ type: 'exponential-backoff', initialDelayMs: 10, maxDelayMs: 50, multiplier: 0.5 }, 'multiplier'],
    [{ type: 'exponential-backoff', initialDelayMs: 10, maxDelayMs: 50, jitter: 2 }, 'jitter'],
    [{ type: 'exponential-backoff', initialDelayMs: 10, maxDelayMs: 50, resetAfterMs: -1 }, 'resetAfterMs'],
    [{ type: 'failure-rate', maxFailures: 0, intervalMs: 10, delayMs: 1 }, 'maxFailures'],
    [{ type: 'failure-rate', maxFailures: 1, intervalMs: 0, delayMs: 1 }, 'intervalMs'],
    [{ type: 'sometimes' }, 'type'],
  ])('rejects %j naming %s', (config, field) => {
    expect(() => createRestartStrategy(config as RestartStrategyConfig)).toThrow(ConfigError);
    expect(() => createRestartStrategy(config as RestartStrategyConfig)).toThrow(new RegExp(`'${field}'`));
  });

  it('describes itself for logs', () => {
    expect(createRestartStrategy({ type: 'fixed-delay', attempts: 3, delayMs: 10 }).describe()).toMatch(/3 attempts/);
    expect(createRestartStrategy({ type: 'exponential-backoff', initialDelayMs: 1, maxDelayMs: 8 }).describe()).toMatch(
      /exponential/,
    );
  });
});
