/** Redis connectors (ioredis): an async lookup for asyncMap and an idempotent sink. */
export { redisLookup, type RedisLookup, type RedisLookupOptions, type RedisLookupCommand } from './lookup.ts';
export { redisSink, type RedisSinkOptions, type RedisSinkCommand } from './sink.ts';
export type { RedisClient, RedisConnectionOptions } from './client.ts';
