import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { AckTracker } from '../../../compat/reliability/ack-tracker.ts';
import { ackTuple, failTuple, tupleAnchoredMessageId } from '../../../compat/reliability/edges.ts';
import { rand64, randHalves, randWord } from '../../../compat/reliability/rand64.ts';
import { Fields } from '../../../compat/component/fields.ts';
import { MessageId } from '../../../compat/component/message-id.ts';
import type { TupleImpl } from '../../../compat/component/tuple.ts';
import { EdgeOrigin, RoutedTuple } from '../../../compat/executor/routed-tuple.ts';

const fields = new Fields('w');
const ctx = { getComponentOutputFields: () => fields };

/**
 * The executor's acking path (edges as int32 halves inside RoutedTuple, `ackTuple` → `ackPair`)
 * against §7 written out with bigints: per root, val ^= each edge; a verdict once init was seen.
 */
class BigintModel {
  private readonly entries = new Map<bigint, { val: bigint; init: boolean; failed: boolean }>();
  readonly verdicts: string[] = [];
  private entry(root: bigint) {
    let e = this.entries.get(root);
    if (e === undefined) this.entries.set(root, (e = { val: 0n, init: false, failed: false }));
    return e;
  }
  init(root: bigint, val: bigint): void {
    const e = this.entry(root);
    e.val ^= val;
    e.init = true;
    this.settle(root);
  }
  ack(t: TupleImpl): void {
    const out = t.getAckVal();
    for (const [r, v] of t.getMessageId().getAnchorsToIds()) {
      this.entry(r).val ^= v ^ out;
      this.settle(r);
    }
  }
  fail(t: TupleImpl): void {
    for (const r of t.getMessageId().getAnchors()) {
      this.entry(r).failed = true;
      this.settle(r);
    }
  }
  private settle(root: bigint): void {
    const e = this.entries.get(root)!;
    if (!e.init) return;
    if (e.val === 0n) this.verdicts.push(`ack ${root}`);
    else if (e.failed) this.verdicts.push(`fail ${root}`);
    else return;
    this.entries.delete(root);
  }
}

type Op = { kind: 'init'; root: bigint; hi: number; lo: number; val: bigint } | { kind: 'ack' | 'fail'; t: TupleImpl };

function run(choices: number[], failRate: number): { tracker: string[]; model: string[]; roots: number } {
  let ci = 0;
  const pick = (n: number): number => (n <= 1 ? 0 : (choices[ci++ % choices.length] ?? 0) % n);
  const verdicts: string[] = [];
  const tracker = new AckTracker({
    onAck: (root) => verdicts.push(`ack ${root}`),
    onFail: (root) => verdicts.push(`fail ${root}`),
    onResetTimeout: () => {},
  });
  const model = new BigintModel();
  const ops: Op[] = [];
  const live: { t: TupleImpl; depth: number }[] = [];
  const roots = 1 + pick(4);
  for (let m = roots; m > 0; m--) {
    const root = rand64();
    let hi = 0;
    let lo = 0;
    for (let i = pick(4); i > 0; i--) {
      // The spout's path: one edge per target, XORed into the init as halves.
      const w = 2 * randWord();
      hi ^= randHalves[w]!;
      lo ^= randHalves[w + 1]!;
      const t = new RoutedTuple(
        new EdgeOrigin(ctx, 's', 9, 'default', fields, 'default->b'),
        ['x'],
        MessageId.makeUnanchored(),
        0,
        root,
        randHalves[w]!,
        randHalves[w + 1]!,
      );
      live.push({ t, depth: 0 });
    }
    ops.push({ kind: 'init', root, hi, lo, val: BigInt.asIntN(64, (BigInt(hi) << 32n) | BigInt(lo >>> 0)) });
  }
  let steps = 0;
  while ((ops.length > 0 || live.length > 0) && steps++ < 10_000) {
    if (live.length === 0 || (ops.length > 0 && pick(2) === 0)) {
      const op = ops.splice(pick(ops.length), 1)[0]!;
      if (op.kind === 'init') {
        tracker.initPair(op.root, op.hi, op.lo, 9);
        model.init(op.root, op.val);
      } else if (op.kind === 'ack') {
        ackTuple(tracker, op.t);
        model.ack(op.t);
      } else {
        failTuple(tracker, op.t);
        model.fail(op.t);
      }
      continue;
    }
    const { t, depth } = live.splice(pick(live.length), 1)[0]!;
    for (let c = depth < 3 ? pick(3) : 0; c > 0; c--) {
      if (live.length > 0 && pick(3) === 0) {
        // Multi-anchoring: the MessageId path, mixing bigint and halves bookkeeping on one tuple.
        const other = live[pick(live.length)]!;
        const id = tupleAnchoredMessageId([t, other.t]);
        live.push({
          t: new RoutedTuple(new EdgeOrigin(ctx, 'b', 2, 'default', fields, 'default->c'), ['y'], id, 0),
          depth: depth + 1,
        });
      } else if (t.rootCount() === 1) {
        // The bolt's single-anchor path (bolt-task sendTo).
        const w = 2 * randWord();
        t.updateAckPair(randHalves[w]!, randHalves[w + 1]!);
        const child = new RoutedTuple(
          new EdgeOrigin(ctx, 'b', 2, 'default', fields, 'default->c'),
          ['y'],
          MessageId.makeUnanchored(),
          0,
          t.soleRoot(),
          randHalves[w]!,
          randHalves[w + 1]!,
        );
        live.push({ t: child, depth: depth + 1 });
      }
    }
    ops.push({ kind: failRate > 1 && pick(failRate) === 0 ? 'fail' : 'ack', t });
  }
  return { tracker: verdicts, model: model.verdicts, roots };
}

describe('acking with edges as int32 halves', () => {
  it('gives the same verdicts, in the same order, as §7 computed with bigints', () => {
    fc.assert(
      fc.property(
        fc.array(fc.nat(), { minLength: 1, maxLength: 300 }),
        fc.integer({ min: 1, max: 6 }),
        (choices, failRate) => {
          const { tracker, model } = run(choices, failRate);
          expect(tracker).toEqual(model);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('acks every tree once when every tuple is acked', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(), { minLength: 1, maxLength: 300 }), (choices) => {
        const { tracker, roots } = run(choices, 1);
        expect(tracker.length).toBe(roots);
        expect(tracker.every((v) => v.startsWith('ack '))).toBe(true);
        expect(new Set(tracker).size).toBe(tracker.length);
      }),
      { numRuns: 200 },
    );
  });
});
