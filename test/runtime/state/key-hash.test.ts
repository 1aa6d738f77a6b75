import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../runtime/errors.ts';
import {
  canonicalKey,
  checkParallelism,
  DEFAULT_MAX_PARALLELISM,
  hashKey,
  keyGroupOf,
  murmur3String,
  subtaskForKey,
} from '../../../runtime/state/key-hash.ts';

/** Reference MurmurHash3 x86_32 over bytes, written plainly from the algorithm's description. */
function murmurBytes(bytes: Uint8Array, seed: number): number {
  let h = seed >>> 0;
  const c1 = 0xcc9e2d51;
  const c2 = 0x1b873593;
  const blocks = bytes.length >> 2;
  const k1of = (k: number) => Math.imul((Math.imul(k, c1) << 15) | (Math.imul(k, c1) >>> 17), c2);
  for (let b = 0; b < blocks; b++) {
    const i = b * 4;
    const k = bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24);
    h ^= k1of(k);
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  const tail = blocks * 4;
  const rest = bytes.length & 3;
  if (rest > 0) {
    let k = 0;
    for (let j = rest - 1; j >= 0; j--) k = (k << 8) | bytes[tail + j]!;
    h ^= k1of(k);
  }
  h ^= bytes.length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

describe('key hashing', () => {
  it('matches published MurmurHash3 x86_32 vectors', () => {
    expect(murmur3String('', 0)).toBe(0);
    expect(murmur3String('', 1)).toBe(0x514e28b7);
    expect(murmur3String('hello', 0)).toBe(0x248bfa47);
    expect(murmur3String('The quick brown fox jumps over the lazy dog', 0)).toBe(0x2e4ff723);
  });

  it('hashes an int32 key as its four little-endian bytes and a string key as its UTF-8', () => {
    const seed = 0x9747b28c;
    for (const n of [0, 1, -1, 42, 2 ** 31 - 1, -(2 ** 31)]) {
      const bytes = new Uint8Array(4);
      new DataView(bytes.buffer).setInt32(0, n, true);
      expect(hashKey(n)).toBe(murmurBytes(bytes, seed));
    }
    expect(hashKey(2 ** 40)).toBe(murmurBytes(new TextEncoder().encode(String(2 ** 40)), seed));
    expect(hashKey('ü-key')).toBe(murmurBytes(new TextEncoder().encode('ü-key'), seed));
  });

  it('hashes the UTF-8 bytes of any string, surrogate pairs and lone surrogates included', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.integer(), (s, seed) => {
        expect(murmur3String(s, seed)).toBe(murmurBytes(new TextEncoder().encode(s), seed));
      }),
      { numRuns: 500 },
    );
    expect(murmur3String('\ud800x', 7)).toBe(murmurBytes(new TextEncoder().encode('\ud800x'), 7));
  });

  it('is stable: these values must never change, or restored state lands on the wrong subtask', () => {
    expect([
      hashKey('user-1'),
      hashKey(42),
      hashKey(-7),
      hashKey(1.5),
      hashKey(['a', 1]),
      hashKey({ b: 2, a: 1 }),
    ]).toMatchInlineSnapshot(`
      [
        2679650518,
        211461196,
        398700960,
        2315302628,
        3299094862,
        882340715,
      ]
    `);
  });

  it('gives structurally equal keys the same hash whatever the property order', () => {
    expect(hashKey({ a: 1, b: [1, 2] })).toBe(hashKey({ b: [1, 2], a: 1 }));
    expect(canonicalKey({ a: 1, b: 'x' })).toBe(canonicalKey({ b: 'x', a: 1 }));
    expect(canonicalKey(['1'])).not.toBe(canonicalKey([1]));
    expect(canonicalKey(1n)).not.toBe(canonicalKey(1));
    expect(hashKey(-0)).toBe(hashKey(0));
  });

  it('keeps subtasks and key groups in range and deterministic', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), fc.integer(), fc.double(), fc.array(fc.string()), fc.bigInt()),
        fc.integer({ min: 1, max: 512 }),
        (key, p) => {
          const s = subtaskForKey(key, p);
          expect(Number.isInteger(s) && s >= 0 && s < p).toBe(true);
          expect(subtaskForKey(key, p)).toBe(s);
          const g = keyGroupOf(key);
          expect(g >= 0 && g < DEFAULT_MAX_PARALLELISM).toBe(true);
        },
      ),
    );
  });

  it('spreads keys over subtasks', () => {
    const counts = new Array(4).fill(0);
    for (let i = 0; i < 4000; i++) counts[subtaskForKey(`key-${i}`, 4)]++;
    for (const c of counts) expect(c).toBeGreaterThan(800);
  });

  it('refuses keys that cannot survive a checkpoint', () => {
    expect(() => canonicalKey(Symbol('x'))).toThrow(ConfigError);
    expect(() => hashKey([() => 1])).toThrow(ConfigError);
  });

  it('validates parallelism against max parallelism', () => {
    expect(() => checkParallelism(0)).toThrow(ConfigError);
    expect(() => checkParallelism(10, 8)).toThrow(/parallelism/);
    expect(() => checkParallelism(4, 128)).not.toThrow();
  });
});
