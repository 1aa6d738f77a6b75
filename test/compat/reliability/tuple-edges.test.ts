import { describe, expect, it } from 'vitest';
import { AckTracker } from '../../../compat/reliability/ack-tracker.ts';
import { SpoutPendingMap } from '../../../compat/reliability/spout-pending.ts';
import { ackTuple, failTuple, resetTuple, tupleAnchoredIds } from '../../../compat/reliability/edges.ts';
import { rand64 } from '../../../compat/reliability/rand64.ts';
import { Fields } from '../../../compat/component/fields.ts';
import { MessageId } from '../../../compat/component/message-id.ts';
import { TupleImpl } from '../../../compat/component/tuple.ts';

const ctx = { getComponentOutputFields: () => new Fields('w') };

/** The executor's path with real TupleImpl/MessageId: spout emit → bolt emits → acks. */
function harness() {
  const verdicts: string[] = [];
  const pending = new SpoutPendingMap<string>();
  const tracker = new AckTracker({
    onAck: (root) => {
      const p = pending.take(root);
      if (p) verdicts.push(`ack ${p.msgId}`);
    },
    onFail: (root) => {
      const p = pending.take(root);
      if (p) verdicts.push(`fail ${p.msgId}`);
    },
    onResetTimeout: (root) => {
      pending.resetTimeout(root);
      verdicts.push('reset');
    },
  });
  const spoutEmit = (msgId: string, targets: number): TupleImpl[] => {
    const root = rand64();
    let init = 0n;
    const out: TupleImpl[] = [];
    for (let i = 0; i < targets; i++) {
      const e = rand64();
      init ^= e;
      out.push(new TupleImpl(ctx, ['x'], 'spout', 9, 'default', MessageId.makeRootId(root, e)));
    }
    pending.add(root, msgId, 'default', ['x'], 0);
    tracker.init(root, init, 9);
    return out;
  };
  const boltEmit = (anchors: TupleImpl[] | TupleImpl | null): TupleImpl =>
    new TupleImpl(ctx, ['y'], 'bolt', 2, 'default', MessageId.makeId(tupleAnchoredIds(anchors)));
  return { verdicts, pending, tracker, spoutEmit, boltEmit };
}

describe('edge algebra over TupleImpl', () => {
  it('acks a root once every tuple of a multi-anchored DAG is acked', () => {
    const h = harness();
    const [a, b] = h.spoutEmit('m1', 2);
    const c = h.boltEmit([a!, b!]); // joins both branches
    const d = h.boltEmit(c);
    ackTuple(h.tracker, a!);
    ackTuple(h.tracker, b!);
    ackTuple(h.tracker, c);
    expect(h.verdicts).toEqual([]);
    ackTuple(h.tracker, d);
    expect(h.verdicts).toEqual(['ack m1']);
    expect(h.pending.getPendingCount()).toBe(0);
  });

  it('fails the root on a fail anywhere, once', () => {
    const h = harness();
    const [a] = h.spoutEmit('m2', 1);
    const c = h.boltEmit(a!);
    ackTuple(h.tracker, a!);
    failTuple(h.tracker, c);
    failTuple(h.tracker, c);
    expect(h.verdicts).toEqual(['fail m2']);
  });

  it('unanchored and tick-anchored emits carry no ids; resetTimeout reaches the spout', () => {
    const h = harness();
    const tick = new TupleImpl(ctx, [1], '__system', -1, '__tick');
    expect(h.boltEmit(null).getMessageId().size()).toBe(0);
    expect(h.boltEmit(tick).getMessageId().size()).toBe(0);
    const [a] = h.spoutEmit('m3', 1);
    h.pending.rotate();
    resetTuple(h.tracker, a!);
    expect(h.verdicts).toEqual(['reset']);
    expect(h.pending.rotate()).toEqual([]); // the reset restarted the spout-side timeout
  });
});
