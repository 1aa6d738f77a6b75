import { describe, expect, it } from 'vitest';
import { AckTracker, type AckSink } from '../../../compat/reliability/ack-tracker.ts';
import { SpoutPendingMap } from '../../../compat/reliability/spout-pending.ts';
import {
  NO_IDS,
  ackTupleEdges,
  anchoredIds,
  edgesOf,
  resetTupleEdges,
  spoutTupleIds,
} from '../../../compat/reliability/edges.ts';
import { rand64 } from '../../../compat/reliability/rand64.ts';

function recorder() {
  const events: string[] = [];
  const sink: AckSink = {
    onAck: (r, t) => events.push(`ack ${r} @${t}`),
    onFail: (r, t) => events.push(`fail ${r} @${t}`),
    onResetTimeout: (r, t) => events.push(`reset ${r} @${t}`),
  };
  return { events, tracker: new AckTracker(sink) };
}

describe('rand64', () => {
  it('produces signed 64-bit bigints that differ', () => {
    const seen = new Set<bigint>();
    let negative = 0;
    for (let i = 0; i < 5000; i++) {
      const v = rand64();
      expect(typeof v).toBe('bigint');
      expect(v >= -(2n ** 63n) && v < 2n ** 63n).toBe(true);
      if (v < 0n) negative++;
      seen.add(v);
    }
    expect(seen.size).toBe(5000);
    expect(negative).toBeGreaterThan(2000);
    expect(negative).toBeLessThan(3000);
  });
});

describe('AckTracker', () => {
  it('completes a zero-target emit at init', () => {
    const { events, tracker } = recorder();
    tracker.init(42n, 0n, 3);
    expect(events).toEqual(['ack 42 @3']);
    expect(tracker.size()).toBe(0);
  });

  it('accepts acks before the init and decides only once the init arrives', () => {
    const { events, tracker } = recorder();
    const e1 = rand64();
    const e2 = rand64();
    tracker.ack(1n, e1);
    tracker.ack(1n, e2);
    expect(events).toEqual([]);
    tracker.init(1n, e1 ^ e2, 5);
    expect(events).toEqual(['ack 1 @5']);
  });

  it('fails a tree after a fail, even if the fail came before the init', () => {
    const { events, tracker } = recorder();
    tracker.fail(9n);
    expect(events).toEqual([]);
    tracker.init(9n, 77n, 2);
    expect(events).toEqual(['fail 9 @2']);
  });

  it('never acks a tree in which a tuple was acked twice; the spout times it out between T and 2T', () => {
    const acks: bigint[] = [];
    const pending = new SpoutPendingMap<string>();
    const tracker = new AckTracker({
      onAck: (r) => {
        if (pending.take(r)) acks.push(r);
      },
      onFail: () => {},
      onResetTimeout: () => {},
    });
    const root = rand64();
    const e = rand64();
    pending.add(root, 'm1', 'default', ['x'], 0);
    const t = edgesOf(spoutTupleIds(root, e));
    tracker.init(root, e, 1);
    // Bolt emits one child, then acks its input twice.
    const child = edgesOf(anchoredIds(t));
    ackTupleEdges(tracker, t);
    ackTupleEdges(tracker, t);
    ackTupleEdges(tracker, child);
    expect(acks).toEqual([]);
    expect(pending.rotate()).toEqual([]); // after T: still pending
    const expired = pending.rotate(); // after 2T: timed out
    expect(expired.map((p) => p.msgId)).toEqual(['m1']);
    expect(pending.getPendingCount()).toBe(0);
  });

  it('forgets unfinished trees silently after three rotations', () => {
    const { events, tracker } = recorder();
    tracker.init(5n, 123n, 1);
    expect(tracker.rotate()).toBe(0);
    expect(tracker.rotate()).toBe(0);
    expect(tracker.rotate()).toBe(1);
    expect(tracker.size()).toBe(0);
    tracker.ack(5n, 123n); // late ack: a fresh entry without init, never decided
    expect(events).toEqual([]);
  });

  it('forwards resetTimeout to the spout task and restarts the tracker timeout', () => {
    const { events, tracker } = recorder();
    const root = 11n;
    const t = edgesOf(spoutTupleIds(root, 99n));
    tracker.init(root, 99n, 4);
    tracker.rotate();
    tracker.rotate();
    resetTupleEdges(tracker, t);
    expect(events).toEqual(['reset 11 @4']);
    tracker.rotate();
    tracker.rotate();
    expect(tracker.size()).toBe(1);
    ackTupleEdges(tracker, t);
    expect(events).toEqual(['reset 11 @4', 'ack 11 @4']);
  });
});

describe('edge algebra', () => {
  it('gives unanchored emits and emits anchored on root-less tuples no ids, without touching anchors', () => {
    const tick = edgesOf(NO_IDS);
    expect(anchoredIds(null)).toBe(NO_IDS);
    expect(anchoredIds(undefined)).toBe(NO_IDS);
    expect(anchoredIds([])).toBe(NO_IDS);
    expect(anchoredIds([tick, null])).toBe(NO_IDS);
    expect(tick.outAckVal).toBe(0n);
  });

  it('joins the union of the anchors roots and XORs each new edge into the anchor', () => {
    let n = 0n;
    const rand = () => ++n * 16n;
    const a = edgesOf(new Map([[1n, 5n]]));
    const b = edgesOf(
      new Map([
        [1n, 6n],
        [2n, 7n],
      ]),
    );
    const ids = anchoredIds([a, b], rand);
    // a drew 16, b drew 32: root 1 gets both, root 2 only b's.
    expect([...ids]).toEqual([
      [1n, 16n ^ 32n],
      [2n, 32n],
    ]);
    expect(a.outAckVal).toBe(16n);
    expect(b.outAckVal).toBe(32n);
    anchoredIds(a, rand); // a second target
    expect(a.outAckVal).toBe(16n ^ 48n);
  });
});

describe('SpoutPendingMap', () => {
  it('counts pending tuples, gates on max pending and ignores late verdicts', () => {
    const p = new SpoutPendingMap<number>();
    p.add(1n, 10, 's', [1], 0);
    p.add(2n, 20, 's', [2], 0);
    expect(p.getPendingCount()).toBe(2);
    expect(p.reachedMaxPending(2)).toBe(true);
    expect(p.reachedMaxPending(3)).toBe(false);
    expect(p.reachedMaxPending(null)).toBe(false);
    expect(p.take(1n)?.msgId).toBe(10);
    expect(p.take(1n)).toBeNull();
    expect(p.getPendingCount()).toBe(1);
  });

  it('postpones the timeout on resetTimeout', () => {
    const p = new SpoutPendingMap<string>();
    p.add(1n, 'a', 's', [], 0);
    p.rotate();
    expect(p.resetTimeout(1n)).toBe(true);
    expect(p.rotate()).toEqual([]);
    expect(p.rotate().map((x) => x.msgId)).toEqual(['a']);
    expect(p.resetTimeout(1n)).toBe(false);
  });

  it('never times out when message timeouts are disabled', () => {
    const p = new SpoutPendingMap<string>(false);
    p.add(1n, 'a', 's', [], 0);
    for (let i = 0; i < 5; i++) expect(p.rotate()).toEqual([]);
    expect(p.getPendingCount()).toBe(1);
  });
});
