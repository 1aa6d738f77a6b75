import { Buffer } from 'node:buffer';
import { NO_TIMESTAMP } from '../api/functions.ts';
import { ConfigError, SerializationError, describeRecord } from '../errors.ts';

/**
 * The binary form of record batches crossing worker threads. Structured clone walks every record
 * through V8's generic serializer and allocates on both sides; for the shapes records usually have
 * (strings, numbers, booleans, null, arrays and plain objects of them) a flat byte layout written
 * into a reusable, transferred ArrayBuffer costs a fraction of that. Anything else that structured
 * clone keeps intact (Date, Map, Set, typed arrays, bigint, RegExp) rides along in a side array that
 * is cloned with the batch. Class instances are refused at the crossing, naming the edge, unless a
 * codec for their class is registered: cloning them would silently drop their prototype.
 */

/** Turns instances of one class into plain data and back, on every thread that loads the job module. */
export interface RecordCodec<T> {
  encode(value: T): unknown;
  decode(data: unknown): T;
}

interface Registered {
  readonly name: string;
  readonly type: abstract new (...args: never[]) => unknown;
  readonly codec: RecordCodec<unknown>;
}

const byType = new Map<unknown, Registered>();
const byName = new Map<string, Registered>();

/**
 * Lets instances of `type` cross worker threads: they are encoded with `codec.encode` on the sending
 * side and rebuilt with `codec.decode` on the receiving one. Call it where the job module is loaded
 * (at its top level or in its build function), so that every worker registers the same codecs.
 */
export function registerRecordCodec<T>(
  type: abstract new (...args: never[]) => T,
  codec: RecordCodec<T>,
  name: string = type.name,
): void {
  if (!name) throw new ConfigError('registerRecordCodec: an anonymous class needs an explicit name');
  const existing = byName.get(name);
  if (existing) {
    if (existing.type === type) return;
    throw new ConfigError(`registerRecordCodec: the name '${name}' is already registered for another class`);
  }
  const entry: Registered = { name, type, codec: codec as RecordCodec<unknown> };
  byType.set(type.prototype, entry);
  byName.set(name, entry);
}

/** Item kinds on the wire. */
export const WIRE_RECORD = 0;
export const WIRE_WATERMARK = 1;
export const WIRE_BARRIER = 2;
export const WIRE_END = 3;

const KIND_MASK = 0x0f;
const FLAG_SAME_ADDRESS = 0x10;
const FLAG_NO_NUMBER = 0x20;

const T_UNDEFINED = 0;
const T_NULL = 1;
const T_FALSE = 2;
const T_TRUE = 3;
const T_INT = 4;
const T_FLOAT = 5;
const T_LATIN1 = 6;
const T_UTF8 = 7;
const T_ARRAY = 8;
const T_OBJECT = 9;
const T_CLONED = 10;
const T_CODEC = 11;
/** A bigint that fits in a signed 64-bit integer (compat's message ids): 8 bytes, no clone. */
const T_BIGINT64 = 12;
/** A registered codec already named earlier in the same batch: its index in the batch's table. */
const T_CODEC_REF = 13;

/** Strings longer than this go through TextEncoder/TextDecoder instead of a per-char loop. */
const NATIVE_STRING_MIN = 48;
/**
 * Short strings the decoder keeps, by a hash of their bytes (slots, a power of 2). Keys and words
 * repeat: a hit returns the string decoded before instead of building one char by char, which
 * saves the allocations (GC was the largest cost of a keyBy across workers) and hands keyed state
 * a string whose hash V8 has already computed.
 */
const STRING_CACHE_SLOTS = 4096;
const STRING_CACHE_MAX = 32;
const MAX_DEPTH = 64;

const textEncoder = new TextEncoder();

/** Built-in errors clone with their type; a user subclass of Error would come back as its base. */
const BUILTIN_ERRORS = new Set<object>(
  [Error, EvalError, RangeError, ReferenceError, SyntaxError, TypeError, URIError].map((e) => e.prototype),
);

/** Prototypes structured clone reproduces faithfully: values of these go to the side array. */
function clonesFaithfully(value: object): boolean {
  return (
    BUILTIN_ERRORS.has(Object.getPrototypeOf(value) as object) ||
    value instanceof Date ||
    value instanceof Map ||
    value instanceof Set ||
    value instanceof RegExp ||
    value instanceof ArrayBuffer ||
    ArrayBuffer.isView(value) ||
    value instanceof Boolean ||
    value instanceof Number ||
    value instanceof String ||
    (typeof SharedArrayBuffer !== 'undefined' && value instanceof SharedArrayBuffer)
  );
}

function className(value: object): string {
  const ctor = (value as { constructor?: { name?: unknown } }).constructor;
  return typeof ctor === 'function' && typeof ctor.name === 'string' && ctor.name ? ctor.name : 'an anonymous class';
}

/** Thrown inside the encoder; the outbox turns it into a SerializationError that names the edge. */
export class UnencodableRecord extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

/**
 * Writes one batch. Items: kind and flags (u8), gate (u32) and channel (u32) unless repeated, then
 * for a record its timestamp (f64, unless it has none) and value, for a watermark or barrier one
 * f64. The buffer grows by doubling; after a flush the outbox hands in a recycled one.
 */
export class BatchEncoder {
  private bytes: Uint8Array;
  private view: DataView;
  pos = 0;
  items = 0;
  extras: unknown[] | undefined;
  private lastGate = -1;
  private lastChannel = -1;
  /**
   * Codecs named so far in this batch, by their index in it: a codec's name is written once per
   * batch, later records refer to it by index (compat tuples would otherwise each carry it).
   */
  private codecIndex = new Map<Registered, number>();

  constructor(buffer: ArrayBuffer) {
    this.bytes = new Uint8Array(buffer);
    this.view = new DataView(buffer);
  }

  get buffer(): ArrayBuffer {
    return this.bytes.buffer as ArrayBuffer;
  }

  /** Starts a new batch in `buffer` (a recycled or fresh one). */
  reset(buffer: ArrayBuffer): void {
    if (buffer !== this.bytes.buffer) {
      this.bytes = new Uint8Array(buffer);
      this.view = new DataView(buffer);
    }
    this.pos = 0;
    this.items = 0;
    this.extras = undefined;
    this.lastGate = -1;
    this.lastChannel = -1;
    if (this.codecIndex.size > 0) this.codecIndex = new Map();
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.bytes.length) return;
    let size = this.bytes.length * 2;
    while (size < this.pos + n) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.bytes.subarray(0, this.pos));
    this.bytes = grown;
    this.view = new DataView(grown.buffer);
  }

  /** Appends a record; on failure the batch is left exactly as it was and UnencodableRecord is thrown. */
  writeRecord(gate: number, channel: number, value: unknown, timestamp: number): void {
    const start = this.pos;
    const extrasBefore = this.extras?.length ?? 0;
    const codecsBefore = this.codecIndex.size;
    const lastGate = this.lastGate;
    const lastChannel = this.lastChannel;
    this.writeHeader(WIRE_RECORD, gate, channel, timestamp, timestamp === NO_TIMESTAMP);
    try {
      this.writeValue(value, 0);
    } catch (error) {
      this.pos = start;
      this.lastGate = lastGate;
      this.lastChannel = lastChannel;
      if (this.extras) this.extras.length = extrasBefore;
      // A codec first named by the failed record is named again by the next one that uses it.
      if (this.codecIndex.size > codecsBefore)
        for (const [entry, index] of this.codecIndex) if (index >= codecsBefore) this.codecIndex.delete(entry);
      throw error;
    }
    this.items++;
  }

  writeControl(kind: number, gate: number, channel: number, number: number): void {
    this.writeHeader(kind, gate, channel, number, false);
    this.items++;
  }

  /**
   * kind byte with flags, then the address unless it repeats the previous item's (records to one
   * channel come in runs), then the number unless it is a record without a timestamp.
   */
  private writeHeader(kind: number, gate: number, channel: number, number: number, omitNumber: boolean): void {
    this.ensure(17);
    let p = this.pos;
    const sameAddress = gate === this.lastGate && channel === this.lastChannel;
    this.bytes[p++] = kind | (sameAddress ? FLAG_SAME_ADDRESS : 0) | (omitNumber ? FLAG_NO_NUMBER : 0);
    if (!sameAddress) {
      this.view.setUint32(p, gate, true);
      this.view.setUint32(p + 4, channel, true);
      p += 8;
      this.lastGate = gate;
      this.lastChannel = channel;
    }
    if (!omitNumber) {
      this.view.setFloat64(p, number, true);
      p += 8;
    }
    this.pos = p;
  }

  private writeValue(value: unknown, depth: number): void {
    switch (typeof value) {
      case 'string':
        this.writeString(value);
        return;
      case 'number':
        if ((value | 0) === value && (value !== 0 || 1 / value > 0)) {
          this.ensure(5);
          this.bytes[this.pos] = T_INT;
          this.view.setInt32(this.pos + 1, value, true);
          this.pos += 5;
        } else {
          this.ensure(9);
          this.bytes[this.pos] = T_FLOAT;
          this.view.setFloat64(this.pos + 1, value, true);
          this.pos += 9;
        }
        return;
      case 'boolean':
        this.ensure(1);
        this.bytes[this.pos++] = value ? T_TRUE : T_FALSE;
        return;
      case 'undefined':
        this.ensure(1);
        this.bytes[this.pos++] = T_UNDEFINED;
        return;
      case 'object':
        if (value === null) {
          this.ensure(1);
          this.bytes[this.pos++] = T_NULL;
          return;
        }
        if (depth > MAX_DEPTH) throw new UnencodableRecord(`it nests deeper than ${MAX_DEPTH} levels (a cycle?)`);
        if (Array.isArray(value)) {
          const n = value.length;
          this.ensure(5);
          this.bytes[this.pos] = T_ARRAY;
          this.view.setUint32(this.pos + 1, n, true);
          this.pos += 5;
          for (let i = 0; i < n; i++) this.writeValue(value[i], depth + 1);
          return;
        }
        {
          const proto = Object.getPrototypeOf(value) as object | null;
          if (proto === Object.prototype || proto === null) {
            this.writeObject(value as Record<string, unknown>, depth);
            return;
          }
          const registered = byType.get(proto);
          if (registered) {
            const index = this.codecIndex.get(registered);
            if (index === undefined) {
              this.codecIndex.set(registered, this.codecIndex.size);
              this.ensure(1);
              this.bytes[this.pos++] = T_CODEC;
              this.writeString(registered.name);
            } else {
              this.ensure(5);
              this.bytes[this.pos] = T_CODEC_REF;
              this.view.setUint32(this.pos + 1, index, true);
              this.pos += 5;
            }
            this.writeValue(registered.codec.encode(value), depth + 1);
            return;
          }
          if (clonesFaithfully(value)) {
            checkClonable(value, depth);
            this.writeCloned(value);
            return;
          }
          throw new UnencodableRecord(
            `it holds an instance of class ${className(value)}, whose prototype would be lost crossing threads; send plain objects, or register a codec for the class with registerRecordCodec()`,
          );
        }
      case 'bigint':
        if (BigInt.asIntN(64, value) === value) {
          this.ensure(9);
          this.bytes[this.pos] = T_BIGINT64;
          this.view.setBigInt64(this.pos + 1, value, true);
          this.pos += 9;
        } else this.writeCloned(value);
        return;
      default:
        throw new UnencodableRecord(`it holds a ${typeof value}, which cannot be copied to another thread`);
    }
  }

  private writeCloned(value: unknown): void {
    const extras = (this.extras ??= []);
    this.ensure(5);
    this.bytes[this.pos] = T_CLONED;
    this.view.setUint32(this.pos + 1, extras.length, true);
    this.pos += 5;
    extras.push(value);
  }

  private writeObject(value: Record<string, unknown>, depth: number): void {
    const countAt = this.pos + 1;
    this.ensure(5);
    this.bytes[this.pos] = T_OBJECT;
    this.pos += 5;
    let n = 0;
    for (const key in value) {
      if (!Object.prototype.hasOwnProperty.call(value, key)) continue;
      this.writeString(key);
      this.writeValue(value[key], depth + 1);
      n++;
    }
    this.view.setUint32(countAt, n, true);
  }

  private writeString(s: string): void {
    const n = s.length;
    if (n < NATIVE_STRING_MIN) {
      this.ensure(5 + n);
      const bytes = this.bytes;
      let p = this.pos + 5;
      let i = 0;
      for (; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c > 0xff) break;
        bytes[p++] = c;
      }
      if (i === n) {
        bytes[this.pos] = T_LATIN1;
        this.view.setUint32(this.pos + 1, n, true);
        this.pos = p;
        return;
      }
    }
    this.ensure(5 + n * 3);
    const written = textEncoder.encodeInto(s, this.bytes.subarray(this.pos + 5)).written;
    this.bytes[this.pos] = T_UTF8;
    this.view.setUint32(this.pos + 1, written, true);
    this.pos += 5 + written;
  }
}

/** Values inside a Map or Set are cloned, not encoded: refuse class instances in there as well. */
function checkClonable(value: unknown, depth: number): void {
  if (depth > MAX_DEPTH) throw new UnencodableRecord(`it nests deeper than ${MAX_DEPTH} levels (a cycle?)`);
  if (typeof value === 'function' || typeof value === 'symbol')
    throw new UnencodableRecord(`it holds a ${typeof value}, which cannot be copied to another thread`);
  if (typeof value !== 'object' || value === null) return;
  if (Array.isArray(value)) {
    for (const item of value) checkClonable(item, depth + 1);
    return;
  }
  const proto = Object.getPrototypeOf(value) as object | null;
  if (value instanceof Map) {
    for (const [k, v] of value) {
      checkClonable(k, depth + 1);
      checkClonable(v, depth + 1);
    }
    return;
  }
  if (value instanceof Set) {
    for (const v of value) checkClonable(v, depth + 1);
    return;
  }
  if (proto === Object.prototype || proto === null) {
    for (const key of Object.keys(value)) checkClonable((value as Record<string, unknown>)[key], depth + 1);
    return;
  }
  if (byType.has(proto))
    throw new UnencodableRecord(
      `it holds an instance of class ${className(value)} inside a Map or Set, where registered codecs do not apply`,
    );
  if (!clonesFaithfully(value)) {
    throw new UnencodableRecord(
      `it holds an instance of class ${className(value)}, whose prototype would be lost crossing threads; send plain objects, or register a codec for the class with registerRecordCodec()`,
    );
  }
}

/** Reads one batch item by item: `next()` fills kind, gate, channel and value (or number). */
export class BatchDecoder {
  private bytes = new Uint8Array(0);
  private view = new DataView(this.bytes.buffer);
  private buf = Buffer.alloc(0);
  private pos = 0;
  private end = 0;
  private extras: unknown[] | undefined;
  /** The codecs named so far in this batch, in order (see BatchEncoder.codecIndex). */
  private codecs: Registered[] = [];
  private readonly strings: Array<string | undefined> = new Array<string | undefined>(STRING_CACHE_SLOTS).fill(
    undefined,
  );
  kind = 0;
  gate = 0;
  channel = 0;
  /** The record's timestamp, or the watermark / checkpoint id. */
  number = 0;
  value: unknown = undefined;

  reset(buffer: ArrayBuffer, length: number, extras: unknown[] | undefined): void {
    this.bytes = new Uint8Array(buffer);
    this.view = new DataView(buffer);
    this.buf = Buffer.from(buffer, 0, length);
    this.pos = 0;
    this.end = length;
    this.extras = extras;
    this.gate = -1;
    this.channel = -1;
    if (this.codecs.length > 0) this.codecs = [];
  }

  next(): boolean {
    if (this.pos >= this.end) return false;
    let p = this.pos;
    const head = this.bytes[p++]!;
    this.kind = head & KIND_MASK;
    if ((head & FLAG_SAME_ADDRESS) === 0) {
      this.gate = this.view.getUint32(p, true);
      this.channel = this.view.getUint32(p + 4, true);
      p += 8;
    }
    if ((head & FLAG_NO_NUMBER) === 0) {
      this.number = this.view.getFloat64(p, true);
      p += 8;
    } else this.number = NO_TIMESTAMP;
    this.pos = p;
    this.value = this.kind === WIRE_RECORD ? this.readValue() : undefined;
    return true;
  }

  private readValue(): unknown {
    const bytes = this.bytes;
    const tag = bytes[this.pos++]!;
    switch (tag) {
      case T_INT: {
        const v = this.view.getInt32(this.pos, true);
        this.pos += 4;
        return v;
      }
      case T_LATIN1:
      case T_UTF8:
        return this.readString(tag);
      case T_FLOAT: {
        const v = this.view.getFloat64(this.pos, true);
        this.pos += 8;
        return v;
      }
      case T_NULL:
        return null;
      case T_UNDEFINED:
        return undefined;
      case T_FALSE:
        return false;
      case T_TRUE:
        return true;
      case T_ARRAY: {
        const n = this.view.getUint32(this.pos, true);
        this.pos += 4;
        const array = new Array<unknown>(n);
        for (let i = 0; i < n; i++) array[i] = this.readValue();
        return array;
      }
      case T_OBJECT: {
        const n = this.view.getUint32(this.pos, true);
        this.pos += 4;
        const object: Record<string, unknown> = {};
        for (let i = 0; i < n; i++) {
          const key = this.readString(bytes[this.pos++]!);
          // An own '__proto__' key must stay a key (as structured clone keeps it), not become the prototype.
          if (key === '__proto__')
            Object.defineProperty(object, key, {
              value: this.readValue(),
              enumerable: true,
              writable: true,
              configurable: true,
            });
          else object[key] = this.readValue();
        }
        return object;
      }
      case T_CLONED: {
        const index = this.view.getUint32(this.pos, true);
        this.pos += 4;
        return this.extras![index];
      }
      case T_BIGINT64: {
        const v = this.view.getBigInt64(this.pos, true);
        this.pos += 8;
        return v;
      }
      case T_CODEC: {
        const name = this.readString(bytes[this.pos++]!);
        const registered = byName.get(name);
        if (!registered) {
          throw new SerializationError(
            `a record of class ${name} arrived from another worker, but this worker has no codec registered under that name: call registerRecordCodec() in the job module itself, so every worker runs it`,
          );
        }
        this.codecs.push(registered);
        return registered.codec.decode(this.readValue());
      }
      case T_CODEC_REF: {
        const registered = this.codecs[this.view.getUint32(this.pos, true)];
        this.pos += 4;
        if (!registered)
          throw new SerializationError(
            `corrupt record batch from another worker (codec reference at byte ${this.pos - 5})`,
          );
        return registered.codec.decode(this.readValue());
      }
      default:
        throw new SerializationError(`corrupt record batch from another worker (tag ${tag} at byte ${this.pos - 1})`);
    }
  }

  private readString(tag: number): string {
    const n = this.view.getUint32(this.pos, true);
    const start = this.pos + 4;
    this.pos = start + n;
    if (tag === T_LATIN1 && n < NATIVE_STRING_MIN) {
      const bytes = this.bytes;
      const end = start + n;
      if (n > STRING_CACHE_MAX) {
        let s = '';
        for (let i = start; i < end; i++) s += String.fromCharCode(bytes[i]!);
        return s;
      }
      let h = n;
      for (let i = start; i < end; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
      const slot = (h ^ (h >>> 16)) & (STRING_CACHE_SLOTS - 1);
      const cached = this.strings[slot];
      if (cached !== undefined && cached.length === n) {
        let i = 0;
        while (i < n && cached.charCodeAt(i) === bytes[start + i]) i++;
        if (i === n) return cached;
      }
      let s = '';
      for (let i = start; i < end; i++) s += String.fromCharCode(bytes[i]!);
      this.strings[slot] = s;
      return s;
    }
    // Buffer's latin1 is ISO-8859-1; TextDecoder('latin1') would be windows-1252 and remap 0x80–0x9f.
    if (tag === T_LATIN1) return this.buf.toString('latin1', start, start + n);
    return this.buf.toString('utf8', start, start + n);
  }
}

/** The message for a record that cannot be encoded, naming the operators on both ends of the edge. */
export function unencodableError(edge: string, value: unknown, error: unknown): SerializationError {
  const reason =
    error instanceof UnencodableRecord ? error.reason : error instanceof Error ? error.message : String(error);
  return new SerializationError(`record ${describeRecord(value)} on edge ${edge} cannot cross threads: ${reason}`, {
    cause: error,
  });
}
