import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonical, compareLastPerKey, compareMultisets } from '../../../transpiler/verify/compare.ts';

describe('verify comparison', () => {
  it('treats records as equal by value, whatever their key order or class', () => {
    class Pair {
      constructor(
        readonly word: string,
        readonly count: number,
      ) {}
    }
    expect(canonical({ word: 'a', count: 1 })).toBe(canonical({ count: 1, word: 'a' }));
    expect(canonical(new Pair('a', 1))).toBe(canonical({ word: 'a', count: 1 }));
    expect(canonical({ n: 1 })).not.toBe(canonical({ n: '1' }));
    expect(canonical({ n: 1 })).not.toBe(canonical({ n: 1n }));
    expect(
      canonical(
        new Map([
          ['b', 2],
          ['a', 1],
        ]),
      ),
    ).toBe(
      canonical(
        new Map([
          ['a', 1],
          ['b', 2],
        ]),
      ),
    );
    expect(canonical(new Date(0))).toBe('Date(1970-01-01T00:00:00.000Z)');
  });

  it('compares multisets: order is free, multiplicity is not', () => {
    fc.assert(
      fc.property(
        fc
          .array(fc.record({ k: fc.integer({ min: 0, max: 5 }), v: fc.string() }))
          .chain((r) => fc.tuple(fc.constant(r), fc.shuffledSubarray(r, { minLength: r.length, maxLength: r.length }))),
        ([records, shuffled]) => {
          expect(compareMultisets(records, shuffled).equal).toBe(true);
          if (records.length > 0) {
            const dropped = compareMultisets(records, shuffled.slice(1));
            expect(dropped.equal).toBe(false);
            expect(dropped.onlyInA).toHaveLength(1);
            expect(dropped.onlyInB).toHaveLength(0);
          }
        },
      ),
    );
  });

  it('lists the records found on one side only, in arrival order', () => {
    const d = compareMultisets([{ w: 'a' }, { w: 'b' }, { w: 'b' }, { w: 'c' }], [{ w: 'b' }, { w: 'd' }, { w: 'a' }]);
    expect(d.equal).toBe(false);
    expect(d.onlyInA).toEqual([{ w: 'b' }, { w: 'c' }]);
    expect(d.onlyInB).toEqual([{ w: 'd' }]);
  });

  it('compares the last value per key where order may differ', () => {
    const a = [
      { w: 'x', n: 1 },
      { w: 'y', n: 1 },
      { w: 'x', n: 2 },
    ];
    expect(
      compareLastPerKey(
        a,
        [
          { w: 'y', n: 1 },
          { w: 'x', n: 2 },
        ],
        ['w'],
      ).equal,
    ).toBe(true);
    const d = compareLastPerKey(
      a,
      [
        { w: 'x', n: 2 },
        { w: 'y', n: 3 },
      ],
      ['w'],
    );
    expect(d.equal).toBe(false);
    expect(d.onlyInA).toEqual([{ w: 'y', n: 1 }]);
    expect(d.onlyInB).toEqual([{ w: 'y', n: 3 }]);
  });
});
