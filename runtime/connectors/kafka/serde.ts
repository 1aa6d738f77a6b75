import type { IHeaders } from 'kafkajs';

/** A record as the source read it, before decoding. */
export interface KafkaConsumerRecord {
  topic: string;
  partition: number;
  /** Kafka offsets are 64-bit; kept as the decimal string kafkajs gives. */
  offset: string;
  /** Milliseconds since the epoch (create time or log-append time, as the topic says). */
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: IHeaders;
}

export type Deserializer<T> = (record: KafkaConsumerRecord) => T;

/**
 * 'string' / 'json' / 'bytes' decode the value; 'record' gives the whole record with key and value
 * as UTF-8 strings. A custom function gets the raw record; whatever it throws makes the record
 * undecodable (dead-letter topic or job failure, by configuration).
 */
export type DeserializerSpec<T> = 'string' | 'json' | 'bytes' | 'record' | Deserializer<T>;

export interface DecodedRecord {
  topic: string;
  partition: number;
  offset: string;
  timestamp: number;
  key: string | null;
  value: string | null;
  headers: Record<string, string>;
}

export function resolveDeserializer<T>(spec: DeserializerSpec<T> | undefined): Deserializer<T> {
  switch (spec ?? 'string') {
    case 'string':
      return ((r: KafkaConsumerRecord) => (r.value === null ? null : r.value.toString('utf8'))) as Deserializer<T>;
    case 'json':
      return ((r: KafkaConsumerRecord) => {
        if (r.value === null) throw new Error('value is null (a tombstone), not JSON');
        return JSON.parse(r.value.toString('utf8')) as unknown;
      }) as Deserializer<T>;
    case 'bytes':
      return ((r: KafkaConsumerRecord) => r.value) as Deserializer<T>;
    case 'record':
      return ((r: KafkaConsumerRecord): DecodedRecord => ({
        topic: r.topic,
        partition: r.partition,
        offset: r.offset,
        timestamp: r.timestamp,
        key: r.key === null ? null : r.key.toString('utf8'),
        value: r.value === null ? null : r.value.toString('utf8'),
        headers: headersToStrings(r.headers),
      })) as Deserializer<T>;
    default:
      if (typeof spec !== 'function')
        throw new TypeError(
          `unknown Kafka deserializer ${JSON.stringify(spec)}: use 'string', 'json', 'bytes', 'record' or a function`,
        );
      return spec;
  }
}

function headersToStrings(headers: IHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const first = Array.isArray(value) ? value[0] : value;
    out[name] = first === undefined ? '' : first.toString();
  }
  return out;
}

/** What a sink writes: `undefined` key means none (kafkajs then spreads records over partitions). */
export type Serializer<T> = (value: T) => Buffer | string | null;
export type SerializerSpec<T> = 'string' | 'json' | 'bytes' | Serializer<T>;

export function resolveSerializer<T>(spec: SerializerSpec<T> | undefined): Serializer<T> {
  switch (spec ?? 'string') {
    case 'string':
      return (v: T) =>
        v === null || v === undefined
          ? null
          : typeof v === 'string'
            ? v
            : Buffer.isBuffer(v)
              ? v
              : typeof v === 'object'
                ? JSON.stringify(v)
                : String(v);
    case 'json':
      return (v: T) => JSON.stringify(v);
    case 'bytes':
      return (v: T) => {
        if (v === null) return null;
        if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
        throw new TypeError(`'bytes' serializer needs a Buffer or Uint8Array, got ${typeof v}`);
      };
    default:
      if (typeof spec !== 'function')
        throw new TypeError(
          `unknown Kafka serializer ${JSON.stringify(spec)}: use 'string', 'json', 'bytes' or a function`,
        );
      return spec;
  }
}
