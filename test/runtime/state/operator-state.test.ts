import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../runtime/errors.ts';
import { OperatorStateStore, type OperatorStateSnapshot } from '../../../runtime/state/operator-state.ts';

function storeWith(name: string, items: unknown[], union = false): OperatorStateSnapshot {
  const s = new OperatorStateStore();
  (union ? s.getUnionListState(name) : s.getListState(name)).addAll(items);
  return s.snapshot();
}

describe('OperatorStateStore', () => {
  it('holds list state per name', () => {
    const s = new OperatorStateStore();
    const offsets = s.getListState<{ split: string; offset: number }>('offsets');
    offsets.add({ split: 'a', offset: 1 });
    offsets.addAll([{ split: 'b', offset: 2 }]);
    expect(s.getListState('offsets').get()).toEqual([
      { split: 'a', offset: 1 },
      { split: 'b', offset: 2 },
    ]);
    offsets.update([]);
    expect(offsets.get()).toEqual([]);
  });

  it('refuses one name used as both split and union state', () => {
    const s = new OperatorStateStore();
    s.getListState('x');
    expect(() => s.getUnionListState('x')).toThrow(ConfigError);
  });

  it('split state on rescale: every item lands on exactly one new subtask (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.integer(), { maxLength: 10 }), { minLength: 1, maxLength: 5 }),
        fc.integer({ min: 1, max: 7 }),
        (perOldSubtask, newParallelism) => {
          const tagged = perOldSubtask.map((items, i) => items.map((v, j) => `${i}/${j}/${v}`));
          const snaps = tagged.map((items) => storeWith('offsets', items));
          const got: string[] = [];
          for (let i = 0; i < newParallelism; i++) {
            const s = new OperatorStateStore();
            s.restore(snaps, i, newParallelism);
            got.push(...s.getListState<string>('offsets').get());
          }
          expect(got.sort()).toEqual(tagged.flat().sort());
        },
      ),
    );
  });

  it('split state is dealt round-robin so subtasks get balanced shares', () => {
    const snaps = [storeWith('s', [1, 2, 3, 4]), storeWith('s', [5, 6])];
    const shares = [0, 1, 2].map((i) => {
      const s = new OperatorStateStore();
      s.restore(snaps, i, 3);
      return s.getListState<number>('s').get();
    });
    expect(shares).toEqual([
      [1, 4],
      [2, 5],
      [3, 6],
    ]);
  });

  it('union state gives every subtask all items', () => {
    const snaps = [storeWith('u', ['a'], true), storeWith('u', ['b', 'c'], true)];
    for (let i = 0; i < 3; i++) {
      const s = new OperatorStateStore();
      s.restore(snaps, i, 3);
      expect(s.getUnionListState<string>('u').get()).toEqual(['a', 'b', 'c']);
    }
  });

  it('restored items are private copies and snapshots do not follow later changes', () => {
    const snap = storeWith('u', [{ n: 1 }], true);
    const a = new OperatorStateStore();
    const b = new OperatorStateStore();
    a.restore([snap], 0, 2);
    b.restore([snap], 1, 2);
    a.getUnionListState<{ n: number }>('u').get()[0]!.n = 99;
    expect(b.getUnionListState<{ n: number }>('u').get()).toEqual([{ n: 1 }]);
    const later = a.snapshot();
    a.getUnionListState<{ n: number }>('u').add({ n: 2 });
    expect(later.states.u!.items).toEqual([{ n: 99 }]);
  });

  it('validates subtask index and parallelism', () => {
    const s = new OperatorStateStore();
    expect(() => s.restore([], 3, 3)).toThrow(ConfigError);
    expect(() => s.restore([], 0, 0)).toThrow(/parallelism/);
  });
});
