import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectSink, StreamEnvironment, type JobConfig } from '../../../../runtime/index.ts';
import { redisLookup, redisSink } from '../../../../runtime/connectors/redis/index.ts';
import { startRedis, type RedisTestServer } from '../../../harness/redis.ts';

let redis: RedisTestServer;
let client: Redis;
let p: string;

beforeAll(async () => {
  redis = await startRedis();
  client = new Redis(redis.url);
  p = redis.prefix;
});

afterAll(async () => {
  client?.disconnect();
  await redis?.stop();
});

const quiet: JobConfig = { log: () => {} };

describe('redis lookup (asyncMap)', () => {
  it('get / hget / hgetall enrich records; JSON values are parsed; missing keys give null or drop', async () => {
    await client.set(`${p}user:1`, JSON.stringify({ name: 'ada' }));
    await client.hset(`${p}h:1`, 'tier', 'gold', 'region', 'eu');
    const get = redisLookup<number, string>({
      url: redis.url,
      command: 'get',
      key: (id) => `${p}user:${id}`,
      parse: 'json',
      combine: (id, v) => `${id}:${(v as { name: string } | null)?.name ?? '-'}`,
    });
    const hget = redisLookup<number, string>({
      url: redis.url,
      command: 'hget',
      key: (id) => `${p}h:${id}`,
      field: 'tier',
      combine: (id, v) => `${id}:${String(v)}`,
      onMissing: 'drop',
    });
    const hgetall = redisLookup<number>({ url: redis.url, command: 'hgetall', key: (id) => `${p}h:${id}` });
    const signal = new AbortController().signal;
    expect(await get(1, signal)).toBe('1:ada');
    expect(await get(2, signal)).toBe('2:-');
    expect(await hget(1, signal)).toBe('1:gold');
    expect(await hget(2, signal)).toBeUndefined();
    expect(await hgetall(1, signal)).toEqual({ record: 1, value: { tier: 'gold', region: 'eu' } });
    expect(await hgetall(2, signal)).toEqual({ record: 2, value: null });
    await Promise.all([get.close(), hget.close(), hgetall.close()]);
  });

  it('in a job: asyncMap with the lookup, its LRU value cache keeps every record its own output and spares Redis', async () => {
    for (let u = 0; u < 10; u++) await client.set(`${p}name:${u}`, `user-${u}`);
    const lookup = redisLookup<{ id: number; user: number }, string>({
      url: redis.url,
      command: 'get',
      key: (r) => `${p}name:${r.user}`,
      combine: (r, name) => `${r.id}=${String(name)}`,
      cache: { maxEntries: 100, ttlMs: 60_000 },
    });
    const input = Array.from({ length: 2000 }, (_, id) => ({ id, user: id % 10 }));
    const sink = collectSink<string>();
    const env = StreamEnvironment.create(quiet);
    env
      .fromCollection(input)
      .asyncMap(lookup, { capacity: 50, retry: { maxAttempts: 3, delayMs: 20 } })
      .sinkTo(sink.sink);
    await env.execute('lookup-job');
    await lookup.close();
    expect(sink.values.length).toBe(2000);
    expect(new Set(sink.values)).toEqual(new Set(input.map((r) => `${r.id}=user-${r.user}`)));
    // Ten keys: at most a few concurrent misses per key before the first answer is cached.
    expect(lookup.stats.misses).toBeLessThanOrEqual(10 * 50);
    expect(lookup.stats.hits).toBeGreaterThan(1000);
  });

  it("asyncMap's own cache works when the output is the value alone (cacheKey)", async () => {
    await client.set(`${p}c:a`, 'A');
    const lookup = redisLookup<string, unknown>({
      url: redis.url,
      command: 'get',
      key: (k) => `${p}c:${k}`,
      combine: (_, v) => v,
    });
    let calls = 0;
    const counted = (k: string, signal: AbortSignal) => {
      calls++;
      return lookup(k, signal);
    };
    const sink = collectSink<unknown>();
    const env = StreamEnvironment.create(quiet);
    // A burst: records that miss while the key's first lookup is under way wait for its answer.
    env
      .generate<string>({ count: 300, generate: () => 'a' })
      .asyncMap(counted, { capacity: 1, cache: { maxEntries: 10, key: lookup.cacheKey }, name: 'enrich' })
      .sinkTo(sink.sink);
    await env.execute('lookup-cache');
    await lookup.close();
    expect(sink.values).toEqual(Array.from({ length: 300 }, () => 'A'));
    // One lookup for the one key, however long Redis takes to answer it.
    expect(calls).toBe(1);
  });
});

describe('redis sink (idempotent)', () => {
  it('set / hset write every record; a replay of the same records leaves the same state', async () => {
    const records = Array.from({ length: 500 }, (_, i) => ({ id: i, v: i * 2 }));
    const run = async () => {
      const env = StreamEnvironment.create(quiet);
      const s = env.fromCollection(records);
      s.sinkTo(
        redisSink<{ id: number; v: number }>({
          url: redis.url,
          command: 'set',
          key: (r) => `${p}s:${r.id}`,
          value: (r) => r.v,
        }),
      );
      s.sinkTo(
        redisSink<{ id: number; v: number }>({
          url: redis.url,
          command: 'hset',
          key: () => `${p}hash`,
          field: (r) => String(r.id),
          value: (r) => ({ v: r.v }),
        }),
      );
      await env.execute('redis-set');
    };
    await run();
    await run();
    expect(await client.get(`${p}s:499`)).toBe('998');
    expect(await client.hlen(`${p}hash`)).toBe(500);
    expect(await client.hget(`${p}hash`, '7')).toBe('{"v":14}');
  });

  it('incrby with a record id: replaying records (two writers, as after a restore) does not double-apply', async () => {
    const records = Array.from({ length: 1000 }, (_, i) => ({ id: `evt-${i}`, user: `u${i % 5}`, amount: 3 }));
    const sink = redisSink<(typeof records)[number]>({
      url: redis.url,
      command: 'incrby',
      key: (r) => `${p}total:${r.user}`,
      value: (r) => r.amount,
      id: (r) => r.id,
      dedupePrefix: `${p}applied:`,
      batchSize: 64,
    });
    const context = { jobName: 'j', operatorName: 'totals', subtaskIndex: 0, parallelism: 1, restored: false };
    const first = sink.createWriter(context);
    await first.open!();
    for (const r of records.slice(0, 700)) await first.write(r, 0);
    await first.prepareCommit!(1);
    await first.close!();
    // The restored job replays from an earlier position: 400..999, overlapping 400..699.
    const second = sink.createWriter({ ...context, restored: true });
    await second.open!();
    for (const r of records.slice(400)) await second.write(r, 0);
    await second.prepareCommit!(2);
    await second.close!();
    for (let u = 0; u < 5; u++) expect(await client.get(`${p}total:u${u}`)).toBe(String(200 * 3));
  });

  it('in a failing and restoring job, incrby totals come out exact', async () => {
    const n = 3000;
    let armed = true;
    const env = StreamEnvironment.create({
      ...quiet,
      checkpoint: { intervalMs: 20 },
      restart: { type: 'fixed-delay', attempts: 3, delayMs: 10 },
    });
    env
      .generate<number>({ count: n, ratePerSecond: 20_000, generate: (i) => i })
      .map((i) => {
        if (armed && i === 2000) {
          armed = false;
          throw new Error('transient');
        }
        return i;
      })
      .sinkTo(
        redisSink<number>({
          url: redis.url,
          command: 'incrby',
          key: (i) => `${p}sum:${i % 3}`,
          value: () => 1,
          id: (i) => `n${i}`,
          dedupePrefix: `${p}seen:`,
        }),
      );
    const result = await env.execute('redis-restore');
    expect(result.restarts).toBe(1);
    expect(
      Number(await client.get(`${p}sum:0`)) +
        Number(await client.get(`${p}sum:1`)) +
        Number(await client.get(`${p}sum:2`)),
    ).toBe(n);
  });

  it("'incrby' without an id is rejected up front", () => {
    expect(() => redisSink<number>({ url: redis.url, command: 'incrby', key: () => 'k', value: () => 1 })).toThrow(
      /'id' function/,
    );
  });
});
