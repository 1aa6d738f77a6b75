import { afterEach, describe, expect, it } from 'vitest';
import {
  collectSink,
  StreamEnvironment,
  TumblingEventTimeWindows,
  ValueStateDescriptor,
  type CollectSink,
  type KeyedProcessFunction,
  type ValueState,
} from '../../../runtime/index.ts';
import { gatedNumbers, quiet, tempDir, type Hold } from '../../fixtures/runtime/helpers.ts';

const dirs: Array<{ cleanup(): void }> = [];
afterEach(() => {
  for (const d of dirs.splice(0)) d.cleanup();
});

const N = 4000;
const KEYS = 9;

function windowJob(sink: CollectSink<string>, fail: { at: number; armed: boolean } | undefined) {
  const env = StreamEnvironment.create({
    ...quiet,
    parallelism: 2,
    watermarkIntervalMs: 5,
    checkpoint: { intervalMs: 10 },
    restart: { type: 'fixed-delay', attempts: 3, delayMs: 5 },
  });
  env
    .generate({ count: N, ratePerSecond: 20_000, generate: (i) => i })
    .assignTimestampsAndWatermarks({ timestamp: (i) => i })
    .map((i) => {
      if (fail && i === fail.at && fail.armed) {
        fail.armed = false;
        throw new Error('once');
      }
      return i;
    })
    .keyBy((i) => i % KEYS)
    .window(TumblingEventTimeWindows.of(100))
    .process<string>(
      (key, w, items, out) => out.collect(`${key}@${w.start}:${items.length}:${items.reduce((a, b) => a + b, 0)}`),
      { parallelism: 3 },
    )
    .sinkTo(sink.sink, { parallelism: 1 });
  return env;
}

/** Counts per key and, every 5th record of a key, sets an event-time timer that reports the count then. */
function timerFunction(): KeyedProcessFunction<number, number, string> & { count?: ValueState<number> } {
  return {
    open(ctx) {
      this.count = ctx.getState(new ValueStateDescriptor<number>('count'));
    },
    processElement(i, ctx, out) {
      const n = (this.count!.value() ?? 0) + 1;
      this.count!.update(n);
      // The timestamp depends on the key's count only, not on how the two source subtasks interleave.
      if (n % 5 === 0) ctx.timerService().registerEventTimeTimer(n * 7 + ctx.getCurrentKey());
      void i;
      out.collect(`rec ${ctx.getCurrentKey()}:${n}`);
    },
    onTimer(ts, ctx, out) {
      out.collect(`timer ${ctx.getCurrentKey()}@${ts}`);
    },
  };
}

describe('operator state across failover and restore', () => {
  it('event-time windows and their timers are checkpointed: a failover gives exactly the clean windows', async () => {
    const clean = collectSink<string>({ exactlyOnce: true });
    await windowJob(clean, undefined).execute();
    expect(clean.values).toHaveLength(KEYS * (N / 100));
    const failed = collectSink<string>({ exactlyOnce: true });
    const fail = { at: 2345, armed: true };
    const result = await windowJob(failed, fail).execute();
    expect(result.restarts).toBe(1);
    expect(failed.values.sort()).toEqual(clean.values.sort());
  });

  it('keyed state and event-time timers are redistributed when the keyed operator is rescaled between runs', async () => {
    const d = tempDir('rescale');
    dirs.push(d);
    const sink = collectSink<string>({ exactlyOnce: true });
    // The first run stops emitting half-way and keeps running: it is cancelled mid-way by construction.
    let hold: Hold = { at: N / 2, emitted: 0 };
    const build = (p: number) => {
      const env = StreamEnvironment.create({
        ...quiet,
        watermarkIntervalMs: 5,
        checkpoint: { intervalMs: 15, dir: d.path },
      });
      env
        .fromSource(gatedNumbers(N, hold), { uid: 'gen', parallelism: 2 })
        .assignTimestampsAndWatermarks({ timestamp: (i) => i }, { uid: 'ts', parallelism: 2 })
        .keyBy((i) => i % KEYS)
        .process(timerFunction(), { uid: 'counter', parallelism: p })
        .sinkTo(sink.sink, { uid: 'sink', parallelism: 1 });
      return env;
    };
    const first = build(2).executeAsync();
    // Output is committed by checkpoints: wait until some was.
    while (sink.values.length === 0) await new Promise((r) => setTimeout(r, 5));
    await first.cancel();
    expect(sink.values.length).toBeGreaterThan(0);
    expect(sink.values.length).toBeLessThan(N);
    hold = { at: Infinity, emitted: 0 };
    await build(4).execute();

    const reference = collectSink<string>({ exactlyOnce: true });
    const env = StreamEnvironment.create({ ...quiet, watermarkIntervalMs: 5 });
    env
      .generate({ count: N, generate: (i) => i }, { parallelism: 2 })
      .assignTimestampsAndWatermarks({ timestamp: (i) => i })
      .keyBy((i) => i % KEYS)
      .process(timerFunction(), { parallelism: 3 })
      .sinkTo(reference.sink);
    await env.execute();
    expect(sink.values.sort()).toEqual(reference.values.sort());
  });

  it('mini-batch and local-global aggregation lose and double nothing across a failover', async () => {
    for (const localGlobal of [false, true]) {
      const sink = collectSink<[number, number]>({ exactlyOnce: true });
      let armed = true;
      const env = StreamEnvironment.create({
        ...quiet,
        parallelism: 2,
        checkpoint: { intervalMs: 10 },
        restart: { type: 'fixed-delay', attempts: 3, delayMs: 5 },
      });
      env
        .generate({ count: N, ratePerSecond: 20_000, generate: (i) => i })
        .map((i) => {
          if (i === 3001 && armed) {
            armed = false;
            throw new Error('once');
          }
          return i;
        })
        .keyBy((i) => i % KEYS)
        .aggregate(
          {
            createAccumulator: (): [number, number] => [-1, 0],
            add: (i: number, acc: [number, number]): [number, number] => [i % KEYS, acc[1] + 1],
            getResult: (acc) => acc,
            merge: (a, b): [number, number] => [Math.max(a[0], b[0]), a[1] + b[1]],
          },
          { miniBatch: { size: 37, intervalMs: 3 }, localGlobal },
        )
        .sinkTo(sink.sink, { parallelism: 1 });
      const result = await env.execute();
      expect(result.restarts).toBe(1);
      const finals = new Map<number, number>();
      for (const [k, n] of sink.values) finals.set(k, Math.max(finals.get(k) ?? 0, n));
      const expected = new Map(
        Array.from({ length: KEYS }, (_, k) => [k, Math.ceil((N - k) / KEYS)] as [number, number]),
      );
      expect(finals).toEqual(expected);
      // Rolling results of one key never repeat a count: a replayed batch would.
      for (let k = 0; k < KEYS; k++) {
        const counts = sink.values.filter(([key]) => key === k).map(([, n]) => n);
        expect(new Set(counts).size).toBe(counts.length);
      }
    }
  });
});

describe('processing-time timers across failover', () => {
  it('restored processing-time timers fire after the restore, and each fires into the committed output exactly once', async () => {
    let armed = true;
    const sink = collectSink<string>({ exactlyOnce: true });
    const env = StreamEnvironment.create({
      ...quiet,
      parallelism: 2,
      checkpoint: { intervalMs: 10 },
      restart: { type: 'fixed-delay', attempts: 3, delayMs: 5 },
    });
    env
      .fromSource<number>({
        createReader: (ctx) => {
          let next = ctx.subtaskIndex;
          return {
            idleBackoffMs: 2,
            poll(out) {
              if (next < 20) {
                out.collect(next);
                next += ctx.parallelism;
              }
              return 'idle';
            },
            snapshotState: () => next,
            restoreState: (s: number) => {
              next = s;
            },
          };
        },
      })
      .keyBy((k) => k)
      .process<string>({
        processElement(k, ctx) {
          // Spread over ~100 ms so some timers are due before the failure and some after.
          ctx.timerService().registerProcessingTimeTimer(ctx.currentProcessingTime() + 20 + k * 5);
        },
        onTimer(_ts, ctx, out) {
          if (ctx.getCurrentKey() === 9 && armed) {
            armed = false;
            throw new Error('timer failure');
          }
          expect(ctx.timeDomain).toBe('processing');
          out.collect(`timer ${ctx.getCurrentKey()}`);
        },
      })
      .sinkTo(sink.sink, { parallelism: 1 });
    const handle = env.executeAsync();
    while (sink.values.length < 20) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 50));
    const result = await handle.cancel();
    expect(armed).toBe(false);
    expect(result.restarts).toBe(1);
    expect(sink.values.sort()).toEqual(Array.from({ length: 20 }, (_, k) => `timer ${k}`).sort());
  });
});
