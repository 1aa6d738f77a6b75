import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/**
 * A CommonJS library (kafkajs, ioredis, prom-client), loaded on first use. Every worker thread
 * imports the runtime's index through the job module; loading these up front cost each thread
 * ~0.1 s of CPU apiece, although a worker never serves /metrics and most jobs open no connection.
 */
export function lazyRequire<T>(id: string): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= require(id) as T);
}
