import { setImmediate } from 'node:timers/promises';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AsyncTimeoutError,
  collectSink,
  RuntimeMetrics,
  StreamEnvironment,
  type AsyncIoOptions,
  type AsyncRetryOptions,
} from '../../../runtime/index.ts';
import { quiet, runToList, scriptedSource, sleep, WatchedClock } from '../../fixtures/runtime/helpers.ts';

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

  it('unordered mode emits each result as it completes; ordered mode holds it until those before it are out', async () => {
    // Each call waits on a promise the test settles, in an order the test picks: the completion
    // order is exact, not a race between timers on a loaded machine.
    const completion = [5, 1, 3, 4, 2, 0];
    for (const ordered of [false, true]) {
      const answers = new Map<number, () => void>();
      let allCalled!: () => void;
      const called = new Promise<void>((r) => (allCalled = r));
      const env = StreamEnvironment.create(quiet);
      const sink = collectSink<number>();
      env
        .fromCollection(range(6))
        .asyncMap(
          (i) =>
            new Promise<number>((resolve) => {
              answers.set(i, () => resolve(i));
              if (answers.size === 6) allCalled();
            }),
          { ordered },
        )
        .sinkTo(sink.sink);
      const done = env.execute();
      await called;
      for (const i of completion) answers.get(i)!();
      await done;
      expect(sink.values).toEqual(ordered ? range(6) : completion);
    }
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

  describe('timeouts (on a manual clock: the timeout fires when the clock reaches it, never before)', () => {
    const timeoutMs = 30;

    /**
     * Records 0…4; record 3 never answers (only its timeout ends it), the others answer at once.
     * Moves the clock to just before the timeout, then onto it, and reports what had happened at each step.
     */
    async function timeOutRecordThree(options: AsyncIoOptions<number, number>) {
      const clock = new WatchedClock();
      const metrics = new RuntimeMetrics();
      let aborted = 0;
      const env = StreamEnvironment.create({ ...quiet, clock, metrics, restart: { type: 'none' } });
      const sink = collectSink<number>();
      env
        .fromCollection(range(5))
        .asyncMap(
          (x, signal) => {
            signal.addEventListener('abort', () => aborted++);
            return x === 3 ? new Promise<number>(() => {}) : Promise.resolve(x);
          },
          { name: 'Lookup', timeoutMs, ...options },
        )
        .sinkTo(sink.sink);
      const job = env.executeAsync();
      const outcome = job.result.then(
        () => 'finished',
        (e: unknown) => e as Error,
      );
      // Every record's attempt arms its timeout at 0 + 30: wait until all five are armed. The four
      // answers are settled promises whose handlers are queued microtasks: one macrotask turn
      // (setImmediate, not a time) lets them all land before the clock moves.
      await clock.armed(timeoutMs, 5);
      await setImmediate();
      clock.advance(timeoutMs - 1);
      const before = { aborted, timeouts: metrics.asyncIo('job', 'Lookup', 0).timeouts };
      clock.advance(1);
      const after = { aborted, timeouts: metrics.asyncIo('job', 'Lookup', 0).timeouts };
      return { before, after, outcome: await outcome, values: sink.values };
    }

    it("'fail' (the default) fails the job with an AsyncTimeoutError naming operator and record", async () => {
      const run = await timeOutRecordThree({});
      expect(run.before).toEqual({ aborted: 0, timeouts: 0 });
      expect(run.after).toEqual({ aborted: 1, timeouts: 1 });
      expect(run.outcome).toBeInstanceOf(Error);
      expect((run.outcome as Error).message).toMatch(/'Lookup'.*record 3/);
      expect((run.outcome as Error).cause).toBeInstanceOf(AsyncTimeoutError);
    });

    it("'drop' drops the timed-out record; a function supplies a fallback; the signal is aborted", async () => {
      const dropped = await timeOutRecordThree({ onTimeout: 'drop' });
      expect(dropped.before).toEqual({ aborted: 0, timeouts: 0 });
      expect(dropped.after).toEqual({ aborted: 1, timeouts: 1 });
      expect(dropped.outcome).toBe('finished');
      expect(dropped.values).toEqual([0, 1, 2, 4]);
      const fallback = await timeOutRecordThree({ onTimeout: (x) => -x });
      expect(fallback.before.timeouts).toBe(0);
      expect(fallback.values).toEqual([0, 1, 2, -3, 4]);
    });
  });

  describe('retries (on a manual clock: each attempt starts exactly when its back-off ends)', () => {
    function flaky(clock: { now(): number }, failures: number) {
      const attempts = new Map<number, number[]>();
      const fn = async (x: number) => {
        const list = attempts.get(x) ?? [];
        list.push(clock.now());
        attempts.set(x, list);
        if (list.length <= failures) throw new Error(`flake ${x}/${list.length}`);
        return x * 10;
      };
      return { fn, attempts };
    }

    /** Runs the job; before each retry time, checks the clock one ms short of it starts nothing. */
    async function driveRetries(
      records: number[],
      retry: AsyncRetryOptions,
      failures: number,
      retryTimes: number[],
    ): Promise<{ out: number[]; attempts: Map<number, number[]> }> {
      const clock = new WatchedClock();
      const { fn, attempts } = flaky(clock, failures);
      const env = StreamEnvironment.create({ ...quiet, clock });
      const sink = collectSink<number>();
      env.fromCollection(records).asyncMap(fn, { retry }).sinkTo(sink.sink);
      const done = env.execute();
      for (const [n, at] of retryTimes.entries()) {
        await clock.armed(at, records.length);
        clock.advanceTo(at - 1);
        for (const r of records) expect(attempts.get(r)).toHaveLength(n + 1);
        clock.advanceTo(at);
        for (const r of records) expect(attempts.get(r)).toHaveLength(n + 2);
      }
      await done;
      return { out: sink.values, attempts };
    }

    it('fixed delay retries up to maxAttempts, waiting the delay between attempts', async () => {
      const { out, attempts } = await driveRetries([1, 2], { maxAttempts: 3, delayMs: 15 }, 2, [15, 30]);
      expect(out).toEqual([10, 20]);
      expect([...attempts.values()]).toEqual([
        [0, 15, 30],
        [0, 15, 30],
      ]);
    });

    it('exponential back-off doubles the delay, up to maxDelayMs', async () => {
      const exponential = await driveRetries(
        [1],
        { maxAttempts: 4, delayMs: 10, strategy: 'exponential' },
        3,
        [10, 30, 70],
      );
      expect(exponential.attempts.get(1)).toEqual([0, 10, 30, 70]);
      const capped = await driveRetries(
        [1],
        { maxAttempts: 4, delayMs: 10, strategy: 'exponential', maxDelayMs: 25 },
        3,
        [10, 30, 55],
      );
      expect(capped.attempts.get(1)).toEqual([0, 10, 30, 55]);
    });

    it('gives up after maxAttempts and fails naming operator and record; retryOn can refuse', async () => {
      // Wall clock: what is asserted here is the count of attempts, not when they ran.
      const clock = { now: () => performance.now() };
      const { fn, attempts } = flaky(clock, 5);
      await expect(
        runToList(
          (env) => env.fromCollection([7]).asyncMap(fn, { name: 'Flaky', retry: { maxAttempts: 2, delayMs: 1 } }),
          { restart: { type: 'none' } },
        ),
      ).rejects.toThrow(/'Flaky' failed on record 7: flake 7\/2/);
      expect(attempts.get(7)).toHaveLength(2);
      const second = flaky(clock, 5);
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
