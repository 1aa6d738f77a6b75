import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ManualClock,
  OutputTag,
  StreamEnvironment,
  collectSink,
  ValueStateDescriptor,
  subtaskForKey,
  type KeyedProcessFunction,
  type KeyedCoProcessFunction,
  type ValueState,
} from '../../../runtime/index.ts';
import {
  lastPerKey,
  quiet,
  runCollect,
  runToList,
  scriptedSource,
  sortNumbers,
} from '../../fixtures/runtime/helpers.ts';

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

describe('chaining', () => {
  it('fuses forward edges of equal parallelism and breaks at keyBy, rebalance and disableChaining', () => {
    const env = StreamEnvironment.create({ parallelism: 2, ...quiet });
    env
      .fromCollection(range(10), { name: 'src' })
      .map((x) => x + 1, { name: 'm1', parallelism: 1 })
      .filter((x) => x > 0, { name: 'f1', parallelism: 1 })
      .rebalance()
      .map((x) => x * 2, { name: 'm2' })
      .map((x) => x, { name: 'm3' })
      .keyBy((x) => x % 3)
      .reduce((a, b) => a + b, { name: 'r' })
      .map((x) => x, { name: 'm4', chaining: false })
      .print({ name: 'out' });
    const plan = env.plan();
    expect(plan.chains.map((c) => c.nodes.map((n) => n.transformation.name))).toEqual([
      ['src', 'm1', 'f1'],
      ['m2', 'm3'],
      ['r'],
      ['m4'],
      ['out'],
    ]);
    expect(plan.chains.map((c) => c.parallelism)).toEqual([1, 2, 2, 2, 2]);
    const edges = plan.chains.flatMap((c) =>
      c.outputs.map((e) => `${e.from.transformation.name}->${e.to.transformation.name}:${e.partitioner.kind}`),
    );
    // disableChaining keeps m4 out of the chains on both sides, as in Flink.
    expect(edges).toEqual(['f1->m2:rebalance', 'm3->r:hash', 'r->m4:forward', 'm4->out:forward']);
  });

  it('does not chain across a parallelism change, and a chained job computes the same as an unchained one', async () => {
    const build = (chaining: boolean) => (env: StreamEnvironment) =>
      env
        .fromCollection(range(200))
        .map((x) => x * 3, { chaining })
        .filter((x) => x % 2 === 0, { chaining })
        .flatMap<number>(
          (x, out) => {
            out(x);
            out(-x);
          },
          { chaining, parallelism: 3 },
        );
    const env = StreamEnvironment.create(quiet);
    build(true)(env).print();
    expect(env.plan().chains.map((c) => c.nodes.length)).toEqual([3, 1, 1]);
    const chained = await runToList(build(true));
    const unchained = await runToList(build(false));
    expect(sortNumbers(chained)).toEqual(sortNumbers(unchained));
    expect(chained).toHaveLength(200);
  });
});

describe('partitioning', () => {
  const tagged = (env: StreamEnvironment, n: number) => env.fromCollection(range(n)).map((x) => x);

  it.each([1, 2, 3, 4])('rebalance spreads evenly over %i subtasks and loses nothing', async (p) => {
    const out = await runToList((env) =>
      tagged(env, 100)
        .rebalance()
        .process<[number, number]>((x, _c, o) => o.collect([x, 0]), { parallelism: p })
        .map(([x]) => x),
    );
    expect(sortNumbers(out)).toEqual(range(100));
    const perSubtask = await runToList((env) =>
      tagged(env, 100)
        .rebalance()
        .map(() => 1, { parallelism: p })
        .map((x) => x, { parallelism: p })
        .keyBy(() => 'all')
        .reduce((a, b) => a + b, { parallelism: 1 }),
    );
    expect(perSubtask.at(-1)).toBe(100);
  });

  it.each([1, 2, 3, 4])('hash partitioning sends every key to exactly one subtask (p=%i)', async (p) => {
    const seen = await runToList(
      (env) =>
        env
          .fromCollection(range(300))
          .keyBy((x) => x % 17)
          .process<[number, number, number]>(
            {
              processElement(x, ctx, out) {
                out.collect([x % 17, ctx.getCurrentKey() as number, 0]);
              },
            },
            { parallelism: p },
          ),
      { parallelism: p },
    );
    expect(seen).toHaveLength(300);
    for (const [k, current] of seen) expect(current).toBe(k);
  });

  it.each([1, 2, 3, 4])('subtaskForKey agrees with where keyed records land (p=%i)', async (p) => {
    const seen = await runToList((env) =>
      env
        .fromCollection(range(100).map((i) => `k${i % 23}`))
        .keyBy((x) => x)
        .transform<[string, number]>('Where', () => new WhereOperator(), { parallelism: p }),
    );
    for (const [key, subtask] of seen) expect(subtask).toBe(subtaskForKey(key, p));
  });

  it.each([1, 2, 3, 4])('broadcast delivers every record to each of %i subtasks', async (p) => {
    const out = await runToList((env) =>
      env
        .fromCollection(range(20))
        .broadcast()
        .transform<[number, number]>('Where', () => new WhereOperator(), { parallelism: p }),
    );
    expect(out).toHaveLength(20 * p);
    for (let s = 0; s < p; s++)
      expect(sortNumbers(out.filter(([, i]) => i === s).map(([x]) => x as unknown as number))).toEqual(range(20));
  });

  it('global sends everything to subtask 0', async () => {
    const out = await runToList((env) =>
      env
        .fromCollection(range(50))
        .map((x) => x, { parallelism: 3 })
        .global()
        .transform<[number, number]>('Where', () => new WhereOperator(), { parallelism: 4 }),
    );
    expect(out).toHaveLength(50);
    expect(new Set(out.map(([, s]) => s))).toEqual(new Set([0]));
  });

  it('custom partitioning routes by the user function, and an out-of-range choice fails naming the consumer', async () => {
    const out = await runToList((env) =>
      env
        .fromCollection(range(40))
        .partitionCustom(
          (k: number, n) => k % n,
          (x) => x,
        )
        .transform<[number, number]>('Where', () => new WhereOperator(), { parallelism: 4 }),
    );
    for (const [x, s] of out) expect(s).toBe((x as unknown as number) % 4);
    await expect(
      runToList((env) =>
        env
          .fromCollection(range(3))
          .partitionCustom(
            () => 9,
            (x) => x,
          )
          .map((x) => x, { name: 'Victim', parallelism: 2 }),
      ),
    ).rejects.toThrow(/'Victim'.*subtask 9/);
  });
});

import { StreamOperator } from '../../../runtime/index.ts';
/** Emits [record, subtaskIndex] so tests can see where each record went. */
class WhereOperator extends StreamOperator<unknown, [unknown, number]> {
  processElement(value: unknown, timestamp: number): void {
    this.output.collect([value, this.context.subtaskIndex], timestamp);
  }
}

describe('union, connect, side outputs', () => {
  it('union merges streams of different parallelism', async () => {
    const out = await runToList((env) => {
      const a = env.fromCollection(range(10));
      const b = env.fromCollection(range(10).map((x) => 100 + x)).map((x) => x, { parallelism: 3 });
      const c = env.fromCollection([1000]);
      return a.union(b, c).map((x) => x, { parallelism: 2 });
    });
    expect(sortNumbers(out)).toEqual([...range(10), ...range(10).map((x) => 100 + x), 1000]);
  });

  it('connect + co-map sees both inputs', async () => {
    const out = await runToList((env) =>
      env
        .fromCollection(['a', 'b'])
        .connect(env.fromCollection([1, 2, 3]))
        .map(
          (s) => `s:${s}`,
          (n) => `n:${n}`,
        ),
    );
    expect(out.sort()).toEqual(['n:1', 'n:2', 'n:3', 's:a', 's:b']);
  });

  it('keyed co-process joins the two inputs through keyed state (state handles kept on `this`, parallelism 3)', async () => {
    type Order = { id: string; user: string };
    type User = { user: string; name: string };
    // The Flink idiom: handles taken in open() and kept on the function object. Every parallel
    // subtask must get its own, or subtasks would read another subtask's state backend.
    const join: KeyedCoProcessFunction<string, Order, User, string> & {
      names?: ValueState<string>;
      pending?: ValueState<string[]>;
    } = {
      open(ctx) {
        this.names = ctx.getState(new ValueStateDescriptor<string>('name'));
        this.pending = ctx.getState(new ValueStateDescriptor<string[]>('pending'));
      },
      processElement1(order, _ctx, out) {
        const name = this.names!.value();
        if (name === undefined) this.pending!.update([...(this.pending!.value() ?? []), order.id]);
        else out.collect(`${order.id}:${name}`);
      },
      processElement2(user, _ctx, out) {
        this.names!.update(user.name);
        for (const id of this.pending!.value() ?? []) out.collect(`${id}:${user.name}`);
        this.pending!.clear();
      },
    };
    const orders: Order[] = [
      { id: 'o1', user: 'u1' },
      { id: 'o2', user: 'u2' },
      { id: 'o3', user: 'u1' },
    ];
    const users: User[] = [
      { user: 'u1', name: 'Ada' },
      { user: 'u2', name: 'Bob' },
    ];
    const out = await runToList(
      (env) =>
        env
          .fromCollection(orders)
          .connect(env.fromCollection(users))
          .keyBy(
            (o) => o.user,
            (u) => u.user,
          )
          .process(join),
      { parallelism: 3 },
    );
    expect(out.sort()).toEqual(['o1:Ada', 'o2:Bob', 'o3:Ada']);
  });

  it('side outputs reach their consumers; the main output keeps the rest', async () => {
    const odd = new OutputTag<string>('odd');
    const env = StreamEnvironment.create(quiet);
    const main = env.fromCollection(range(10)).process<number>((x, ctx, out) => {
      if (x % 2 === 1) ctx.output(odd, `odd-${x}`);
      else out.collect(x);
    });
    const side = main.getSideOutput(odd).map((s) => s.toUpperCase(), { parallelism: 2 });
    const { collectSink } = await import('../../../runtime/index.ts');
    const sideSink = collectSink<string>();
    side.sinkTo(sideSink.sink);
    const { values } = await runCollect(env, main);
    expect(values).toEqual([0, 2, 4, 6, 8]);
    expect(sideSink.values.sort()).toEqual(['ODD-1', 'ODD-3', 'ODD-5', 'ODD-7', 'ODD-9']);
  });
});

describe('keyed state and timers', () => {
  it('a KeyedProcessFunction keeps per-key counts and fires event-time timers in order at the watermark', async () => {
    let count!: import('../../../runtime/index.ts').ValueState<number>;
    const fn: KeyedProcessFunction<string, { k: string }, string> = {
      open(ctx) {
        count = ctx.getState(new ValueStateDescriptor<number>('count'));
      },
      processElement(v, ctx, out) {
        count.update((count.value() ?? 0) + 1);
        ctx.timerService().registerEventTimeTimer(ctx.timestamp! + 10);
        out.collect(`${v.k}@${ctx.timestamp}`);
      },
      onTimer(ts, ctx, out) {
        out.collect(`timer ${ctx.getCurrentKey()} ${ts} count=${count.value()} wm>=${ctx.currentWatermark() >= ts}`);
      },
    };
    const out = await runToList((env) =>
      env
        .fromSource(
          scriptedSource([
            { value: { k: 'a' }, ts: 1 },
            { value: { k: 'b' }, ts: 2 },
            { value: { k: 'a' }, ts: 3 },
            { watermark: 12 },
            { value: { k: 'a' }, ts: 20 },
          ]),
        )
        .keyBy((v) => v.k)
        .process(fn),
    );
    expect(out).toEqual([
      'a@1',
      'b@2',
      'a@3',
      'timer a 11 count=2 wm>=true',
      'timer b 12 count=1 wm>=true',
      'a@20',
      'timer a 13 count=3 wm>=true',
      'timer a 30 count=3 wm>=true',
    ]);
  });

  it('processing-time timers fire, are de-duplicated per key and timestamp, and can be deleted', async () => {
    // A manual clock: every record sees the same processing time, so both registrations of a key
    // name one timer whatever the machine's load, and the timers fire exactly when time is moved.
    const clock = new ManualClock(1_000);
    const fired: Array<[string, number, number]> = [];
    let processed = 0;
    let allProcessed!: () => void;
    const processedAll = new Promise<void>((resolve) => (allProcessed = resolve));
    const fn: KeyedProcessFunction<string, string, string> = {
      processElement(v, ctx) {
        const at = ctx.currentProcessingTime() + 20;
        ctx.timerService().registerProcessingTimeTimer(at);
        ctx.timerService().registerProcessingTimeTimer(at);
        if (v === 'c') ctx.timerService().deleteProcessingTimeTimer(at);
        if (++processed === 4) allProcessed();
      },
      onTimer(ts, ctx, out) {
        expect(ctx.timeDomain).toBe('processing');
        fired.push([ctx.getCurrentKey(), ts, ctx.currentProcessingTime()]);
        out.collect(`${ctx.getCurrentKey()}`);
      },
    };
    // An unbounded idle tail keeps the job alive until the timers fired; then it is cancelled.
    const env = StreamEnvironment.create({ ...quiet, clock });
    let polls = 0;
    const sink = collectSink<string>();
    env
      .fromSource({
        createReader: () => ({
          poll(out) {
            if (polls++ === 0) for (const v of ['a', 'b', 'a', 'c']) out.collect(v);
            return 'idle';
          },
          snapshotState: () => null,
        }),
      })
      .keyBy((v) => v)
      .process(fn)
      .sinkTo(sink.sink);
    const handle = env.executeAsync();
    await processedAll;
    clock.advance(19);
    expect(fired).toEqual([]);
    clock.advance(1);
    expect(fired.map(([k]) => k).sort()).toEqual(['a', 'b']);
    // Each fires at its own timestamp, with processing time exactly there.
    for (const [, ts, now] of fired) expect([ts, now]).toEqual([1_020, 1_020]);
    clock.advance(10_000);
    expect(fired).toHaveLength(2);
    await handle.cancel();
  });

  it('reduce and aggregate emit rolling results per key', async () => {
    const input = range(30).map((i) => ({ k: `k${i % 3}`, v: i }));
    const reduced = await runToList(
      (env) =>
        env
          .fromCollection(input)
          .keyBy((r) => r.k)
          .reduce((a, b) => ({ k: a.k, v: a.v + b.v })),
      { parallelism: 2 },
    );
    expect(reduced).toHaveLength(30);
    const finalSums = lastPerKey(reduced, (r) => r.k);
    expect(Object.fromEntries([...finalSums].map(([k, r]) => [k, r.v]))).toEqual({ k0: 135, k1: 145, k2: 155 });
    const averaged = await runToList((env) =>
      env
        .fromCollection(input)
        .keyBy((r) => r.k)
        .aggregate<{ k: string; n: number; sum: number }, string>({
          createAccumulator: () => ({ k: '', n: 0, sum: 0 }),
          add: (r, acc) => ({ k: r.k, n: acc.n + 1, sum: acc.sum + r.v }),
          getResult: (acc) => `${acc.k}:${acc.sum / acc.n}`,
        }),
    );
    expect(averaged.filter((s) => s.startsWith('k0:'))).toEqual(range(10).map((i) => `k0:${(i * 3) / 2}`));
  });
});

describe('mini-batch and local-global aggregation', () => {
  type Rec = { k: number; v: number };
  const sum = {
    createAccumulator: () => ({ k: -1, total: 0, n: 0 }),
    add: (r: Rec, acc: { k: number; total: number; n: number }) => ({ k: r.k, total: acc.total + r.v, n: acc.n + 1 }),
    getResult: (acc: { k: number; total: number; n: number }) => acc,
    merge: (a: { k: number; total: number; n: number }, b: { k: number; total: number; n: number }) => ({
      k: Math.max(a.k, b.k),
      total: a.total + b.total,
      n: a.n + b.n,
    }),
  };

  it('give the same final per-key result as the plain operator (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ k: fc.integer({ min: 0, max: 6 }), v: fc.integer({ min: -100, max: 100 }) }), {
          maxLength: 300,
        }),
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 3 }),
        async (records, size, parallelism) => {
          const run = (options: object) =>
            runToList(
              (env) =>
                env
                  .fromCollection(records)
                  .map((r) => r, { parallelism })
                  .keyBy((r) => r.k)
                  .aggregate(sum, options),
              { parallelism },
            );
          const expected = new Map<number, number>();
          for (const r of records) expected.set(r.k, (expected.get(r.k) ?? 0) + r.v);
          for (const options of [
            {},
            { miniBatch: { size, intervalMs: 5 } },
            { miniBatch: { size, intervalMs: 5 }, localGlobal: true },
          ]) {
            const last = lastPerKey(await run(options), (a) => a.k);
            expect(new Map([...last].map(([k, a]) => [k, a.total]))).toEqual(expected);
            expect([...last.values()].reduce((n, a) => n + a.n, 0)).toBe(records.length);
          }
        },
      ),
      { numRuns: 25 },
    );
  });

  it('works with reduce() in local-global mode (the accumulator of a reduce starts empty)', async () => {
    const records = range(100).map((i) => ({ k: i % 4, v: i }));
    const out = await runToList((env) =>
      env
        .fromCollection(records)
        .keyBy((r) => r.k)
        .reduce((a, b) => ({ k: a.k, v: a.v + b.v }), { miniBatch: { size: 7, intervalMs: 5 }, localGlobal: true }),
    );
    const last = lastPerKey(out, (r) => r.k);
    expect([...last.values()].map((r) => r.v).sort((a, b) => a - b)).toEqual([1200, 1225, 1250, 1275]);
  });

  it('mini-batch over an aggregate without merge() is rejected at build time, naming the operator', () => {
    const env = StreamEnvironment.create(quiet);
    expect(() =>
      env
        .fromCollection([1])
        .keyBy((x) => x)
        .aggregate(
          { createAccumulator: () => 0, add: (v, a) => a + v, getResult: (a) => a },
          { name: 'NoMerge', miniBatch: { size: 2, intervalMs: 5 } },
        ),
    ).toThrow(/'NoMerge'.*merge/);
  });
});
