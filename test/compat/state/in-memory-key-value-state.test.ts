import { describe, expect, it } from 'vitest';
import { InMemoryKeyValueState } from '../../../compat/state/in-memory-key-value-state.ts';
import { RuntimeException } from '../../../compat/component/exceptions.ts';

describe('InMemoryKeyValueState: map operations', () => {
  it('puts, gets with and without default, deletes returning the old value', () => {
    const s = new InMemoryKeyValueState<string, number>();
    expect(s.get('a')).toBeNull();
    expect(s.get('a', 7)).toBe(7);
    s.put('a', 1);
    expect(s.get('a')).toBe(1);
    expect(s.get('a', 7)).toBe(1);
    expect(s.delete('a')).toBe(1);
    expect(s.delete('a')).toBeNull();
  });

  it('compares keys by canonical encoding: 5 ≡ 5n, equal arrays are one key', () => {
    const s = new InMemoryKeyValueState<unknown, string>();
    s.put(5, 'five');
    expect(s.get(5n)).toBe('five');
    s.put(5n, 'FIVE');
    expect(s.size()).toBe(1);
    s.put(['x', 1], 'pair');
    expect(s.get(['x', 1])).toBe('pair');
    expect(s.get('5')).toBeNull();
  });

  it('iterates [k, v] pairs that also have getKey()/getValue()', () => {
    const s = new InMemoryKeyValueState<string, number>();
    s.put('a', 1);
    s.put('b', 2);
    const seen: [string, number][] = [];
    for (const [k, v] of s) seen.push([k, v]);
    expect(seen).toEqual([
      ['a', 1],
      ['b', 2],
    ]);
    const e = [...s][1]!;
    expect(e.getKey()).toBe('b');
    expect(e.getValue()).toBe(2);
    expect(Array.isArray(e)).toBe(true);
    expect(e.map((x) => String(x))).toEqual(['b', '2']);
  });
});

describe('InMemoryKeyValueState: transactions', () => {
  it('prepareCommit stages a copy that commit(txid) makes durable across rollback', () => {
    const s = new InMemoryKeyValueState<string, number>();
    s.put('a', 1);
    s.prepareCommit(0);
    s.put('a', 2);
    s.commit(0);
    s.put('b', 3);
    s.rollback();
    expect(s.get('a')).toBe(1);
    expect(s.get('b')).toBeNull();
    expect(s.committedTxid()).toBe(0);
  });

  it('rollback with nothing committed empties the state and drops the prepared copy', () => {
    const s = new InMemoryKeyValueState<string, number>();
    s.put('a', 1);
    s.prepareCommit(0);
    s.rollback();
    expect(s.size()).toBe(0);
    expect(s.preparedTxid()).toBeNull();
    expect(() => s.commit(0)).toThrow(RuntimeException);
  });

  it('rejects commit of an unprepared txid and a newer prepare while one is pending', () => {
    const s = new InMemoryKeyValueState<string, number>();
    expect(() => s.commit(3)).toThrow('Invalid prepared state for commit, preparedState null txid 3');
    s.prepareCommit(1);
    expect(() => s.commit(2)).toThrow(/Invalid prepared state for commit, preparedState TxIdState\{txid=1/);
    expect(() => s.prepareCommit(2)).toThrow('Cannot prepare a new txn while there is a pending txn');
    s.put('k', 1);
    s.prepareCommit(1); // re-preparing the pending txid is allowed and restages
    s.commit(1);
    s.put('k', 2);
    s.rollback();
    expect(s.get('k')).toBe(1);
  });

  it('commit() without txid commits the working content', () => {
    const s = new InMemoryKeyValueState<string, number>();
    s.put('a', 1);
    s.commit();
    s.put('a', 9);
    s.rollback();
    expect(s.get('a')).toBe(1);
    expect(s.committedTxid()).toBe(-1);
  });

  it('a second rollback still restores the committed content (no aliasing)', () => {
    const s = new InMemoryKeyValueState<string, number>();
    s.put('a', 1);
    s.commit();
    s.rollback();
    s.put('a', 2);
    s.rollback();
    expect(s.get('a')).toBe(1);
  });
});

describe('InMemoryKeyValueState: snapshot / restore', () => {
  it('snapshots the staged content at the barrier and restores it as committed and working state', () => {
    const s = new InMemoryKeyValueState<unknown, unknown>();
    s.put('a', { n: 1 });
    s.put(7n, [1, 2]);
    s.prepareCommit(4);
    s.put('late', true); // after the barrier: not part of checkpoint 4
    const snap = structuredClone(s.snapshot());
    expect(snap.txid).toBe(4);
    const r = new InMemoryKeyValueState<unknown, unknown>();
    r.restore(snap);
    expect(r.get('a')).toEqual({ n: 1 });
    expect(r.get(7)).toEqual([1, 2]);
    expect(r.get('late')).toBeNull();
    expect(r.committedTxid()).toBe(4);
    r.put('x', 1);
    r.rollback();
    expect(r.get('x')).toBeNull();
    expect(r.get('a')).toEqual({ n: 1 });
  });

  it('snapshots committed content when nothing is staged, and an empty state as txid -1', () => {
    const s = new InMemoryKeyValueState<string, number>();
    expect(s.snapshot()).toEqual({ txid: -1, entries: [] });
    s.put('a', 1);
    s.prepareCommit(0);
    s.commit(0);
    s.put('b', 2);
    expect(s.snapshot()).toEqual({ txid: 0, entries: [['a', 1]] });
  });
});
