import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  collectSink,
  StreamEnvironment,
  ValueStateDescriptor,
  type KeyedCoProcessFunction,
  type KeyedProcessFunction,
  type ValueState,
} from '../../../runtime/index.ts';
import { quiet } from '../../fixtures/runtime/helpers.ts';

/**
 * Jobs with several inputs per task (union, connect) under failover: barrier alignment must cut
 * every input at the same checkpoint, or restored state and replayed input disagree and the
 * exactly-once output differs from a clean run.
 */
type Side = { side: 'L' | 'R'; i: number };

function expected(nLeft: number, nRight: number, keys: number): string[] {
  const counts = new Map<string, number>();
  const out: string[] = [];
  const bump = (k: string) => {
    const n = (counts.get(k) ?? 0) + 1;
    counts.set(k, n);
    return n;
  };
  for (let i = 0; i < nLeft; i++) out.push(`${i % keys}:${bump(`${i % keys}`)}`);
  for (let i = 0; i < nRight; i++) out.push(`${i % keys}:${bump(`${i % keys}`)}`);
  return out.sort();
}

function buildUnion(
  env: StreamEnvironment,
  p: number,
  nLeft: number,
  nRight: number,
  keys: number,
  fail: { at: number; armed: boolean },
) {
  const left = env.generate(
    { count: nLeft, ratePerSecond: 30_000, generate: (i): Side => ({ side: 'L', i }) },
    { name: 'Left', parallelism: p },
  );
  const right = env
    .generate(
      { count: nRight, ratePerSecond: 15_000, generate: (i): Side => ({ side: 'R', i }) },
      { name: 'Right', parallelism: 1 },
    )
    .map((r) => r, { name: 'RightMap', parallelism: Math.max(1, p - 1) });
  return left
    .union(right)
    .map(
      (r) => {
        if (r.side === 'L' && r.i === fail.at && fail.armed) {
          fail.armed = false;
          throw new Error('once');
        }
        return r;
      },
      { parallelism: p },
    )
    .keyBy((r) => r.i % keys)
    .process<string>(
      {
        open(ctx) {
          this.count = ctx.getState(new ValueStateDescriptor<number>('n'));
        },
        processElement(_r, ctx, out) {
          const n = (this.count!.value() ?? 0) + 1;
          this.count!.update(n);
          out.collect(`${ctx.getCurrentKey()}:${n}`);
        },
      } satisfies KeyedProcessFunction<number, Side, string> & { count?: ValueState<number> } as KeyedProcessFunction<
        number,
        Side,
        string
      >,
      { parallelism: p + 1 },
    );
}

describe('barrier alignment under failover', () => {
  it('union of inputs with different parallelism and rates: exactly-once after a failure (property over parallelism and failure point)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 200, max: 2900 }), async (p, failAt) => {
        const [nLeft, nRight, keys] = [3000, 1500, 11];
        const env = StreamEnvironment.create({
          ...quiet,
          checkpoint: { intervalMs: 10 },
          restart: { type: 'fixed-delay', attempts: 3, delayMs: 5 },
        });
        const sink = collectSink<string>({ exactlyOnce: true });
        const fail = { at: failAt, armed: true };
        buildUnion(env, p, nLeft, nRight, keys, fail).sinkTo(sink.sink);
        const result = await env.execute();
        expect(fail.armed).toBe(false);
        expect(result.restarts).toBe(1);
        expect(sink.values.sort()).toEqual(expected(nLeft, nRight, keys));
      }),
      { numRuns: 6 },
    );
  });

  it('keyed co-process over two connected sources keeps joined state exactly-once across a failure', async () => {
    type Price = { sku: number; price: number };
    type Order = { sku: number; qty: number; id: number };
    for (const p of [1, 3]) {
      const env = StreamEnvironment.create({
        ...quiet,
        parallelism: p,
        checkpoint: { intervalMs: 10 },
        restart: { type: 'fixed-delay', attempts: 3, delayMs: 5 },
      });
      const sink = collectSink<string>({ exactlyOnce: true });
      let armed = true;
      const prices = env.generate(
        { count: 50, generate: (sku): Price => ({ sku, price: sku + 1 }) },
        { name: 'Prices', parallelism: 1 },
      );
      const orders = env.generate(
        { count: 3000, ratePerSecond: 20_000, generate: (id): Order => ({ sku: id % 50, qty: (id % 3) + 1, id }) },
        { name: 'Orders' },
      );
      const join: KeyedCoProcessFunction<number, Price, Order, string> & {
        price?: ValueState<number>;
        waiting?: ValueState<number>;
      } = {
        open(ctx) {
          this.price = ctx.getState(new ValueStateDescriptor<number>('price'));
          this.waiting = ctx.getState(new ValueStateDescriptor<number>('waiting'));
        },
        processElement1(price, _ctx, out) {
          this.price!.update(price.price);
          const waiting = this.waiting!.value() ?? 0;
          if (waiting > 0) out.collect(`${price.sku} waited ${waiting}`);
        },
        processElement2(order, _ctx, out) {
          if (order.id === 2000 && armed) {
            armed = false;
            throw new Error('once');
          }
          const price = this.price!.value();
          if (price === undefined) this.waiting!.update((this.waiting!.value() ?? 0) + order.qty);
          else out.collect(`order ${order.id} = ${price * order.qty}`);
        },
      };
      prices
        .connect(orders)
        .keyBy(
          (x) => x.sku,
          (o) => o.sku,
        )
        .process(join)
        .sinkTo(sink.sink);
      const result = await env.execute();
      expect(result.restarts).toBe(1);
      // Every order is priced exactly once, whichever side arrived first.
      const orderLines = sink.values.filter((l) => l.startsWith('order '));
      const waited = sink.values.filter((l) => l.includes('waited'));
      const ids = orderLines.map((l) => Number(l.split(' ')[1]));
      expect(new Set(ids).size).toBe(ids.length);
      for (const l of orderLines) {
        const [, id, , total] = l.split(' ');
        expect(Number(total)).toBe(((Number(id) % 50) + 1) * ((Number(id) % 3) + 1));
      }
      const waitedQty = waited.reduce((n, l) => n + Number(l.split(' ')[2]), 0);
      const pricedQty = ids.reduce((n, id) => n + (id % 3) + 1, 0);
      const totalQty = Array.from({ length: 3000 }, (_, id) => (id % 3) + 1).reduce((a, b) => a + b, 0);
      expect(pricedQty + waitedQty).toBe(totalQty);
    }
  });
});
