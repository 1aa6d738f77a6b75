import { describe, expect, it } from 'vitest';
import { StatefulBoltCoordinator } from '../../../compat/state/stateful-bolt-coordinator.ts';
import { InMemoryKeyValueState } from '../../../compat/state/in-memory-key-value-state.ts';
import type { KeyValueState } from '../../../compat/state/state.ts';

type T = string;

function setup() {
  const calls: string[] = [];
  const acked: T[] = [];
  const failed: T[] = [];
  const state = new InMemoryKeyValueState<string, number>();
  const bolt = {
    initState(s: KeyValueState<string, number>) {
      calls.push('initState');
      expect(s).toBe(state);
    },
    prePrepare(txid: number) {
      calls.push(`prePrepare ${txid}`);
    },
    preCommit(txid: number) {
      calls.push(`preCommit ${txid}`);
    },
    preRollback() {
      calls.push('preRollback');
    },
  };
  const c = new StatefulBoltCoordinator<InMemoryKeyValueState<string, number>, T>(bolt, state, {
    ack: (t) => acked.push(t),
    fail: (t) => failed.push(t),
  });
  return { c, calls, acked, failed, state };
}

describe('StatefulBoltCoordinator', () => {
  it('buffers data tuples until initState, then hands them back in order', () => {
    const { c, calls } = setup();
    expect(c.onTuple('t1')).toBe(false);
    expect(c.onTuple('t2')).toBe(false);
    expect(c.isInitialized()).toBe(false);
    c.initState();
    c.initState(); // a repeated INITSTATE is ignored
    expect(calls).toEqual(['initState']);
    expect(c.drainPending()).toEqual(['t1', 't2']);
    expect(c.drainPending()).toEqual([]);
    expect(c.onTuple('t3')).toBe(true);
  });

  it('fails a PREPARE that arrives before initState', () => {
    const { c, calls } = setup();
    expect(c.prepare(0)).toBe('not-initialized');
    expect(calls).toEqual([]);
  });

  it('defers acks until the commit that follows their prepare', () => {
    const { c, calls, acked, state } = setup();
    c.initState();
    state.put('n', 1);
    c.ack('a1');
    c.ack('a2');
    expect(acked).toEqual([]);
    expect(c.prepare()).toBe('prepared');
    c.ack('a3'); // after the barrier: belongs to the next checkpoint
    state.put('n', 2);
    c.commit();
    expect(acked).toEqual(['a1', 'a2']);
    expect(c.deferredAckCount()).toBe(1);
    expect(calls).toEqual(['initState', 'prePrepare 0', 'preCommit 0']);
    expect(c.lastCommittedTxid()).toBe(0);
    expect(c.nextTxid()).toBe(1);
    expect(c.prepare()).toBe('prepared');
    c.commit();
    expect(acked).toEqual(['a1', 'a2', 'a3']);
    // The committed state is the one staged at prepare 1 (n = 2).
    state.put('n', 99);
    state.rollback();
    expect(state.get('n')).toBe(2);
  });

  it('rollback restores committed state and fails every deferred input', () => {
    const { c, calls, acked, failed, state } = setup();
    c.initState();
    state.put('n', 1);
    c.prepare(0);
    c.commit(0);
    state.put('n', 5);
    c.ack('p1');
    c.prepare(1);
    c.ack('d1');
    c.fail('f1'); // explicit fails pass through at once
    expect(failed).toEqual(['f1']);
    c.rollback();
    expect(calls.at(-1)).toBe('preRollback');
    expect(failed).toEqual(['f1', 'p1', 'd1']);
    expect(acked).toEqual([]);
    expect(state.get('n')).toBe(1);
    // The aborted txid is used again.
    expect(c.nextTxid()).toBe(1);
    expect(c.prepare()).toBe('prepared');
  });

  it('ignores stale checkpoints', () => {
    const { c } = setup();
    c.initState();
    c.prepare(0);
    c.commit(0);
    c.prepare(1);
    expect(c.prepare(0)).toBe('stale');
    expect(c.commit(0)).toBe(false);
  });

  it('continues txids after recovery from the last committed checkpoint', () => {
    const first = setup();
    first.c.initState();
    for (let i = 0; i < 3; i++) {
      first.state.put('n', i);
      first.c.prepare();
      first.c.commit();
    }
    first.state.put('n', 100);
    expect(first.c.prepare()).toBe('prepared'); // txid 3 staged at the barrier
    const snap = structuredClone({ coord: first.c.snapshot(), state: first.state.snapshot() });

    const second = setup();
    second.state.restore(snap.state);
    second.c.restore(snap.coord);
    second.c.initState();
    expect(second.state.get('n')).toBe(100);
    expect(second.c.nextTxid()).toBe(4);
    expect(second.c.prepare()).toBe('prepared');
    second.c.commit();
    expect(second.c.lastCommittedTxid()).toBe(4);
  });

  it('starts txids at 0', () => {
    const { c } = setup();
    expect(c.nextTxid()).toBe(0);
  });
});
