import type { Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';
import type { AsyncFunction } from '../../operators/async-io.ts';
import { ConfigError, ConnectorError } from '../../errors.ts';
import type { RedisConnectionOptions } from './client.ts';
import { openClient } from './open-client.ts';

export type RedisLookupCommand = 'get' | 'hget' | 'hgetall';

export interface RedisLookupOptions<IN, OUT> extends RedisConnectionOptions {
  command: RedisLookupCommand;
  /** The Redis key to read for a record. */
  key: (record: IN) => string;
  /** Hash field, for 'hget'. */
  field?: string | ((record: IN) => string);
  /** Decode a string value: as is (default) or JSON. ('hgetall' yields a field → string object.) */
  parse?: 'string' | 'json';
  /**
   * What the lookup yields for a record and the value found (`null` when the key or field is
   * absent; `{}` is never passed for 'hgetall': an empty hash is `null`). Default: `{ record, value }`.
   */
  combine?: (record: IN, value: unknown) => OUT | undefined;
  /** What to do when nothing is found: pass `null` to combine (default) or drop the record. */
  onMissing?: 'null' | 'drop';
  /**
   * An LRU cache (lru-cache) of looked-up values keyed by Redis key (and field), so hot keys skip
   * Redis while every record still gets its own `combine`. Misses (null) are cached too.
   */
  cache?: { maxEntries: number; ttlMs?: number };
}

/** An async lookup for `asyncMap` (an `undefined` result, from onMissing: drop, emits nothing), with its cache counters and a way to close its client. */
export interface RedisLookup<IN, OUT> extends AsyncFunction<IN, OUT> {
  readonly stats: { hits: number; misses: number };
  /** The asyncMap cache key of a record: what it looks up. Only right for asyncMap's own cache when the output depends on the value alone. */
  cacheKey(record: IN): string;
  /** Disconnects a client the lookup opened itself. */
  close(): Promise<void>;
}

/**
 * A dimension-table lookup in Redis for `DataStream.asyncMap`: the returned function reads one
 * key per record. The value cache lives here rather than in asyncMap's `cache` option because
 * asyncMap caches whole outputs per input, and an output that combines the record with the value
 * must not be served to another record with the same key; asyncMap's cache fits when the output
 * is the value alone (`combine: (_, v) => v`, `cache: { key: lookup.cacheKey, ... }`).
 * Failures are retriable ConnectorErrors, so asyncMap's retry option applies to them.
 */
export function redisLookup<IN, OUT = { record: IN; value: unknown }>(
  options: RedisLookupOptions<IN, OUT>,
): RedisLookup<IN, OUT> {
  const what = `redis lookup (${options.command})`;
  if (!['get', 'hget', 'hgetall'].includes(options.command))
    throw new ConfigError(`${what}: 'command' must be 'get', 'hget' or 'hgetall'`);
  if (typeof options.key !== 'function') throw new ConfigError(`${what}: 'key' must be a function of the record`);
  if (options.command === 'hget' && options.field === undefined)
    throw new ConfigError(`${what}: 'hget' needs a 'field'`);
  if (!options.client && !options.url) throw new ConfigError(`${what}: give a Redis 'url' or a 'client'`);
  const field = typeof options.field === 'function' ? options.field : () => options.field as string;
  const json = options.parse === 'json';
  const combine = options.combine ?? ((record: IN, value: unknown) => ({ record, value }) as OUT);
  let connection: { client: Redis; owned: boolean } | undefined;
  const client = (): Redis => (connection ??= openClient(what, options)).client;

  const cacheKey =
    options.command === 'hget'
      ? (record: IN) => `${options.key(record)}\u0000${field(record)}`
      : (record: IN) => options.key(record);
  const cache = options.cache
    ? new LRUCache<string, { value: unknown }>({
        max: options.cache.maxEntries,
        ...(options.cache.ttlMs ? { ttl: options.cache.ttlMs } : {}),
      })
    : undefined;
  const stats = { hits: 0, misses: 0 };

  const decode = (raw: string | null, key: string): unknown => {
    if (raw === null || !json) return raw;
    try {
      return JSON.parse(raw) as unknown;
    } catch (error) {
      throw new ConnectorError(
        'REDIS_BAD_VALUE',
        `${what}: value of key '${key}' is not JSON: ${(error as Error).message}`,
        { cause: error, retriable: false },
      );
    }
  };

  const fetch = async (record: IN, key: string): Promise<unknown> => {
    try {
      if (options.command === 'get') return decode(await client().get(key), key);
      if (options.command === 'hget') return decode(await client().hget(key, field(record)), key);
      const all = await client().hgetall(key);
      return Object.keys(all).length === 0 ? null : all;
    } catch (error) {
      if (error instanceof ConnectorError) throw error;
      throw new ConnectorError('REDIS_LOOKUP_FAILED', `${what} of key '${key}' failed: ${(error as Error).message}`, {
        cause: error,
        retriable: true,
      });
    }
  };

  const lookup = (async (record: IN): Promise<OUT | undefined> => {
    const key = options.key(record);
    let value: unknown;
    if (cache) {
      const ck = cacheKey(record);
      const hit = cache.get(ck);
      if (hit !== undefined) {
        stats.hits++;
        value = hit.value;
      } else {
        stats.misses++;
        value = await fetch(record, key);
        cache.set(ck, { value });
      }
    } else {
      value = await fetch(record, key);
    }
    if (value === null && options.onMissing === 'drop') return undefined;
    return combine(record, value);
  }) as unknown as RedisLookup<IN, OUT>;

  (lookup as { stats: typeof stats }).stats = stats;
  lookup.cacheKey = cacheKey;
  lookup.close = async () => {
    const c = connection;
    connection = undefined;
    if (c?.owned) await c.client.quit().catch(() => c.client.disconnect());
  };
  return lookup;
}
