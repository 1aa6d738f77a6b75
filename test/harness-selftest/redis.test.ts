import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { spawnRedisServer, startRedis } from '../harness/redis.ts';
import type { RedisTestServer } from '../harness/redis.ts';

const started: RedisTestServer[] = [];
const clients: Redis[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.disconnect();
  for (const s of started.splice(0)) await s.stop();
});

function connect(url: string): Redis {
  const client = new Redis(url, { maxRetriesPerRequest: 1 });
  clients.push(client);
  return client;
}

describe('redis harness', () => {
  it('starts or finds a redis that answers PING, with a unique key prefix', async () => {
    const a = await startRedis();
    const b = await startRedis();
    started.push(a, b);
    expect(a.prefix).not.toBe(b.prefix);
    const client = connect(a.url);
    expect(await client.ping()).toBe('PONG');
    await client.set(`${a.prefix}k`, 'v');
    expect(await client.get(`${a.prefix}k`)).toBe('v');
  });

  it('cleans its prefix on stop when the server is shared', async () => {
    const server = await startRedis();
    const client = connect(server.url);
    await client.set(`${server.prefix}one`, '1');
    await client.set(`${server.prefix}two`, '2');
    await server.stop();
    if (server.source !== 'spawned') {
      expect(await client.exists(`${server.prefix}one`, `${server.prefix}two`)).toBe(0);
    }
  });

  it('starts its own redis-server on a free loopback port and stops it', async () => {
    const server = await spawnRedisServer();
    expect(server.source).toBe('spawned');
    expect(server.url).toMatch(/^redis:\/\/127\.0\.0\.1:\d+$/);
    const client = connect(server.url);
    expect(await client.ping()).toBe('PONG');
    // Persistence is off so a test server leaves nothing on disk.
    expect(await client.config('GET', 'save')).toEqual(['save', '']);
    expect(await client.config('GET', 'appendonly')).toEqual(['appendonly', 'no']);
    client.disconnect();
    await server.stop();
    const probe = new Redis(server.url, {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    probe.on('error', () => {});
    await expect(probe.connect()).rejects.toThrow();
    probe.disconnect();
  });
});
