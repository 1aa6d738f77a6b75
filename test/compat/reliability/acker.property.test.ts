import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { AckTracker, type AckSink } from '../../../compat/reliability/ack-tracker.ts';
import { SpoutPendingMap } from '../../../compat/reliability/spout-pending.ts';
import {
  ackTupleEdges,
  anchoredIds,
  edgesOf,
  failTupleEdges,
  spoutTupleIds,
  type AckEdges,
} from '../../../compat/reliability/edges.ts';
import { rand64 } from '../../../compat/reliability/rand64.ts';

/**
 * A small simulated topology: spout roots fan out to bolts, bolts emit children (sometimes anchored
 * on several live tuples, building DAGs across trees), then ack or fail. Messages to the acker are
 * delivered in a random order interleaved with processing, so acks can overtake inits.
 */
interface LiveTuple {
  edges: AckEdges;
  roots: Set<number>;
  depth: number;
}

type TrackerOp =
  | { kind: 'init'; root: bigint; val: bigint; task: number }
  | { kind: 'edges'; act: 'ack' | 'fail'; edges: AckEdges };

interface Outcome {
  acked: Map<number, number>;
  failed: Map<number, number>;
  expectFail: Set<number>;
  rootCount: number;
}

function simulate(choices: number[], opts: { failRate: number; maxDepth: number }): Outcome {
  let ci = 0;
  const pick = (n: number): number => (n <= 1 ? 0 : (choices[ci++ % choices.length] ?? 0) % n);

  const SPOUT_TASK = 7;
  const acked = new Map<number, number>();
  const failed = new Map<number, number>();
  const pending = new SpoutPendingMap<number>();
  const sink: AckSink = {
    onAck(root, task) {
      expect(task).toBe(SPOUT_TASK);
      const p = pending.take(root);
      if (p) acked.set(p.msgId, (acked.get(p.msgId) ?? 0) + 1);
    },
    onFail(root, task) {
      expect(task).toBe(SPOUT_TASK);
      const p = pending.take(root);
      if (p) failed.set(p.msgId, (failed.get(p.msgId) ?? 0) + 1);
    },
    onResetTimeout() {},
  };
  const tracker = new AckTracker(sink);
  const ops: TrackerOp[] = [];
  const live: LiveTuple[] = [];
  const expectFail = new Set<number>();

  const rootCount = 1 + pick(4);
  for (let m = 0; m < rootCount; m++) {
    const root = rand64();
    pending.add(root, m, 'default', [m], 0);
    const fanout = pick(4); // 0..3 targets; 0 completes at once
    let init = 0n;
    for (let i = 0; i < fanout; i++) {
      const e = rand64();
      init ^= e;
      live.push({ edges: edgesOf(spoutTupleIds(root, e)), roots: new Set([m]), depth: 0 });
    }
    ops.push({ kind: 'init', root, val: init, task: SPOUT_TASK });
  }

  let steps = 0;
  while ((ops.length > 0 || live.length > 0) && steps++ < 10_000) {
    const deliver = live.length === 0 || (ops.length > 0 && pick(2) === 0);
    if (deliver) {
      const op = ops.splice(pick(ops.length), 1)[0]!;
      if (op.kind === 'init') tracker.init(op.root, op.val, op.task);
      else if (op.act === 'ack') ackTupleEdges(tracker, op.edges);
      else failTupleEdges(tracker, op.edges);
      continue;
    }
    const t = live.splice(pick(live.length), 1)[0]!;
    const children = t.depth < opts.maxDepth ? pick(3) : 0;
    for (let c = 0; c < children; c++) {
      const anchors: LiveTuple[] = [t];
      if (live.length > 0 && pick(3) === 0) anchors.push(live[pick(live.length)]!);
      const targets = pick(3); // 0..2 target tasks
      for (let k = 0; k < targets; k++) {
        const ids = anchoredIds(anchors.map((a) => a.edges));
        const roots = new Set<number>();
        for (const a of anchors) for (const r of a.roots) roots.add(r);
        live.push({ edges: edgesOf(ids), roots, depth: t.depth + 1 });
      }
    }
    const fail = pick(opts.failRate) === 0 && opts.failRate > 1;
    if (fail) for (const r of t.roots) expectFail.add(r);
    ops.push({ kind: 'edges', act: fail ? 'fail' : 'ack', edges: t.edges });
  }
  return { acked, failed, expectFail, rootCount };
}

describe('XOR acking over random tuple DAGs', () => {
  it('acks every spout tuple exactly once when every tuple is acked, in any order', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(), { minLength: 1, maxLength: 300 }), (choices) => {
        const o = simulate(choices, { failRate: 1, maxDepth: 3 });
        for (let m = 0; m < o.rootCount; m++) {
          expect(o.acked.get(m)).toBe(1);
          expect(o.failed.get(m)).toBeUndefined();
        }
      }),
      { numRuns: 300 },
    );
  });

  it('fails exactly the spout tuples whose DAG saw a fail, once, and acks the others once', () => {
    fc.assert(
      fc.property(
        fc.array(fc.nat(), { minLength: 1, maxLength: 300 }),
        fc.integer({ min: 2, max: 6 }),
        (choices, failRate) => {
          const o = simulate(choices, { failRate, maxDepth: 3 });
          for (let m = 0; m < o.rootCount; m++) {
            if (o.expectFail.has(m)) {
              expect(o.failed.get(m)).toBe(1);
              expect(o.acked.get(m)).toBeUndefined();
            } else {
              expect(o.acked.get(m)).toBe(1);
              expect(o.failed.get(m)).toBeUndefined();
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
