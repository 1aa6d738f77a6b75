/**
 * storm-redis's RedisLookupBolt and RedisStoreBolt on ioredis. The lookup is the runtime's
 * `redisLookup` (with its lru-cache value cache), and `execute` is async: the compat executor
 * awaits it and keeps each task's tuples in order (R6), so a task does one lookup at a time
 * unless the component sets `stormshift.task.max.inflight`.
 */
import { createRequire } from 'node:module';
import type { Redis } from 'ioredis';
import { redisLookup, type RedisLookup } from '../../runtime/index.ts';
import { BaseTickTupleAwareRichBolt } from '../component/base.ts';
import type { OutputCollector } from '../component/collectors.ts';
import type { Conf } from '../component/config.ts';
import type { TopologyContext } from '../component/context.ts';
import { IllegalArgumentException } from '../component/exceptions.ts';
import type { OutputFieldsDeclarer } from '../component/interfaces.ts';
import type { Tuple } from '../component/tuple.ts';

let ioredisModule: typeof import('ioredis') | undefined;
/** ioredis, loaded by the first store bolt: worker threads import compat without opening Redis. */
function ioredis(): typeof import('ioredis') {
  return (ioredisModule ??= createRequire(import.meta.url)('ioredis') as typeof import('ioredis'));
}

export enum RedisDataType {
  STRING = 'STRING',
  HASH = 'HASH',
  LIST = 'LIST',
  SET = 'SET',
  SORTED_SET = 'SORTED_SET',
}

export class RedisDataTypeDescription {
  constructor(
    readonly dataType: RedisDataType,
    /** The hash / sorted set key, for HASH and SORTED_SET (the tuple's key is then the field / member). */
    readonly additionalKey: string | null = null,
  ) {
    if ((dataType === RedisDataType.HASH || dataType === RedisDataType.SORTED_SET) && !additionalKey) {
      throw new IllegalArgumentException('Hash and Sorted Set should have additional key');
    }
  }
  getDataType(): RedisDataType {
    return this.dataType;
  }
  getAdditionalKey(): string | null {
    return this.additionalKey;
  }
}

export interface RedisMapper {
  getDataTypeDescription(): RedisDataTypeDescription;
}

export interface RedisLookupMapper extends RedisMapper {
  getKeyFromTuple(tuple: Tuple): string;
  getValueFromTuple(tuple: Tuple): string | null;
  /** Tuples to emit (anchored to the input) for the value found, `null` when absent. */
  toTuple(input: Tuple, value: unknown): unknown[][];
  declareOutputFields(declarer: OutputFieldsDeclarer): void;
}

export interface RedisStoreMapper extends RedisMapper {
  getKeyFromTuple(tuple: Tuple): string;
  getValueFromTuple(tuple: Tuple): string;
}

/** storm-redis's JedisPoolConfig, reduced to what names a server. */
export class JedisPoolConfig {
  constructor(
    readonly host: string = '127.0.0.1',
    readonly port: number = 6379,
    readonly timeout: number = 2000,
    readonly password: string | null = null,
    readonly database: number = 0,
  ) {}
  get url(): string {
    return `redis://${this.password ? `:${encodeURIComponent(this.password)}@` : ''}${this.host}:${this.port}/${this.database}`;
  }
  static Builder = class {
    #host = '127.0.0.1';
    #port = 6379;
    #timeout = 2000;
    #password: string | null = null;
    #database = 0;
    setHost(host: string): this {
      this.#host = host;
      return this;
    }
    setPort(port: number): this {
      this.#port = port;
      return this;
    }
    setTimeout(timeout: number): this {
      this.#timeout = timeout;
      return this;
    }
    setPassword(password: string | null): this {
      this.#password = password;
      return this;
    }
    setDatabase(database: number): this {
      this.#database = database;
      return this;
    }
    build(): JedisPoolConfig {
      return new JedisPoolConfig(this.#host, this.#port, this.#timeout, this.#password, this.#database);
    }
  };
  /** A config from `redis://host:port[/db]` (a stormshift convenience, e.g. for REDIS_URL). */
  static fromUrl(url: string): JedisPoolConfig {
    const u = new URL(url);
    return new JedisPoolConfig(
      u.hostname,
      Number(u.port || 6379),
      2000,
      u.password ? decodeURIComponent(u.password) : null,
      Number(u.pathname.slice(1) || 0),
    );
  }
}

const hidden = (target: object, key: string, value: unknown): void =>
  void Object.defineProperty(target, key, { value, enumerable: false, writable: true });

const lookups = new WeakMap<RedisLookupBolt, { lookup: RedisLookup<Tuple, unknown>; collector: OutputCollector }>();

export class RedisLookupBolt extends BaseTickTupleAwareRichBolt {
  declare private readonly config: JedisPoolConfig;
  declare private readonly lookupMapper: RedisLookupMapper;
  declare private cacheOptions: { maxEntries: number; ttlMs?: number } | undefined;

  constructor(config: JedisPoolConfig, lookupMapper: RedisLookupMapper) {
    super();
    // Configuration is non-enumerable: cloned per task (R9) but never part of a checkpoint.
    hidden(this, 'config', config);
    hidden(this, 'lookupMapper', lookupMapper);
    hidden(this, 'cacheOptions', undefined);
  }

  /** stormshift: cache looked-up values (lru-cache) per task, so hot keys skip Redis. */
  withCache(options: { maxEntries: number; ttlMs?: number }): this {
    this.cacheOptions = options;
    return this;
  }

  prepare(_conf: Conf, _context: TopologyContext, collector: OutputCollector): void {
    const d = this.lookupMapper.getDataTypeDescription();
    const type = d.getDataType();
    if (type !== RedisDataType.STRING && type !== RedisDataType.HASH) {
      throw new IllegalArgumentException(`RedisLookupBolt: data type ${type} is not supported (STRING and HASH are)`);
    }
    const lookup = redisLookup<Tuple, unknown>({
      url: this.config.url,
      // storm-redis: STRING → GET key; HASH → HGET additionalKey key.
      command: type === RedisDataType.STRING ? 'get' : 'hget',
      key: type === RedisDataType.STRING ? (t) => this.lookupMapper.getKeyFromTuple(t) : () => d.getAdditionalKey()!,
      ...(type === RedisDataType.HASH ? { field: (t: Tuple) => this.lookupMapper.getKeyFromTuple(t) } : {}),
      combine: (_t, value) => value,
      ...(this.cacheOptions ? { cache: this.cacheOptions } : {}),
    });
    lookups.set(this, { lookup, collector });
  }

  protected async process(input: Tuple): Promise<void> {
    const { lookup, collector } = lookups.get(this)!;
    try {
      const value = await lookup(input, new AbortController().signal);
      for (const values of this.lookupMapper.toTuple(input, value ?? null)) collector.emit(input, values);
      collector.ack(input);
    } catch (error) {
      collector.reportError(error);
      collector.fail(input);
    }
  }

  /** Lookup statistics of this task's cache. */
  cacheStats(): { hits: number; misses: number } | undefined {
    return lookups.get(this)?.lookup.stats;
  }

  declareOutputFields(declarer: OutputFieldsDeclarer): void {
    this.lookupMapper.declareOutputFields(declarer);
  }

  override cleanup(): void {
    const l = lookups.get(this);
    lookups.delete(this);
    void l?.lookup.close();
  }
}

const stores = new WeakMap<RedisStoreBolt, { client: Redis; collector: OutputCollector }>();

export class RedisStoreBolt extends BaseTickTupleAwareRichBolt {
  declare private readonly config: JedisPoolConfig;
  declare private readonly storeMapper: RedisStoreMapper;

  constructor(config: JedisPoolConfig, storeMapper: RedisStoreMapper) {
    super();
    hidden(this, 'config', config);
    hidden(this, 'storeMapper', storeMapper);
  }

  prepare(_conf: Conf, _context: TopologyContext, collector: OutputCollector): void {
    const client = new (ioredis().Redis)(this.config.url, {
      maxRetriesPerRequest: 2,
      connectTimeout: this.config.timeout,
    });
    client.on('error', () => {});
    stores.set(this, { client, collector });
  }

  protected async process(input: Tuple): Promise<void> {
    const { client, collector } = stores.get(this)!;
    const d = this.storeMapper.getDataTypeDescription();
    const key = this.storeMapper.getKeyFromTuple(input);
    const value = this.storeMapper.getValueFromTuple(input);
    try {
      switch (d.getDataType()) {
        case RedisDataType.STRING:
          await client.set(key, value);
          break;
        case RedisDataType.HASH:
          await client.hset(d.getAdditionalKey()!, key, value);
          break;
        case RedisDataType.LIST:
          await client.rpush(key, value);
          break;
        case RedisDataType.SET:
          await client.sadd(key, value);
          break;
        case RedisDataType.SORTED_SET:
          await client.zadd(d.getAdditionalKey()!, Number(value), key);
          break;
      }
      collector.ack(input);
    } catch (error) {
      collector.reportError(error);
      collector.fail(input);
    }
  }

  declareOutputFields(_declarer: OutputFieldsDeclarer): void {}

  override cleanup(): void {
    const s = stores.get(this);
    stores.delete(this);
    void s?.client.quit().catch(() => s.client.disconnect());
  }
}
