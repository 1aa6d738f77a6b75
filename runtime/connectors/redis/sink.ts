import type { Redis } from 'ioredis';
import type { Sink, SinkContext, SinkWriter } from '../../api/sink.ts';
import { ConfigError, ConnectorError } from '../../errors.ts';
import type { RedisConnectionOptions } from './client.ts';
import { openClient } from './open-client.ts';

export type RedisSinkCommand = 'set' | 'hset' | 'incrby';

export interface RedisSinkOptions<T> extends RedisConnectionOptions {
  command: RedisSinkCommand;
  key: (record: T) => string;
  /** Hash field, for 'hset'. */
  field?: (record: T) => string;
  /** Value for 'set' / 'hset' (strings as is, the rest as JSON); the delta (integer) for 'incrby'. */
  value: (record: T) => unknown;
  /**
   * 'incrby' only: a stable id per record (e.g. Kafka topic/partition/offset, or an event id). The
   * increment is applied only if this id was not applied before, atomically in Redis.
   */
  id?: (record: T) => string;
  /** 'incrby' only: key prefix under which applied ids are remembered. Default 'stormshift:applied:'. */
  dedupePrefix?: string;
  /** 'incrby' only: how long an applied id is remembered; a replay must come within it. Default 7 days. */
  dedupeTtlSeconds?: number;
  /** 'set' only: expire keys after this many seconds. */
  ttlSeconds?: number;
  /** Commands per pipeline. Default 500. */
  batchSize?: number;
}

// SET NX on the id marker and INCRBY in one script, so no crash can separate "applied" from
// "remembered as applied".
const INCR_ONCE = `if redis.call('SET', KEYS[2], '1', 'NX', 'EX', ARGV[2]) then return redis.call('INCRBY', KEYS[1], ARGV[1]) end return false`;

/**
 * An idempotent Redis sink: whatever the job replays after a restore leaves Redis as if each
 * record had been written once.
 *   - 'set' / 'hset' overwrite: a replay writes the same values in the same order again, ending
 *     in the same state (last write wins, per key and field).
 *   - 'incrby' is not idempotent by itself, so each record carries an id; the increment is applied
 *     only the first time its id is seen (within `dedupeTtlSeconds`).
 * Writes are pipelined; a checkpoint completes only after every write before its barrier was
 * acknowledged (at-least-once delivery + idempotence = effectively once).
 */
export function redisSink<T>(options: RedisSinkOptions<T>): Sink<T> {
  const what = `redis sink (${options.command})`;
  if (!['set', 'hset', 'incrby'].includes(options.command))
    throw new ConfigError(`${what}: 'command' must be 'set', 'hset' or 'incrby'`);
  if (typeof options.key !== 'function' || typeof options.value !== 'function')
    throw new ConfigError(`${what}: 'key' and 'value' must be functions of the record`);
  if (options.command === 'hset' && typeof options.field !== 'function')
    throw new ConfigError(`${what}: 'hset' needs a 'field' function`);
  if (options.command === 'incrby' && typeof options.id !== 'function') {
    throw new ConfigError(
      `${what}: 'incrby' needs an 'id' function (a stable id per record), otherwise a replay after restore would count twice`,
    );
  }
  if (!options.client && !options.url) throw new ConfigError(`${what}: give a Redis 'url' or a 'client'`);
  return { createWriter: (context) => new RedisSinkWriter(options, context, what) };
}

class RedisSinkWriter<T> implements SinkWriter<T> {
  private connection: { client: Redis; owned: boolean } | undefined;
  private batch: T[] = [];
  private readonly inflight = new Set<Promise<void>>();
  private error: Error | undefined;
  private readonly batchSize: number;

  constructor(
    private readonly options: RedisSinkOptions<T>,
    private readonly context: SinkContext,
    private readonly what: string,
  ) {
    this.batchSize = options.batchSize ?? 500;
  }

  async open(): Promise<void> {
    this.connection = openClient(this.what, this.options);
    try {
      await this.connection.client.ping();
    } catch (error) {
      throw new ConnectorError(
        'REDIS_UNREACHABLE',
        `${this.what} '${this.context.operatorName}': cannot reach Redis${this.options.url ? ` at ${this.options.url}` : ''}: ${(error as Error).message}`,
        {
          cause: error,
          retriable: true,
        },
      );
    }
  }

  write(record: T): void | Promise<void> {
    if (this.error) throw this.error;
    this.batch.push(record);
    if (this.batch.length >= this.batchSize) return this.flush();
    return undefined;
  }

  private flush(): Promise<void> {
    if (this.batch.length === 0) return Promise.resolve();
    const records = this.batch;
    this.batch = [];
    const o = this.options;
    const pipeline = this.connection!.client.pipeline();
    for (const r of records) {
      const key = o.key(r);
      if (o.command === 'incrby') {
        const delta = o.value(r);
        if (!Number.isInteger(delta))
          throw new ConnectorError(
            'REDIS_BAD_VALUE',
            `${this.what}: delta for key '${key}' must be an integer, got ${String(delta)}`,
            { retriable: false },
          );
        pipeline.eval(
          INCR_ONCE,
          2,
          key,
          `${o.dedupePrefix ?? 'stormshift:applied:'}${o.id!(r)}`,
          String(delta),
          String(o.dedupeTtlSeconds ?? 7 * 24 * 3600),
        );
      } else {
        const raw = o.value(r);
        const value = typeof raw === 'string' ? raw : JSON.stringify(raw);
        if (o.command === 'hset') pipeline.hset(key, o.field!(r), value);
        else if (o.ttlSeconds !== undefined) pipeline.set(key, value, 'EX', o.ttlSeconds);
        else pipeline.set(key, value);
      }
    }
    const sending = pipeline.exec().then((results) => {
      const failed = results?.find(([error]) => error !== null);
      if (failed) throw failed[0]!;
    });
    const tracked = sending
      .catch((error: unknown) => {
        this.error ??= new ConnectorError(
          'REDIS_WRITE_FAILED',
          `${this.what} '${this.context.operatorName}': write failed: ${(error as Error).message}`,
          { cause: error, retriable: true },
        );
      })
      .finally(() => this.inflight.delete(tracked));
    this.inflight.add(tracked);
    return tracked.then(() => {
      if (this.error) throw this.error;
    });
  }

  async prepareCommit(): Promise<undefined> {
    await this.flush().catch(() => {});
    await Promise.all(this.inflight);
    if (this.error) throw this.error;
    return undefined;
  }

  async finish(): Promise<void> {
    await this.prepareCommit();
  }

  async close(): Promise<void> {
    const c = this.connection;
    this.connection = undefined;
    if (c?.owned) await c.client.quit().catch(() => c.client.disconnect());
  }
}
