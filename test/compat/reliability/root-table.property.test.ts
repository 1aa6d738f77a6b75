import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { RootTable } from '../../../compat/reliability/root-table.ts';
import { RotatingMap } from '../../../compat/reliability/rotating-map.ts';
import { SpoutPendingMap } from '../../../compat/reliability/spout-pending.ts';

// Keys that differ only above bit 30 share a hash, so probe runs, wrap-around and deletion inside a
// run are common; a few plain random-looking ones mix in.
const KEYS: bigint[] = [];
for (let hi = 0n; hi < 6n; hi++) for (const lo of [0n, 1n, 7n, 63n]) KEYS.push((hi << 40n) | lo);
KEYS.push(-1n, -(2n ** 63n), 2n ** 63n - 1n, 0x123456789abcdefn);
const key = fc.nat(KEYS.length - 1).map((i) => KEYS[i]!);

describe('RootTable', () => {
  it('behaves as a Map: get, has, size and first-insertion order after any sets and removes', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom('set', 'remove', 'clear'), key, fc.nat(99)), { maxLength: 200 }),
        (ops) => {
          const table = new RootTable<number>(8);
          const map = new Map<bigint, number>();
          for (const [op, k, v] of ops) {
            if (op === 'set') {
              table.set(k, v);
              map.set(k, v);
            } else if (op === 'remove') {
              expect(table.remove(k)).toBe(map.get(k));
              map.delete(k);
            } else if (v % 10 === 0) {
              table.clear();
              map.clear();
            }
            expect(table.size).toBe(map.size);
            for (const k2 of KEYS) {
              expect(table.get(k2)).toBe(map.get(k2));
              expect(table.has(k2)).toBe(map.has(k2));
            }
          }
          expect(table.valuesInOrder()).toEqual([...map.values()]);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('SpoutPendingMap', () => {
  it('matches a two-bucket RotatingMap: verdicts, resets, timeouts in order, pending count', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom('add', 'take', 'reset', 'rotate', 'has'), key), { maxLength: 150 }),
        (ops) => {
          const pending = new SpoutPendingMap<string>();
          const reference = new RotatingMap<bigint, string>(2);
          let n = 0;
          for (const [op, k] of ops) {
            if (op === 'add') {
              const id = `m${n++}`;
              pending.add(k, id, 'default', [], 0);
              reference.put(k, id);
            } else if (op === 'take') {
              expect(pending.take(k)?.msgId ?? null).toBe(reference.remove(k));
            } else if (op === 'reset') {
              const v = reference.get(k);
              if (v !== null) reference.put(k, v);
              expect(pending.resetTimeout(k)).toBe(v !== null);
            } else if (op === 'has') {
              expect(pending.has(k)).toBe(reference.containsKey(k));
            } else {
              expect(pending.rotate().map((p) => p.msgId)).toEqual([...reference.rotate().values()]);
            }
            expect(pending.getPendingCount()).toBe(reference.size());
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
