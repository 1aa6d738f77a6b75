/**
 * Stable key → subtask assignment. Records with the same key must reach the same subtask in every
 * process and every run, because keyed state restored from a checkpoint is redistributed with the
 * same function the hash partitioner uses. Hence a hash we define ourselves (MurmurHash3 x86_32 of
 * the UTF-8 of a canonical text form) rather than anything that depends on object identity or on
 * the JS engine.
 *
 * Like Flink, keys hash into a fixed number of key groups (maxParallelism) and key groups map onto
 * subtasks in contiguous ranges, so rescaling moves whole ranges instead of reshuffling everything.
 */
import { ConfigError } from '../errors.ts';

/** Upper bound on parallelism; also the number of key groups. 2^15 keeps `keyGroup * parallelism` exact. */
export const DEFAULT_MAX_PARALLELISM = 32768;

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;
const SEED = 0x9747b28c;

function mixK(k: number): number {
  k = Math.imul(k, C1);
  k = (k << 15) | (k >>> 17);
  return Math.imul(k, C2);
}

function mixH(h: number, k: number): number {
  h ^= mixK(k);
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * MurmurHash3 x86_32 of the UTF-8 encoding of `s`, encoding on the fly so the hot path (string keys)
 * allocates nothing. Lone surrogates hash as U+FFFD, as TextEncoder would encode them.
 */
export function murmur3String(s: string, seed = SEED): number {
  let h = seed | 0;
  let k = 0;
  let shift = 0;
  let i = 0;
  // Fast path for the common case, ASCII: four chars are exactly one 32-bit block of UTF-8 bytes.
  const blocks = s.length - 3;
  for (; i < blocks; i += 4) {
    const c0 = s.charCodeAt(i);
    const c1 = s.charCodeAt(i + 1);
    const c2 = s.charCodeAt(i + 2);
    const c3 = s.charCodeAt(i + 3);
    if ((c0 | c1 | c2 | c3) >= 0x80) break;
    h = mixH(h, c0 | (c1 << 8) | (c2 << 16) | (c3 << 24));
  }
  let length = i;
  for (; i < s.length; i++) {
    let c = s.charCodeAt(i);
    let packed: number;
    let n: number;
    if (c < 0x80) {
      packed = c;
      n = 1;
    } else if (c < 0x800) {
      packed = 0xc0 | (c >> 6) | ((0x80 | (c & 0x3f)) << 8);
      n = 2;
    } else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      const cp = 0x10000 + ((c - 0xd800) << 10) + (s.charCodeAt(++i) - 0xdc00);
      packed =
        0xf0 |
        (cp >> 18) |
        ((0x80 | ((cp >> 12) & 0x3f)) << 8) |
        ((0x80 | ((cp >> 6) & 0x3f)) << 16) |
        ((0x80 | (cp & 0x3f)) << 24);
      n = 4;
    } else {
      if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd;
      packed = 0xe0 | (c >> 12) | ((0x80 | ((c >> 6) & 0x3f)) << 8) | ((0x80 | (c & 0x3f)) << 16);
      n = 3;
    }
    for (let j = 0; j < n; j++) {
      k |= ((packed >>> (j * 8)) & 0xff) << shift;
      shift += 8;
      if (shift === 32) {
        h = mixH(h, k);
        k = 0;
        shift = 0;
      }
    }
    length += n;
  }
  if (shift > 0) h ^= mixK(k);
  return fmix(h ^ length);
}

/**
 * MurmurHash3 x86_32 of one tag byte, the 4-byte big-endian length of `s` and the bytes of `s`,
 * for an all-ASCII `s` (its UTF-8 is its chars): compat's canonical encoding of a one-string
 * grouping key (docs/STORM-COMPAT.md §3.3), hashed per emit without writing the encoding anywhere.
 * -1 when `s` holds a char that is not ASCII: the caller encodes and hashes the bytes instead.
 */
export function murmur3TaggedAscii(tag: number, s: string, seed: number): number {
  const n = s.length;
  let h = mixH(seed | 0, tag | ((n >>> 24) << 8) | (((n >>> 16) & 0xff) << 16) | (((n >>> 8) & 0xff) << 24));
  // Byte 4 is the length's low byte, so the second block holds it and the first three chars;
  // from char 3 on, four chars make one block.
  let i = 0;
  let k = n & 0xff;
  let shift = 8;
  if (n >= 3) {
    const c0 = s.charCodeAt(0);
    const c1 = s.charCodeAt(1);
    const c2 = s.charCodeAt(2);
    if ((c0 | c1 | c2) >= 0x80) return -1;
    h = mixH(h, k | (c0 << 8) | (c1 << 16) | (c2 << 24));
    i = 3;
    k = 0;
    shift = 0;
    for (; i + 3 < n; i += 4) {
      const d0 = s.charCodeAt(i);
      const d1 = s.charCodeAt(i + 1);
      const d2 = s.charCodeAt(i + 2);
      const d3 = s.charCodeAt(i + 3);
      if ((d0 | d1 | d2 | d3) >= 0x80) return -1;
      h = mixH(h, d0 | (d1 << 8) | (d2 << 16) | (d3 << 24));
    }
  }
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) return -1;
    k |= c << shift;
    shift += 8;
  }
  if (shift > 0) h ^= mixK(k);
  return fmix(h ^ (5 + n));
}

/**
 * MurmurHash3 x86_32 of `bytes[0, length)`, read unsigned. The length lets a caller hash a reused
 * buffer without copying (compat's fields grouping does, per emit).
 */
export function murmur3Bytes(bytes: Uint8Array, length = bytes.length, seed = 0): number {
  let h = seed | 0;
  const blocks = length & ~3;
  for (let i = 0; i < blocks; i += 4)
    h = mixH(h, bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24));
  const rem = length & 3;
  if (rem > 0) {
    let k = bytes[blocks]!;
    if (rem >= 2) k |= bytes[blocks + 1]! << 8;
    if (rem === 3) k |= bytes[blocks + 2]! << 16;
    h ^= mixK(k);
  }
  return fmix(h ^ length);
}

/** MurmurHash3 x86_32 of the 4 little-endian bytes of an int32. */
function murmur3Int(v: number, seed = SEED): number {
  return fmix(mixH(seed | 0, v | 0) ^ 4);
}

/**
 * Hash of a key, stable across processes. Strings hash their own UTF-8; int32 numbers hash their
 * four bytes; everything else hashes its canonical form.
 */
export function hashKey(key: unknown): number {
  if (typeof key === 'string') return murmur3String(key);
  if (typeof key === 'number') {
    // `| 0` equality also folds -0 into 0, matching Map key semantics.
    if ((key | 0) === key) return murmur3Int(key);
    return murmur3String(String(key));
  }
  return murmur3String(canonicalKey(key));
}

export function keyGroupOf(key: unknown, maxParallelism = DEFAULT_MAX_PARALLELISM): number {
  return hashKey(key) % maxParallelism;
}

/** Key group range → subtask, contiguous ranges as in Flink. */
export function subtaskForKeyGroup(
  keyGroup: number,
  parallelism: number,
  maxParallelism = DEFAULT_MAX_PARALLELISM,
): number {
  return Math.floor((keyGroup * parallelism) / maxParallelism);
}

export function subtaskForKey(key: unknown, parallelism: number, maxParallelism = DEFAULT_MAX_PARALLELISM): number {
  return Math.floor(((hashKey(key) % maxParallelism) * parallelism) / maxParallelism);
}

/** Validates a parallelism against a max parallelism once, at graph-build time, not per record. */
export function checkParallelism(parallelism: number, maxParallelism = DEFAULT_MAX_PARALLELISM): void {
  if (!Number.isInteger(maxParallelism) || maxParallelism < 1 || maxParallelism > DEFAULT_MAX_PARALLELISM) {
    throw new ConfigError(`maxParallelism must be an integer in 1..${DEFAULT_MAX_PARALLELISM}, got ${maxParallelism}`);
  }
  if (!Number.isInteger(parallelism) || parallelism < 1 || parallelism > maxParallelism) {
    throw new ConfigError(`parallelism must be an integer in 1..${maxParallelism}, got ${parallelism}`);
  }
}

/**
 * Canonical text of a key: equal for structurally equal keys whatever the property order, distinct
 * for keys of different types where it matters (1 vs "1" inside composites, 1n vs 1).
 */
export function canonicalKey(key: unknown): string {
  switch (typeof key) {
    case 'string':
      return JSON.stringify(key);
    case 'number':
      // NaN/Infinity are not JSON; String() keeps them distinct. String(-0) is "0", like Map.
      return String(key);
    case 'bigint':
      return `${key}n`;
    case 'boolean':
      return key ? 'true' : 'false';
    case 'undefined':
      return 'undefined';
    case 'object':
      return canonicalObject(key);
    default:
      throw new ConfigError(`a ${typeof key} cannot be used as a key: keys must survive a checkpoint`);
  }
}

function canonicalObject(key: object | null): string {
  if (key === null) return 'null';
  if (Array.isArray(key)) {
    let out = '[';
    for (let i = 0; i < key.length; i++) out += (i === 0 ? '' : ',') + canonicalKey(key[i]);
    return `${out}]`;
  }
  if (key instanceof Date) return `Date(${key.getTime()})`;
  if (key instanceof Map) {
    const parts = [...key].map(([k, v]) => `${canonicalKey(k)}=>${canonicalKey(v)}`).sort();
    return `Map{${parts.join(',')}}`;
  }
  if (key instanceof Set) {
    const parts = [...key].map((v) => canonicalKey(v)).sort();
    return `Set{${parts.join(',')}}`;
  }
  const names = Object.keys(key).sort();
  let out = '{';
  for (let i = 0; i < names.length; i++) {
    const name = names[i]!;
    out += `${i === 0 ? '' : ','}${JSON.stringify(name)}:${canonicalKey((key as Record<string, unknown>)[name])}`;
  }
  return `${out}}`;
}
