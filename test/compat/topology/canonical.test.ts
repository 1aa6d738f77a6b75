import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  canonicalEncode,
  canonicalHash,
  canonicalKey,
  floorMod,
  javaDeepHashCode,
  javaHashCode,
  javaStringHashCode,
  javaTaskIndex,
  murmur3x86_32,
  stableFieldsHash,
} from '../../../compat/component/canonical.ts';

const enc = (s: string) => new TextEncoder().encode(s);

describe('murmur3x86_32 (published test vectors)', () => {
  it.each([
    ['', 0, 0x00000000],
    ['', 1, 0x514e28b7],
    ['', 0xffffffff, 0x81f16f39],
    ['hello', 0, 0x248bfa47],
    ['Hello, world!', 0, 0xc0363e43],
    ['Hello, world!', 0x9747b28c, 0x24884cba],
    ['aaaa', 0x9747b28c, 0x5a97808a],
    ['abc', 0, 0xb3dd93fa],
    ['The quick brown fox jumps over the lazy dog', 0, 0x2e4ff723],
    ['The quick brown fox jumps over the lazy dog', 0x9747b28c, 0x2fa826cd],
  ])('%j seed %d', (s, seed, expected) => {
    expect(murmur3x86_32(enc(s), seed)).toBe(expected);
  });

  it('hashes raw bytes including zero bytes', () => {
    expect(murmur3x86_32(new Uint8Array([0, 0, 0, 0]), 0)).toBe(0x2362f9de);
  });

  it('is always an unsigned 32-bit integer', () => {
    fc.assert(
      fc.property(fc.uint8Array(), fc.nat(), (b, seed) => {
        const h = murmur3x86_32(b, seed);
        return Number.isInteger(h) && h >= 0 && h <= 0xffffffff;
      }),
    );
  });
});

describe('canonicalEncode', () => {
  it('treats a safe integer and its bigint as one key (5 ≡ 5n)', () => {
    expect(canonicalEncode([5])).toEqual(canonicalEncode([5n]));
    fc.assert(fc.property(fc.maxSafeInteger(), (n) => canonicalKey(n) === canonicalKey(BigInt(n))));
  });

  it('maps -0 to 0', () => {
    expect(canonicalKey(-0)).toBe(canonicalKey(0));
    expect(stableFieldsHash([-0])).toBe(stableFieldsHash([0]));
  });

  it('encodes null and undefined alike, but apart from "null" and false', () => {
    expect(canonicalKey(null)).toBe(canonicalKey(undefined));
    expect(canonicalKey(null)).not.toBe(canonicalKey('null'));
    expect(canonicalKey(false)).not.toBe(canonicalKey(null));
    expect(canonicalKey(true)).not.toBe(canonicalKey('t'));
  });

  it('distinguishes types that stringify alike', () => {
    expect(canonicalKey('5')).not.toBe(canonicalKey(5));
    expect(canonicalKey(1.5)).not.toBe(canonicalKey('1.5'));
    expect(canonicalKey([1, 2])).not.toBe(canonicalKey('1,2'));
    expect(canonicalKey(new Uint8Array([104, 105]))).not.toBe(canonicalKey('hi'));
  });

  it('is unambiguous under concatenation (length prefixes)', () => {
    expect(canonicalEncode(['ab', 'c'])).not.toEqual(canonicalEncode(['a', 'bc']));
    expect(canonicalEncode([['a'], 'b'])).not.toEqual(canonicalEncode([['a', 'b']]));
  });

  it('ignores the key order of plain objects', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.oneof(fc.integer(), fc.string(), fc.boolean())), (obj) => {
        const reversed = Object.fromEntries(Object.entries(obj).reverse());
        return canonicalKey(obj) === canonicalKey(reversed);
      }),
    );
  });

  it('gives equal keys exactly for equal JSON-like values', () => {
    const arb = fc.jsonValue();
    fc.assert(
      fc.property(arb, arb, (a, b) => {
        const same = canonicalKey(a) === canonicalKey(b);
        // JSON.stringify differs on object key order and -0 only; normalise both.
        const norm = (v: unknown): string =>
          JSON.stringify(v, (_k, x) =>
            x && typeof x === 'object' && !Array.isArray(x)
              ? Object.fromEntries(Object.entries(x).sort(([p], [q]) => (p < q ? -1 : p > q ? 1 : 0)))
              : x,
          );
        return same === (norm(a) === norm(b));
      }),
    );
  });

  it('encodes Buffer as its bytes, like Uint8Array', () => {
    expect(canonicalKey(Buffer.from('abc'))).toBe(canonicalKey(new Uint8Array([97, 98, 99])));
  });

  it('uses String(v) for other objects', () => {
    class K {
      toString() {
        return 'k!';
      }
    }
    expect(canonicalKey(new K())).toBe(canonicalKey(new K()));
    expect(canonicalKey(new K())).not.toBe(canonicalKey('k!'));
  });

  it('fixes the wire shape: tag, 4-byte BE length, payload', () => {
    expect(Array.from(canonicalEncode(['hi', 5, true, null]))).toEqual([
      0x73,
      0,
      0,
      0,
      2,
      104,
      105, // 's' "hi"
      0x69,
      0,
      0,
      0,
      1,
      53, // 'i' "5"
      0x74,
      0,
      0,
      0,
      0, // 't'
      0x6e,
      0,
      0,
      0,
      0, // 'n'
    ]);
    expect(Array.from(canonicalEncode([1.5]))).toEqual([0x64, 0, 0, 0, 8, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0]);
  });

  it('rejects cycles with a TypeError', () => {
    const a: unknown[] = [];
    a.push(a);
    expect(() => canonicalEncode([a])).toThrow(TypeError);
  });

  it('stableFieldsHash equals murmur3 seed 0 of the encoding', () => {
    fc.assert(
      fc.property(
        fc.array(fc.jsonValue(), { maxLength: 4 }),
        (vals) => stableFieldsHash(vals) === murmur3x86_32(canonicalEncode(vals), 0),
      ),
    );
  });

  it('hashes a one-string key (the fast path for ASCII) exactly as its encoding, for every length and seed', () => {
    // Lengths around the 4-byte block edges, ASCII and not, plus strings whose length's bytes are
    // not zero (>= 256 chars) so every byte of the length prefix is exercised.
    const key = fc.oneof(
      fc.string({ unit: 'binary-ascii', maxLength: 12 }),
      fc.string({ unit: 'grapheme', maxLength: 8 }),
      fc.string({ unit: 'binary-ascii', minLength: 250, maxLength: 700 }),
      fc
        .tuple(fc.string({ unit: 'binary-ascii', maxLength: 9 }), fc.constantFrom('é', '☃', '😀', '\ud800'))
        .map(([ascii, other]) => ascii + other),
    );
    fc.assert(
      fc.property(key, fc.nat(), (s, seed) => {
        expect(stableFieldsHash([s])).toBe(murmur3x86_32(canonicalEncode([s]), 0));
        expect(canonicalHash([s], seed)).toBe(murmur3x86_32(canonicalEncode([s]), seed));
      }),
      { numRuns: 500 },
    );
  });
});

describe('java mode', () => {
  it('reproduces String.hashCode', () => {
    expect(javaStringHashCode('')).toBe(0);
    expect(javaStringHashCode('hello')).toBe(99162322);
    expect(javaStringHashCode('polygenelubricants')).toBe(-2147483648);
  });

  it('reproduces Integer/Long/Double/Boolean hashCode', () => {
    expect(javaHashCode(-1)).toBe(-1); // Integer
    expect(javaHashCode(2 ** 32)).toBe(1); // Long 4294967296 → (int)(v ^ v>>>32) = 1
    expect(javaHashCode(-1n)).toBe(-1);
    expect(javaHashCode(-(2n ** 40n))).toBe(
      Number(BigInt.asIntN(32, BigInt.asUintN(64, -(2n ** 40n)) ^ (BigInt.asUintN(64, -(2n ** 40n)) >> 32n))),
    );
    expect(javaHashCode(1.5)).toBe(1073217536); // Double.hashCode(1.5)
    expect(javaHashCode(true)).toBe(1231);
    expect(javaHashCode(false)).toBe(1237);
    expect(javaHashCode(null)).toBe(0);
  });

  it('reproduces Arrays.deepHashCode', () => {
    expect(javaDeepHashCode([])).toBe(1);
    expect(javaDeepHashCode(['a'])).toBe(31 + 97);
    expect(javaDeepHashCode(['hello', 1])).toBe((31 * (31 + 99162322) + 1) | 0);
    expect(javaDeepHashCode([['a']])).toBe(31 + (31 + 97));
  });

  it('uses floorMod so negative hashes give a valid index', () => {
    expect(floorMod(-7, 3)).toBe(2);
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.string(), fc.integer())), fc.integer({ min: 1, max: 64 }), (v, n) => {
        const i = javaTaskIndex(v, n);
        return i >= 0 && i < n;
      }),
    );
  });
});
