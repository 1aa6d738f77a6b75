import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AsyncTimeoutError,
  collectSink,
  RuntimeMetrics,
  StreamEnvironment,
  type AsyncIoOptions,
} from '../../../runtime/index.ts';
import { quiet, runToList, scriptedSource, sleep, sortNumbers } from '../../fixtures/runtime/helpers.ts';

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

describe('async I/O', () => {
  it('ordered mode emits in input order whatever the latencies (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 8 }), { minLength: 1, maxLength: 60 }),
        fc.integer({ min: 1, max: 10 }),
        async (latencies, capacity) => {
          const out = await runToList((env) =>
            env.fromCollection(latencies.map((l, i) => [i, l] as const)).asyncMap(
              async ([i, l]) => {
                await sleep(l);
                return i;
              },
              { capacity, ordered: true },
            ),
          );
          expect(out).toEqual(range(latencies.length));
        },
      ),
      { numRuns: 15 },
    );
  });

  it('unordered mode emits every result exactly once, fastest first', async () => {
    const latencies = [30, 1, 20, 2, 10, 0];
    const out = await runToList((env) =>
      env.fromCollection(latencies.map((l, i) => [i, l] as const)).asyncMap(
        async ([i, l]) => {
          await sleep(l);
          return i;
        },
        { ordered: false },
      ),
    );
    expect(sortNumbers(out)).toEqual(range(6));
    expect(out[0]).not.toBe(0);
    expect(out.at(-1)).toBe(0);
  });

  it('undefined results are dropped', async () => {
    const out = await runToList((env) =>
      env.fromCollection(range(10)).asyncMap(async (x) => (x % 2 ? x : undefined) as number),
    );
    expect(out).toEqual([1, 3, 5, 7, 9]);
  });

  it('capacity bounds the calls in flight, and a fast source is held back (bounded queue)', async () => {
    const capacity = 8;
    const batchSize = 32;
    let inFlight = 0;
    let maxInFlight = 0;
    let generated = 0;
    let emitted = 0;
    let maxLead = 0;
    const env = StreamEnvironment.create({ ...quiet, batchSize });
    const sink = collectSink<number>();
    env
      .generate({ count: 3000, generate: (i) => i })
      .map((x) => {
        generated++;
        maxLead = Math.max(maxLead, generated - emitted);
        return x;
      })
      .asyncMap(
        async (x) => {
          inFlight++;
          maxInFlight = Math.max(maxInFlight, inFlight);
          await sleep(x % 3);
          inFlight--;
          return x;
        },
        { capacity },
      )
      .map((x) => {
        emitted++;
        return x;
      })
      .sinkTo(sink.sink);
    await env.execute();
    expect(sink.values).toEqual(range(3000));
    expect(maxInFlight).toBe(capacity);
    // Records waiting inside the operator: at most its capacity plus one source batch.
    expect(maxLead).toBeLessThanOrEqual(capacity + batchSize);
  });

  describe('timeouts', () => {
    // Record 3 never answers, so only the timeout can end it; the others answer at once (a settled
    // promise, resolved before any timer can fire), so however late a loaded machine runs the 30 ms
    // timer, it can only ever time out record 3. A 1 ms answer could itself be late by over 30 ms.
    const slowOnThree = (x: number, signal: AbortSignal) =>
      x === 3
        ? new Promise<number>((resolve) => {
            const timer = setTimeout(() => resolve(x), 10_000);
            signal.addEventListener('abort', () => clearTimeout(timer));
          })
        : Promise.resolve(x);

    it("'fail' (the default) fails the job with an AsyncTimeoutError naming operator and record", async () => {
      const error = await runToList(
        (env) => env.fromCollection(range(5)).asyncMap(slowOnThree, { name: 'Lookup', timeoutMs: 30 }),
        { restart: { type: 'none' } },
      ).catch((e: unknown) => e as Error);
      expect(error).toBeInstanceOf(Error);
      expect((error as Error).message).toMatch(/'Lookup'.*record 3/);
      expect((error as Error).cause).toBeInstanceOf(AsyncTimeoutError);
    });

    it("'drop' drops the timed-out record; a function supplies a fallback; the signal is aborted", async () => {
      let aborted = 0;
      const tracking = (x: number, signal: AbortSignal) => {
        signal.addEventListener('abort', () => aborted++);
        return slowOnThree(x, signal);
      };
      const metrics = new RuntimeMetrics();
      expect(
        await runToList(
          (env) => env.fromCollection(range(5)).asyncMap(tracking, { timeoutMs: 30, onTimeout: 'drop' }),
          { metrics },
        ),
      ).toEqual([0, 1, 2, 4]);
      expect(aborted).toBe(1);
      expect(metrics.asyncIo('job', 'AsyncIO', 0).timeouts).toBe(1);
      expect(
        await runToList((env) =>
          env.fromCollection(range(5)).asyncMap(slowOnThree, { timeoutMs: 30, onTimeout: (x) => -x }),
        ),
      ).toEqual([0, 1, 2, -3, 4]);
    });
  });

  describe('retries', () => {
    function flaky(failures: number) {
      const attempts = new Map<number, number[]>();
      const fn = async (x: number) => {
        const list = attempts.get(x) ?? [];
        list.push(performance.now());
        attempts.set(x, list);
        if (list.length <= failures) throw new Error(`flake ${x}/${list.length}`);
        return x * 10;
      };
      return { fn, attempts };
    }

    it('fixed delay retries up to maxAttempts, waiting the delay between attempts', async () => {
      const { fn, attempts } = flaky(2);
      const out = await runToList((env) =>
        env.fromCollection([1, 2]).asyncMap(fn, { retry: { maxAttempts: 3, delayMs: 15 } }),
      );
      expect(out).toEqual([10, 20]);
      for (const times of attempts.values()) {
        expect(times).toHaveLength(3);
        expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(14);
        expect(times[2]! - times[1]!).toBeGreaterThanOrEqual(14);
      }
    });

    it('exponential back-off doubles the delay', async () => {
      const { fn, attempts } = flaky(3);
      await runToList((env) =>
        env.fromCollection([1]).asyncMap(fn, { retry: { maxAttempts: 4, delayMs: 10, strategy: 'exponential' } }),
      );
      const t = attempts.get(1)!;
      expect(t).toHaveLength(4);
      expect(t[1]! - t[0]!).toBeGreaterThanOrEqual(9);
      expect(t[2]! - t[1]!).toBeGreaterThanOrEqual(19);
      expect(t[3]! - t[2]!).toBeGreaterThanOrEqual(39);
    });

    it('gives up after maxAttempts and fails naming operator and record; retryOn can refuse', async () => {
      const { fn, attempts } = flaky(5);
      await expect(
        runToList(
          (env) => env.fromCollection([7]).asyncMap(fn, { name: 'Flaky', retry: { maxAttempts: 2, delayMs: 1 } }),
          { restart: { type: 'none' } },
        ),
      ).rejects.toThrow(/'Flaky' failed on record 7: flake 7\/2/);
      expect(attempts.get(7)).toHaveLength(2);
      const second = flaky(5);
      await expect(
        runToList(
          (env) =>
            env
              .fromCollection([7])
              .asyncMap(second.fn, { retry: { maxAttempts: 5, delayMs: 1, retryOn: () => false } }),
          { restart: { type: 'none' } },
        ),
      ).rejects.toThrow(/flake 7\/1/);
    });
  });

  it('an LRU cache answers repeated keys without calling the function', async () => {
    let calls = 0;
    const metrics = new RuntimeMetrics();
    const keys = [1, 2, 1, 1, 3, 2, 1, 3];
    const options: AsyncIoOptions<number, string> = { cache: { maxEntries: 10 } };
    const out = await runToList(
      (env) =>
        env
          .fromSource(
            scriptedSource(
              keys.map((value) => ({ value })),
              1,
            ),
          )
          .asyncMap(async (x) => {
            calls++;
            return `v${x}`;
          }, options),
      { metrics },
    );
    expect(out).toEqual(keys.map((k) => `v${k}`));
    expect(calls).toBe(3);
    const m = metrics.asyncIo('job', 'AsyncIO', 0);
    expect([m.cacheHits, m.cacheMisses]).toEqual([5, 3]);
  });

  it('a burst of one key makes one call, however slow its answer: the others wait for it', async () => {
    for (const ordered of [true, false]) {
      const calls = new Map<string, number>();
      const keys = Array.from({ length: 60 }, (_, i) => ['a', 'b', 'c'][i % 3]!);
      const out = await runToList((env) =>
        env.fromCollection(keys).asyncMap(
          async (k) => {
            calls.set(k, (calls.get(k) ?? 0) + 1);
            await sleep(5);
            return k.toUpperCase();
          },
          { ordered, capacity: 2, cache: { maxEntries: 10 } },
        ),
      );
      if (ordered) expect(out).toEqual(keys.map((k) => k.toUpperCase()));
      else expect([...out].sort()).toEqual(keys.map((k) => k.toUpperCase()).sort());
      expect(Object.fromEntries(calls)).toEqual({ a: 1, b: 1, c: 1 });
    }
  });

  it('when the call a burst waits for times out, its fallback stays its own and the next record calls again', async () => {
    let calls = 0;
    const out = await runToList((env) =>
      env.fromCollection(['a', 'a', 'a']).asyncMap(
        // The first call never answers (only its timeout ends it); later ones answer at once.
        (k) => (++calls === 1 ? new Promise<string>(() => {}) : Promise.resolve(k.toUpperCase())),
        { capacity: 3, timeoutMs: 30, onTimeout: () => 'fallback', cache: { maxEntries: 10 } },
      ),
    );
    expect(out).toEqual(['fallback', 'A', 'A']);
    expect(calls).toBe(2);
  });

  it('a function that throws synchronously fails the job naming operator and record', async () => {
    await expect(
      runToList(
        (env) =>
          env.fromCollection(['a', 'boom']).asyncMap(
            (x) => {
              if (x === 'boom') throw new Error('sync throw');
              return Promise.resolve(x);
            },
            { name: 'Sync' },
          ),
        { restart: { type: 'none' } },
      ),
    ).rejects.toThrow(/'Sync' failed on record "boom": sync throw/);
  });

  it('user callbacks of the operator (timeout fallback, retryOn, cache key) that throw fail the job, naming operator and record', async () => {
    const never = () => new Promise<number>(() => {});
    const cases: Array<[string, (env: StreamEnvironment) => void, RegExp]> = [
      [
        'fallback',
        (env) =>
          env
            .fromCollection([1])
            .asyncMap(never, {
              name: 'Fallback',
              timeoutMs: 5,
              onTimeout: () => {
                throw new Error('no fallback');
              },
            })
            .print(),
        /'Fallback' failed on record 1: no fallback/,
      ],
      [
        'retryOn',
        (env) =>
          env
            .fromCollection([2])
            .asyncMap(async () => Promise.reject(new Error('down')), {
              name: 'RetryOn',
              retry: {
                maxAttempts: 3,
                delayMs: 1,
                retryOn: () => {
                  throw new Error('bad predicate');
                },
              },
            })
            .print(),
        /'RetryOn' failed on record 2: bad predicate/,
      ],
      [
        'cache key',
        (env) =>
          env
            .fromCollection([3])
            .asyncMap(async (x) => x, {
              name: 'CacheKey',
              cache: {
                maxEntries: 5,
                key: () => {
                  throw new Error('bad key');
                },
              },
            })
            .print(),
        /'CacheKey' failed on record 3: bad key/,
      ],
    ];
    for (const [, build, message] of cases) {
      const env = StreamEnvironment.create({ ...quiet, restart: { type: 'none' } });
      build(env);
      await expect(env.execute()).rejects.toThrow(message);
    }
  });

  it('a slow async sink keeps the writes in flight bounded', async () => {
    const batchSize = 16;
    const maxInFlight = 4;
    let writing = 0;
    let maxWriting = 0;
    let written = 0;
    const env = StreamEnvironment.create({ ...quiet, batchSize });
    env.generate({ count: 600, generate: (i) => i }).sinkTo(
      {
        createWriter: () => ({
          async write() {
            writing++;
            maxWriting = Math.max(maxWriting, writing);
            await sleep(0);
            writing--;
            written++;
          },
        }),
      },
      { maxInFlight },
    );
    await env.execute();
    expect(written).toBe(600);
    expect(maxWriting).toBeGreaterThanOrEqual(maxInFlight);
    expect(maxWriting).toBeLessThanOrEqual(maxInFlight + batchSize);
  });
});
