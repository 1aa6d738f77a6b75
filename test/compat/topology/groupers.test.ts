import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { IllegalArgumentException } from '../../../compat/component/exceptions.ts';
import { Fields } from '../../../compat/component/fields.ts';
import { GlobalStreamId } from '../../../compat/component/global-stream-id.ts';
import type { CustomStreamGrouping } from '../../../compat/component/interfaces.ts';
import { javaTaskIndex, stableFieldsHash } from '../../../compat/component/canonical.ts';
import { createGrouper, type GrouperSpec } from '../../../compat/topology/groupers.ts';
import { PartialKeyGrouping, partialKeyCandidates } from '../../../compat/topology/partial-key-grouping.ts';
import { Grouping } from '../../../compat/topology/storm-topology.ts';

const out = new Fields('word', 'count');
const stream = new GlobalStreamId('split', 'default');
const spec = (grouping: Grouping, targetTasks: number[], extra: Partial<GrouperSpec> = {}): GrouperSpec => ({
  grouping,
  targetTasks,
  outputFields: out,
  stream,
  context: { getComponentOutputFields: () => out } as never,
  ...extra,
});

describe('fields grouping', () => {
  it('equal keys go to the same task; 5 ≡ 5n', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), fc.integer(), fc.boolean()),
        fc.anything(),
        fc.anything(),
        fc.uniqueArray(fc.integer({ min: 1, max: 500 }), { minLength: 1, maxLength: 20 }),
        (key, other1, other2, targets) => {
          const g = createGrouper(spec(Grouping.fields(['word']), targets));
          return g.chooseTasks(1, [key, other1])[0] === g.chooseTasks(2, [key, other2])[0];
        },
      ),
    );
    const g = createGrouper(spec(Grouping.fields(['count']), [3, 1, 2]));
    expect(g.chooseTasks(1, ['a', 5])).toEqual(g.chooseTasks(1, ['b', 5n]));
  });

  it('uses sorted targets and the stable hash: sorted[hash mod n]', () => {
    const g = createGrouper(spec(Grouping.fields(['word']), [30, 10, 20]));
    const h = stableFieldsHash(['hello']);
    expect(g.chooseTasks(1, ['hello', 0])).toEqual([[10, 20, 30][h % 3]]);
  });

  it('java mode reproduces floorMod(Arrays.deepHashCode)', () => {
    const g = createGrouper(spec(Grouping.fields(['word']), [4, 5, 6, 7], { hashMode: 'java' }));
    expect(g.chooseTasks(1, ['hello', 0])).toEqual([[4, 5, 6, 7][javaTaskIndex(['hello'], 4)]]);
  });
});

describe('other built-in groupings', () => {
  it('global = lowest task', () => {
    expect(createGrouper(spec(Grouping.fields([]), [9, 3, 7])).chooseTasks(1, ['a', 1])).toEqual([3]);
  });

  it('all = every task ascending, fresh array each time', () => {
    const g = createGrouper(spec(Grouping.all(), [9, 3, 7]));
    const a = g.chooseTasks(1, []);
    expect(a).toEqual([3, 7, 9]);
    a.push(100);
    expect(g.chooseTasks(1, [])).toEqual([3, 7, 9]);
  });

  it('shuffle / localOrShuffle: round robin over a once-shuffled list', () => {
    for (const grouping of [Grouping.shuffle(), Grouping.local_or_shuffle()]) {
      fc.assert(
        fc.property(fc.uniqueArray(fc.integer({ min: 1, max: 99 }), { minLength: 1, maxLength: 10 }), (targets) => {
          const g = createGrouper(spec(grouping, targets));
          const n = targets.length;
          const first = Array.from({ length: n }, () => g.chooseTasks(1, [])[0]);
          const second = Array.from({ length: n }, () => g.chooseTasks(1, [])[0]);
          return (
            JSON.stringify([...first].sort((x, y) => x! - y!)) === JSON.stringify([...targets].sort((x, y) => x - y)) &&
            JSON.stringify(first) === JSON.stringify(second)
          );
        }),
      );
    }
  });

  it('none = one of the targets', () => {
    const g = createGrouper(spec(Grouping.none(), [4, 5], { random: () => 0.99 }));
    expect(g.chooseTasks(1, [])).toEqual([5]);
  });

  it('direct is not chosen by the grouper', () => {
    const g = createGrouper(spec(Grouping.direct(), [1, 2]));
    expect(g.isDirect).toBe(true);
    expect(() => g.chooseTasks(1, [])).toThrow(new IllegalArgumentException('Cannot do regular emit to direct stream'));
  });

  it('no targets ⇒ no tasks', () => {
    for (const gr of [
      Grouping.shuffle(),
      Grouping.fields(['word']),
      Grouping.fields([]),
      Grouping.none(),
      Grouping.all(),
    ]) {
      expect(createGrouper(spec(gr, [])).chooseTasks(1, ['a', 1])).toEqual([]);
    }
  });
});

describe('partial key grouping', () => {
  it('two distinct candidates for n ≥ 2, deterministic', () => {
    fc.assert(
      fc.property(fc.uint8Array(), fc.integer({ min: 2, max: 64 }), (key, n) => {
        const [a, b] = partialKeyCandidates(key, n);
        const again = partialKeyCandidates(key, n);
        return a !== b && a >= 0 && a < n && b >= 0 && b < n && again[0] === a && again[1] === b;
      }),
    );
  });

  it('alternates between the two candidates of a hot key (least used by this instance)', () => {
    const g = createGrouper(spec(Grouping.custom_serialized(new PartialKeyGrouping(new Fields('word'))), [1, 2, 3, 4]));
    const picks = Array.from({ length: 6 }, () => g.chooseTasks(1, ['hot', 0])[0]);
    const distinct = [...new Set(picks)];
    expect(distinct).toHaveLength(2);
    expect(picks.filter((p) => p === distinct[0])).toHaveLength(3);
    expect(picks[0]).not.toBe(picks[1]);
  });

  it('without fields the key is String(values[0]); instances keep separate counts', () => {
    const pk = new PartialKeyGrouping();
    const g1 = createGrouper(spec(Grouping.custom_serialized(pk), [1, 2]));
    const g2 = createGrouper(spec(Grouping.custom_serialized(pk), [1, 2]));
    expect(g1.chooseTasks(1, [5, 'x'])).toEqual(g2.chooseTasks(1, ['5', 'y']));
  });
});

describe('custom grouping', () => {
  class Pick implements CustomStreamGrouping {
    prepared = 0;
    targets: number[] = [];
    constructor(private readonly choice: number[] | 'bad') {}
    prepare(_ctx: unknown, _s: GlobalStreamId, targets: number[]): void {
      this.prepared++;
      this.targets = targets;
    }
    chooseTasks(): number[] {
      return this.choice === 'bad' ? ['x' as never] : this.choice;
    }
  }

  it('is cloned per grouper instance and prepared once with sorted targets', () => {
    const original = new Pick([2]);
    const g = createGrouper(spec(Grouping.custom_serialized(original), [3, 2, 1]));
    expect(g.chooseTasks(1, [])).toEqual([2]);
    expect(g.chooseTasks(1, [])).toEqual([2]);
    expect(original.prepared).toBe(0);
  });

  it('an id outside the targets is an IllegalArgumentException', () => {
    const g = createGrouper(spec(Grouping.custom_serialized(new Pick([1, 99])), [1, 2]));
    expect(() => g.chooseTasks(1, [])).toThrow(IllegalArgumentException);
    expect(() => g.chooseTasks(1, [])).toThrow(/chose task 99/);
  });
});

describe('partial key grouping placement is the documented one', () => {
  it('first choice = sorted[murmur3(encode(key), 1) mod n]', async () => {
    const { canonicalEncode } = await import('../../../compat/component/canonical.ts');
    const g = createGrouper(
      spec(Grouping.custom_serialized(new PartialKeyGrouping(new Fields('word'))), [40, 10, 30, 20]),
    );
    const [a] = partialKeyCandidates(canonicalEncode(['k']), 4);
    expect(g.chooseTasks(1, ['k', 0])).toEqual([[10, 20, 30, 40][a]]);
  });
});
