/**
 * An ioredis client (`new Redis(...)` from 'ioredis'). Typed by shape so that the published .d.ts
 * do not load ioredis's own declarations, which fail `tsc --strict` without skipLibCheck.
 */
export interface RedisClient {
  ping(): Promise<unknown>;
  quit(): Promise<unknown>;
  disconnect(): void;
}

export interface RedisConnectionOptions {
  /** `redis://host:port/db`; ignored when `client` is given. */
  url?: string;
  /** A client you own (and close); the connector then never disconnects it. */
  client?: RedisClient;
}
