import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startKafkaCluster } from '../harness/kafka/index.ts';

const saved = { ...process.env };
const dirs: string[] = [];

afterEach(() => {
  for (const key of ['KAFKA_BROKERS', 'CC', 'STORMSHIFT_KAFKA_CACHE_DIR']) {
    if (saved[key] === undefined) delete process.env[key];
    else process.env[key] = saved[key];
  }
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('kafka harness setup', () => {
  it('says how to get Kafka when the launcher cannot be built', async () => {
    delete process.env.KAFKA_BROKERS;
    const cache = mkdtempSync(join(tmpdir(), 'stormshift-kafka-cache-'));
    dirs.push(cache);
    process.env.STORMSHIFT_KAFKA_CACHE_DIR = cache;
    process.env.CC = join(cache, 'no-such-compiler');
    const failure = startKafkaCluster({ brokers: 1 });
    await expect(failure).rejects.toThrow(/apt-get install librdkafka-dev build-essential/);
    await expect(failure).rejects.toThrow(/KAFKA_BROKERS=/);
  });

  it('uses KAFKA_BROKERS as an external cluster, where fault injection is refused', async () => {
    process.env.KAFKA_BROKERS = '127.0.0.1:1, 127.0.0.1:2';
    const cluster = await startKafkaCluster();
    expect(cluster.external).toBe(true);
    expect(cluster.brokers).toEqual(['127.0.0.1:1', '127.0.0.1:2']);
    await expect(cluster.brokerDown(1)).rejects.toThrow(/not supported on an external cluster/);
    await expect(cluster.pushRequestErrors(0, [6])).rejects.toThrow(/not supported on an external cluster/);
    await expect(cluster.setRtt(1, 10)).rejects.toThrow(/not supported on an external cluster/);
    await cluster.stop();
  });
});
