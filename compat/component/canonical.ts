/**
 * The normative stable encoding and hash of docs/STORM-COMPAT.md §3.3.
 *
 * Fields grouping, partial-key grouping and `KeyValueState` key equality all go through this one
 * encoding, so a key routes to the same task and finds the same state entry in every process and
 * every release. Java's `hashCode` is not stable across JS value kinds (5 vs 5n), which is why the
 * default is this encoding plus MurmurHash3; `javaDeepHashCode` is the opt-in for tests that
 * assert Storm's exact task ids.
 *
 * Wire shape of one element: 1 tag byte, a 4-byte big-endian payload length, the payload.
 * Every element is length-prefixed, so concatenations are unambiguous ("ab","c" ≠ "a","bc").
 */
import { murmur3Bytes, murmur3TaggedAscii } from '../../runtime/index.ts';

const TAG_STRING = 0x73; // 's'
const TAG_INTEGER = 0x69; // 'i' — safe-integer number and bigint share it, so 5 ≡ 5n
const TAG_DOUBLE = 0x64; // 'd'
const TAG_TRUE = 0x74; // 't'
const TAG_FALSE = 0x66; // 'f'
const TAG_NULL = 0x6e; // 'n' — null and undefined are one key
const TAG_BYTES = 0x79; // 'y'
const TAG_ARRAY = 0x61; // 'a'
const TAG_OBJECT = 0x6f; // 'o'
const TAG_OTHER = 0x78; // 'x' — String(v) of anything else

const utf8 = new TextEncoder();

/** Growable byte sink; avoids building many small arrays for the common one-string key. */
class ByteSink {
  buf = new Uint8Array(64);
  len = 0;

  private ensure(extra: number): void {
    if (this.len + extra <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + extra) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  byte(b: number): void {
    this.ensure(1);
    this.buf[this.len++] = b;
  }

  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }

  /** Reserve 4 bytes for a length and return their offset; patched by `patchLength`. */
  reserveLength(): number {
    this.ensure(4);
    const at = this.len;
    this.len += 4;
    return at;
  }

  patchLength(at: number): void {
    const n = this.len - at - 4;
    this.buf[at] = (n >>> 24) & 0xff;
    this.buf[at + 1] = (n >>> 16) & 0xff;
    this.buf[at + 2] = (n >>> 8) & 0xff;
    this.buf[at + 3] = n & 0xff;
  }

  result(): Uint8Array {
    return this.buf.slice(0, this.len);
  }

  /**
   * A tagged, length-prefixed UTF-8 string written in place: the per-emit grouping hash runs this
   * for every key, and a TextEncoder round trip per value cost more than the hash itself.
   */
  stringLeaf(tag: number, s: string): void {
    this.ensure(5 + s.length * 3);
    const buf = this.buf;
    buf[this.len++] = tag;
    const at = this.len;
    let p = at + 4;
    for (let i = 0; i < s.length; i++) {
      let c = s.charCodeAt(i);
      if (c < 0x80) {
        buf[p++] = c;
      } else if (c < 0x800) {
        buf[p++] = 0xc0 | (c >> 6);
        buf[p++] = 0x80 | (c & 0x3f);
      } else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
        const cp = 0x10000 + ((c - 0xd800) << 10) + (s.charCodeAt(++i) - 0xdc00);
        buf[p++] = 0xf0 | (cp >> 18);
        buf[p++] = 0x80 | ((cp >> 12) & 0x3f);
        buf[p++] = 0x80 | ((cp >> 6) & 0x3f);
        buf[p++] = 0x80 | (cp & 0x3f);
      } else {
        // A lone surrogate encodes as U+FFFD, exactly as TextEncoder does.
        if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd;
        buf[p++] = 0xe0 | (c >> 12);
        buf[p++] = 0x80 | ((c >> 6) & 0x3f);
        buf[p++] = 0x80 | (c & 0x3f);
      }
    }
    this.len = p;
    this.patchLength(at);
  }
}

function isPlainObject(v: object): boolean {
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function encodeElement(sink: ByteSink, v: unknown, seen: Set<object>): void {
  switch (typeof v) {
    case 'string':
      sink.stringLeaf(TAG_STRING, v);
      return;
    case 'bigint':
      leaf(sink, TAG_INTEGER, utf8.encode(v.toString(10)));
      return;
    case 'number':
      if (Number.isSafeInteger(v)) {
        // -0 is a safe integer; its decimal form is "0", the same as +0.
        sink.stringLeaf(TAG_INTEGER, String(v === 0 ? 0 : v));
      } else {
        const b = new Uint8Array(8);
        new DataView(b.buffer).setFloat64(0, v, false);
        leaf(sink, TAG_DOUBLE, b);
      }
      return;
    case 'boolean':
      leaf(sink, v ? TAG_TRUE : TAG_FALSE, EMPTY);
      return;
    case 'undefined':
      leaf(sink, TAG_NULL, EMPTY);
      return;
    default:
      break;
  }
  if (v === null) {
    leaf(sink, TAG_NULL, EMPTY);
    return;
  }
  if (v instanceof Uint8Array) {
    leaf(sink, TAG_BYTES, v);
    return;
  }
  if (Array.isArray(v)) {
    guardCycle(v, seen);
    sink.byte(TAG_ARRAY);
    const at = sink.reserveLength();
    // Index loop, not for-of: holes encode as undefined rather than being skipped.
    for (let i = 0; i < v.length; i++) encodeElement(sink, v[i], seen);
    sink.patchLength(at);
    seen.delete(v);
    return;
  }
  if (typeof v === 'object' && isPlainObject(v)) {
    guardCycle(v, seen);
    sink.byte(TAG_OBJECT);
    const at = sink.reserveLength();
    const rec = v as Record<string, unknown>;
    // Default sort = UTF-16 code unit order: deterministic and locale independent.
    for (const k of Object.keys(rec).sort()) {
      encodeElement(sink, k, seen);
      encodeElement(sink, rec[k], seen);
    }
    sink.patchLength(at);
    seen.delete(v);
    return;
  }
  leaf(sink, TAG_OTHER, utf8.encode(String(v)));
}

const EMPTY = new Uint8Array(0);

function leaf(sink: ByteSink, tag: number, payload: Uint8Array): void {
  sink.byte(tag);
  const at = sink.reserveLength();
  sink.bytes(payload);
  sink.patchLength(at);
}

function guardCycle(v: object, seen: Set<object>): void {
  if (seen.has(v)) throw new TypeError('canonicalEncode: cyclic value cannot be encoded');
  seen.add(v);
}

/** The §3.3 encoding of a list of values (the selected grouping fields, in order). */
export function canonicalEncode(values: readonly unknown[]): Uint8Array {
  const sink = new ByteSink();
  const seen = new Set<object>();
  for (let i = 0; i < values.length; i++) encodeElement(sink, values[i], seen);
  return sink.result();
}

/**
 * A string form of the encoding of one value, usable as a `Map` key: two values get the same key
 * iff their encodings are equal (latin1 maps every byte to exactly one UTF-16 unit).
 */
export function canonicalKey(value: unknown): string {
  const sink = new ByteSink();
  encodeElement(sink, value, new Set());
  return latin1(sink.buf, sink.len);
}

function latin1(buf: Uint8Array, len: number): string {
  let out = '';
  const CHUNK = 0x2000;
  for (let i = 0; i < len; i += CHUNK) {
    out += String.fromCharCode.apply(null, Array.from(buf.subarray(i, Math.min(len, i + CHUNK))));
  }
  return out;
}

/** MurmurHash3 x86 32-bit, read unsigned. */
export function murmur3x86_32(bytes: Uint8Array, seed = 0): number {
  return murmurPrefix(bytes, bytes.length, seed);
}

/** MurmurHash3 of `bytes[0, len)`: the runtime's, so compat and runtime hash alike (a reused buffer, no copy). */
function murmurPrefix(bytes: Uint8Array, len: number, seed: number): number {
  return murmur3Bytes(bytes, len, seed);
}

// One sink reused by the per-emit hash so a grouping decision allocates nothing but the key.
// `String(v)` may run user code that hashes again, hence the busy flag.
const hashSink = new ByteSink();
let hashSinkBusy = false;

/** MurmurHash3 (seed `seed`) of the canonical encoding of `values`, without materialising it. */
const hashSeen = new Set<object>();

export function canonicalHash(values: readonly unknown[], seed = 0): number {
  // The common key, one ASCII string, hashed straight from its chars (11% of a compat word count's
  // CPU went to writing its encoding first).
  if (values.length === 1 && typeof values[0] === 'string' && values[0].length < 0x1000000) {
    const hash = murmur3TaggedAscii(TAG_STRING, values[0], seed);
    if (hash >= 0) return hash;
  }
  if (hashSinkBusy) return murmur3x86_32(canonicalEncode(values), seed);
  hashSinkBusy = true;
  try {
    hashSink.len = 0;
    for (let i = 0; i < values.length; i++) encodeElement(hashSink, values[i], hashSeen);
    return murmurPrefix(hashSink.buf, hashSink.len, seed);
  } finally {
    hashSinkBusy = false;
    // Emptied as containers close; only an exception mid-encode leaves entries behind.
    hashSeen.clear();
  }
}

/** The default fields-grouping hash: MurmurHash3 (seed 0) of the canonical encoding, unsigned. */
export function stableFieldsHash(values: readonly unknown[]): number {
  return canonicalHash(values, 0);
}

/** Task index for the default mode: `hash mod n`. */
export function stableTaskIndex(values: readonly unknown[], numTasks: number): number {
  return stableFieldsHash(values) % numTasks;
}

// ---------------------------------------------------------------------------------------------
// Opt-in Java mode (`stormshift.fields.hash = "java"`): Arrays.deepHashCode + Math.floorMod, as
// Storm's TupleUtils.chooseTaskIndex does, so code asserting exact task ids keeps passing.

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/** Java `String.hashCode` over UTF-16 code units. */
export function javaStringHashCode(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return h;
}

function longHashCode(v: bigint): number {
  const u = BigInt.asUintN(64, v);
  return Number(BigInt.asIntN(32, u ^ (u >> 32n)));
}

const f64 = new Float64Array(1);
const f64Bits = new BigUint64Array(f64.buffer);

function doubleHashCode(v: number): number {
  // doubleToLongBits canonicalises NaN.
  f64[0] = Number.isNaN(v) ? NaN : v;
  const bits = Number.isNaN(v) ? 0x7ff8000000000000n : f64Bits[0]!;
  return longHashCode(bits);
}

/** Java `hashCode` of one value as Storm would see it after the JS → Java mapping of R4. */
export function javaHashCode(v: unknown, seen: Set<object> = new Set()): number {
  if (v === null || v === undefined) return 0;
  switch (typeof v) {
    case 'string':
      return javaStringHashCode(v);
    case 'boolean':
      return v ? 1231 : 1237;
    case 'number':
      if (Number.isInteger(v) && v >= INT32_MIN && v <= INT32_MAX) return v | 0; // Integer
      if (Number.isSafeInteger(v)) return longHashCode(BigInt(v)); // Long
      return doubleHashCode(v); // Double
    case 'bigint':
      if (v >= BigInt(INT32_MIN) && v <= BigInt(INT32_MAX)) return Number(v) | 0;
      return longHashCode(v);
    default:
      break;
  }
  if (v instanceof Uint8Array) {
    // byte[] in deepHashCode → Arrays.hashCode(byte[]) over signed bytes.
    let h = 1;
    for (let i = 0; i < v.length; i++) h = (Math.imul(h, 31) + ((v[i]! << 24) >> 24)) | 0;
    return h;
  }
  if (Array.isArray(v)) return javaDeepHashCode(v, seen);
  if (v instanceof Map) {
    let h = 0;
    for (const [k, val] of v) h = (h + (javaHashCode(k, seen) ^ javaHashCode(val, seen))) | 0;
    return h;
  }
  if (typeof v === 'object' && isPlainObject(v)) {
    // Java HashMap.hashCode: sum of key.hashCode ^ value.hashCode over entries.
    let h = 0;
    for (const [k, val] of Object.entries(v)) h = (h + (javaStringHashCode(k) ^ javaHashCode(val, seen))) | 0;
    return h;
  }
  return javaStringHashCode(String(v));
}

/** `java.util.Arrays.deepHashCode(values)`, as a signed int32. */
export function javaDeepHashCode(values: readonly unknown[], seen: Set<object> = new Set()): number {
  if (seen.has(values)) throw new TypeError('javaDeepHashCode: cyclic value cannot be hashed');
  seen.add(values);
  let h = 1;
  for (let i = 0; i < values.length; i++) h = (Math.imul(h, 31) + javaHashCode(values[i], seen)) | 0;
  seen.delete(values);
  return h;
}

/** `Math.floorMod(x, n)` for int32 x and positive n. */
export function floorMod(x: number, n: number): number {
  return ((x % n) + n) % n;
}

/** Task index in Java mode: `floorMod(Arrays.deepHashCode(values), n)`. */
export function javaTaskIndex(values: readonly unknown[], numTasks: number): number {
  return floorMod(javaDeepHashCode(values), numTasks);
}
