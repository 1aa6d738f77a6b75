import type { Redis } from 'ioredis';
import { ConfigError } from '../../errors.ts';
import { lazyRequire } from '../../lazy-require.ts';

/** ioredis, loaded when a Redis connector first opens a client. */
export const ioredis = lazyRequire<typeof import('ioredis')>('ioredis');
import type { RedisConnectionOptions } from './client.ts';

/** A client plus whether the connector owns (and must close) it. */
export function openClient(what: string, options: RedisConnectionOptions): { client: Redis; owned: boolean } {
  if (options.client) return { client: options.client as Redis, owned: false };
  if (typeof options.url !== 'string' || options.url.length === 0)
    throw new ConfigError(`${what}: give a Redis 'url' or a 'client'`);
  // Commands fail fast while Redis is away instead of queueing without bound; the async operator's
  // retry / the job's restart strategy decide what happens next.
  const client = new (ioredis().Redis)(options.url, {
    maxRetriesPerRequest: 2,
    enableOfflineQueue: true,
    lazyConnect: false,
  });
  client.on('error', () => {});
  return { client, owned: true };
}
