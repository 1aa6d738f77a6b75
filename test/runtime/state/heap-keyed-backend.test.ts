import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError, StormshiftError } from '../../../runtime/errors.ts';
import {
  AggregatingStateDescriptor,
  ListStateDescriptor,
  MapStateDescriptor,
  ReducingStateDescriptor,
  ValueStateDescriptor,
} from '../../../runtime/state/descriptors.ts';
import { HeapKeyedStateBackend, type KeyedStateSnapshot } from '../../../runtime/state/heap-keyed-backend.ts';
import { subtaskForKey } from '../../../runtime/state/key-hash.ts';
import type { ValueState } from '../../../runtime/state/state-handles.ts';

const count = new ValueStateDescriptor<number>('count', 0);

describe('HeapKeyedStateBackend', () => {
  it('scopes value state to the current key', () => {
    const b = new HeapKeyedStateBackend();
    const s = b.getState(count);
    b.setCurrentKey('a');
    s.update(s.value()! + 1);
    s.update(s.value()! + 1);
    b.setCurrentKey('b');
    expect(s.value()).toBe(0);
    s.update(10);
    b.setCurrentKey('a');
    expect(s.value()).toBe(2);
    expect(b.getCurrentKey()).toBe('a');
    s.clear();
    expect(s.value()).toBe(0);
    expect([...b.keys('count')]).toEqual(['b']);
  });

  it('treats structurally equal object keys as one key and keeps the original key', () => {
    const b = new HeapKeyedStateBackend();
    const s = b.getState(count);
    const key = { user: 'u1', region: ['eu', 1] };
    b.setCurrentKey(key);
    s.update(5);
    key.user = 'mutated-after-use';
    b.setCurrentKey({ region: ['eu', 1], user: 'u1' });
    expect(s.value()).toBe(5);
    expect([...b.keys('count')]).toEqual([{ user: 'u1', region: ['eu', 1] }]);
  });

  it('keeps keys of different types apart (1 vs "1", strings that look like internal keys)', () => {
    const b = new HeapKeyedStateBackend();
    const s = b.getState(new ValueStateDescriptor<string>('v'));
    const keys: unknown[] = [1, '1', '\u0001[1]', [1], '\u0001s1', 1n, null, true, 'true'];
    keys.forEach((k, i) => {
      b.setCurrentKey(k);
      s.update(`v${i}`);
    });
    keys.forEach((k, i) => {
      b.setCurrentKey(k);
      expect(s.value()).toBe(`v${i}`);
    });
    expect(new Set(b.keys('v'))).toEqual(new Set(keys));
    const restored = new HeapKeyedStateBackend();
    restored.restore([b.snapshot()]);
    expect(new Set(restored.keys('v'))).toEqual(new Set(keys));
  });

  it('getCurrentKey returns the key as given, whatever kind came before it, and keeps it across a restore', () => {
    const b = new HeapKeyedStateBackend();
    const s = b.getState(new ValueStateDescriptor<string>('v'));
    expect(b.getCurrentKey()).toBeUndefined();
    const objectKey = { user: 'u1' };
    const keys: unknown[] = ['a', '\u0001s1', objectKey, 7, '\u0001[1]', [1], 'b', null, 'a'];
    for (const k of keys) {
      b.setCurrentKey(k);
      expect(b.getCurrentKey()).toBe(k);
      s.update(String(k));
    }
    b.setCurrentKey(objectKey);
    expect(b.getCurrentKey()).toBe(objectKey);
    b.setCurrentKey('\u0001s1');
    const snapshot = b.snapshot();
    b.restore([snapshot]);
    expect(b.getCurrentKey()).toBe('\u0001s1');
    expect(s.value()).toBe('\u0001s1');
    b.setCurrentKey('b');
    b.restore([snapshot]);
    expect(b.getCurrentKey()).toBe('b');
    expect(s.value()).toBe('b');
  });
  it('supports list, map, reducing and aggregating state', () => {
    const b = new HeapKeyedStateBackend();
    const list = b.getListState(new ListStateDescriptor<number>('l'));
    const map = b.getMapState(new MapStateDescriptor<string, number>('m'));
    const sum = b.getReducingState(new ReducingStateDescriptor<number>('sum', (x, y) => x + y));
    const avg = b.getAggregatingState(
      new AggregatingStateDescriptor<number, { n: number; total: number }, number>('avg', {
        createAccumulator: () => ({ n: 0, total: 0 }),
        add: (v, acc) => ({ n: acc.n + 1, total: acc.total + v }),
        getResult: (acc) => acc.total / acc.n,
      }),
    );
    b.setCurrentKey('k');
    expect(list.get()).toEqual([]);
    list.add(1);
    list.addAll([2, 3]);
    expect(list.get()).toEqual([1, 2, 3]);
    list.update([9]);
    expect(list.get()).toEqual([9]);
    expect(map.isEmpty()).toBe(true);
    map.put('x', 1);
    map.put('y', 2);
    expect(map.get('x')).toBe(1);
    expect(map.has('y')).toBe(true);
    expect([...map.entries()]).toEqual([
      ['x', 1],
      ['y', 2],
    ]);
    expect([...map.keys()]).toEqual(['x', 'y']);
    expect([...map.values()]).toEqual([1, 2]);
    expect(map.delete('x')).toBe(true);
    expect(map.delete('x')).toBe(false);
    expect(sum.get()).toBeUndefined();
    sum.add(3);
    sum.add(4);
    expect(sum.get()).toBe(7);
    expect(avg.get()).toBeUndefined();
    avg.add(2);
    avg.add(4);
    expect(avg.get()).toBe(3);
    b.setCurrentKey('other');
    expect(list.get()).toEqual([]);
    expect([...map.entries()]).toEqual([]);
    expect(sum.get()).toBeUndefined();
  });

  it('returns the same handle for the same name and refuses a conflicting kind', () => {
    const b = new HeapKeyedStateBackend();
    expect(b.getState(count)).toBe(b.getState(new ValueStateDescriptor<number>('count')));
    expect(() => b.getListState(new ListStateDescriptor('count'))).toThrow(ConfigError);
    expect(() => b.getListState(new ListStateDescriptor('count'))).toThrow(/'count'/);
  });

  it('fails clearly when state is used with no current key', () => {
    const b = new HeapKeyedStateBackend();
    const s = b.getState(count);
    expect(() => s.value()).toThrow(StormshiftError);
    expect(() => s.update(1)).toThrow(/no current key/);
  });

  it('applyToAllKeys visits every key with it current and may clear state', () => {
    const b = new HeapKeyedStateBackend();
    const s = b.getState(count);
    for (const k of ['a', 'b', 'c']) {
      b.setCurrentKey(k);
      s.update(k.charCodeAt(0));
    }
    b.setCurrentKey('b');
    const seen: Array<[unknown, number]> = [];
    b.applyToAllKeys<ValueState<number>>('count', (key, state) => {
      seen.push([key, state.value()!]);
      if (key === 'a') state.clear();
    });
    expect(seen).toEqual([
      ['a', 97],
      ['b', 98],
      ['c', 99],
    ]);
    expect(b.getCurrentKey()).toBe('b');
    expect(s.value()).toBe(98);
    expect([...b.keys('count')]).toEqual(['b', 'c']);
  });

  it('snapshots are deep copies: later updates do not change them', () => {
    const b = new HeapKeyedStateBackend();
    const list = b.getListState(new ListStateDescriptor<number>('l'));
    b.setCurrentKey('k');
    list.add(1);
    const snap = b.snapshot();
    list.add(2);
    expect(snap.states.l!.entries).toEqual([['k', [1]]]);
  });

  it('restores state that was registered later, and restoring twice from one snapshot is safe', () => {
    const a = new HeapKeyedStateBackend();
    a.setCurrentKey('k');
    a.getListState(new ListStateDescriptor<number>('l')).add(1);
    const snap = a.snapshot();
    const b = new HeapKeyedStateBackend();
    b.restore([snap]);
    b.setCurrentKey('k');
    const list = b.getListState(new ListStateDescriptor<number>('l'));
    list.add(2);
    const c = new HeapKeyedStateBackend();
    c.restore([snap]);
    c.setCurrentKey('k');
    expect(c.getListState(new ListStateDescriptor<number>('l')).get()).toEqual([1]);
    expect(list.get()).toEqual([1, 2]);
  });

  const keyArb = fc.oneof(
    fc.string({ maxLength: 6 }),
    fc.integer({ min: -50, max: 50 }),
    fc.tuple(fc.string({ maxLength: 3 }), fc.nat(5)),
  );
  const opsArb = fc.array(
    fc.tuple(keyArb, fc.constantFrom('value', 'list', 'map', 'reduce', 'clear'), fc.integer({ min: -100, max: 100 })),
    { maxLength: 80 },
  );

  function build(ops: Array<[unknown, string, number]>): HeapKeyedStateBackend {
    const b = new HeapKeyedStateBackend();
    const value = b.getState(new ValueStateDescriptor<number>('value'));
    const list = b.getListState(new ListStateDescriptor<number>('list'));
    const map = b.getMapState(new MapStateDescriptor<number, number>('map'));
    const reduce = b.getReducingState(new ReducingStateDescriptor<number>('reduce', (x, y) => x + y));
    for (const [key, op, n] of ops) {
      b.setCurrentKey(key);
      if (op === 'value') value.update(n);
      else if (op === 'list') list.add(n);
      else if (op === 'map') map.put(n % 7, n);
      else if (op === 'reduce') reduce.add(n);
      else {
        value.clear();
        list.clear();
      }
    }
    return b;
  }

  function asSets(snap: KeyedStateSnapshot): Record<string, Set<string>> {
    const out: Record<string, Set<string>> = {};
    for (const [name, { entries }] of Object.entries(snap.states)) {
      out[name] = new Set(entries.map((e) => JSON.stringify(e, (_k, v) => (v instanceof Map ? [...v] : v))));
    }
    return out;
  }

  it('snapshot → restore round trip is equal (property)', () => {
    fc.assert(
      fc.property(opsArb, (ops) => {
        const original = build(ops);
        const snap = original.snapshot();
        const restored = new HeapKeyedStateBackend();
        restored.restore([snap]);
        expect(asSets(restored.snapshot())).toEqual(asSets(snap));
      }),
    );
  });

  it('rescale 2 → 3 keeps every key exactly once, with its state (property)', () => {
    fc.assert(
      fc.property(opsArb, (ops) => {
        const whole = build(ops).snapshot();
        // Split the same history over two subtasks by the partitioner, as the runtime would.
        const old = [0, 1].map((i) => build(ops.filter(([k]) => subtaskForKey(k, 2) === i)).snapshot());
        const rescaled = [0, 1, 2].map((i) => {
          const b = new HeapKeyedStateBackend();
          b.restore(old, (k) => subtaskForKey(k, 3) === i);
          return b.snapshot();
        });
        for (const name of Object.keys(whole.states)) {
          const keys = rescaled.flatMap((s) => s.states[name]?.entries.map(([k]) => JSON.stringify(k)) ?? []);
          expect(new Set(keys).size).toBe(keys.length);
        }
        const merged = new HeapKeyedStateBackend();
        merged.restore(rescaled);
        expect(asSets(merged.snapshot())).toEqual(asSets(whole));
      }),
    );
  });

  it('validates descriptors', () => {
    expect(() => new ValueStateDescriptor('')).toThrow(ConfigError);
    expect(() => new ReducingStateDescriptor('r', undefined as never)).toThrow(/reduce/);
    expect(() => new AggregatingStateDescriptor('a', { createAccumulator: () => 0 } as never)).toThrow(/add/);
  });
});
