import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { hiOf, loOf, pairToBigInt } from '../../../compat/component/id64.ts';
import { rand64, randHalves, randWord } from '../../../compat/reliability/rand64.ts';

const id64 = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });

/** XOR of ids as the executor computes it: int32 halves, folded separately. */
function xorPairs(ids: readonly bigint[]): [number, number] {
  let hi = 0;
  let lo = 0;
  for (const id of ids) {
    hi ^= hiOf(id);
    lo ^= loOf(id);
  }
  return [hi, lo];
}

describe('64-bit ids as int32 halves', () => {
  it('splits and rebuilds every signed 64-bit id exactly, into int32 halves', () => {
    fc.assert(
      fc.property(id64, (id) => {
        const hi = hiOf(id);
        const lo = loOf(id);
        expect(hi | 0).toBe(hi);
        expect(lo | 0).toBe(lo);
        expect(pairToBigInt(hi, lo)).toBe(id);
      }),
      { numRuns: 2000 },
    );
  });

  it('XOR of halves equals the XOR of the bigints, and is zero exactly when it is', () => {
    fc.assert(
      fc.property(fc.array(id64, { maxLength: 20 }), fc.array(fc.nat(), { maxLength: 20 }), (ids, again) => {
        // Repeat some ids so that trees whose edges all cancel (XOR 0) are common, as in acking.
        const all = [...ids, ...again.filter((i) => i < ids.length).map((i) => ids[i]!)];
        const [hi, lo] = xorPairs(all);
        const expected = all.reduce((a, b) => a ^ b, 0n);
        expect(pairToBigInt(hi, lo)).toBe(expected);
        expect((hi | lo) === 0).toBe(expected === 0n);
      }),
      { numRuns: 2000 },
    );
  });

  it('a tree whose every edge is XORed in twice reaches zero, in any order', () => {
    fc.assert(
      fc.property(fc.array(id64, { minLength: 1, maxLength: 30 }), fc.nat(), (ids, seed) => {
        const twice = [...ids, ...ids];
        // A seeded shuffle: acks reach the tracker in any order.
        for (let i = twice.length - 1, s = seed; i > 0; i--, s = (s * 1103515245 + 12345) >>> 0) {
          const j = s % (i + 1);
          [twice[i], twice[j]] = [twice[j]!, twice[i]!];
        }
        const [hi, lo] = xorPairs(twice);
        expect(hi | lo).toBe(0);
      }),
    );
  });

  it('randWord and rand64 share one pool and never hand out the same 64 bits twice', () => {
    const seen = new Set<bigint>();
    // More than one batch of 8192 words, interleaving both forms across refills.
    for (let i = 0; i < 20_000; i++) {
      let id: bigint;
      if (i % 3 === 0) id = rand64();
      else {
        const w = 2 * randWord();
        // Read as rand64 would return the same word (little-endian), so a word handed out in both forms shows.
        id = pairToBigInt(randHalves[w + 1]!, randHalves[w]!);
      }
      expect(seen.has(id)).toBe(false);
      seen.add(id);
    }
  });
});
