/**
 * Pins down what the Kafka test broker does with transactions, so that connector tests know
 * what they can prove. librdkafka 2.0.2's mock writes no control records, ignores read_committed
 * and stores no TxnOffsetCommit; the harness proxy keeps Kafka's transaction semantics on top
 * (harness/kafka/transactions.ts): read_committed readers see neither aborted nor open
 * transactions, a new InitProducerId aborts the previous one's open transaction, a fenced
 * producer's EndTxn fails, and offsets sent in a transaction are stored when it commits only. Against a real cluster (KAFKA_BROKERS) the same tests assert Kafka.
 * Also its retention: about 5 MiB per partition, the oldest batches dropped silently.
 */
import kafkajs from 'kafkajs';
import type { Kafka as KafkaClient } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKafkaCluster } from '../harness/kafka/index.ts';
import type { KafkaTestCluster } from '../harness/kafka/index.ts';

const { Kafka, logLevel } = kafkajs;

let cluster: KafkaTestCluster;
let kafka: KafkaClient;

beforeAll(async () => {
  cluster = await startKafkaCluster({ brokers: 3 });
  kafka = new Kafka({ brokers: cluster.brokers, clientId: 'limits', logLevel: logLevel.NOTHING });
});

afterAll(async () => {
  await cluster?.stop();
});

let reads = 0;

async function readAll(topic: string, readUncommitted: boolean, expected: number): Promise<string[]> {
  const consumer = kafka.consumer({
    groupId: `limits-${readUncommitted}-${topic}-${++reads}`,
    readUncommitted,
    sessionTimeout: 4000,
    heartbeatInterval: 500,
    maxWaitTimeInMs: 100,
  });
  const values: string[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    let settle: () => void = () => {};
    const settled = new Promise<void>((resolve) => (settle = resolve));
    let quiet: NodeJS.Timeout | undefined;
    await consumer.run({
      eachMessage: async ({ message }) => {
        values.push(message.value?.toString() ?? '');
        // Wait a little past the expected count so extra (aborted) records would show up too.
        if (values.length >= expected) {
          clearTimeout(quiet);
          quiet = setTimeout(settle, 500);
        }
      },
    });
    const timer = setTimeout(settle, 15_000);
    await settled;
    clearTimeout(timer);
    clearTimeout(quiet);
  } finally {
    await consumer.disconnect();
  }
  return values;
}

describe('transactions on the test broker', () => {
  it('commit, abort and sendOffsets succeed; visibility matches what the broker implements', async () => {
    const topic = `txn-${process.pid}-${Date.now()}`;
    const groupId = `txn-group-${topic}`;
    const abortedGroupId = `txn-aborted-group-${topic}`;
    await cluster.createTopic(topic, 1);

    const producer = kafka.producer({
      transactionalId: `tx-${topic}`,
      idempotent: true,
      maxInFlightRequests: 1,
    });
    await producer.connect();
    try {
      const committed = await producer.transaction();
      await committed.send({ topic, messages: [{ value: 'committed-1' }, { value: 'committed-2' }] });
      await committed.commit();

      const aborted = await producer.transaction();
      await aborted.send({ topic, messages: [{ value: 'aborted' }] });
      await aborted.sendOffsets({
        consumerGroupId: abortedGroupId,
        topics: [{ topic, partitions: [{ partition: 0, offset: '7' }] }],
      });
      await aborted.abort();

      const withOffsets = await producer.transaction();
      await withOffsets.send({ topic, messages: [{ value: 'committed-3' }] });
      await withOffsets.sendOffsets({
        consumerGroupId: groupId,
        topics: [{ topic, partitions: [{ partition: 0, offset: '42' }] }],
      });
      await withOffsets.commit();
    } finally {
      await producer.disconnect();
    }

    const admin = kafka.admin();
    await admin.connect();
    try {
      const [end] = await admin.fetchTopicOffsets(topic);
      const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
      const stored = offsets!.partitions[0]!.offset;
      const [abortedOffsets] = await admin.fetchOffsets({ groupId: abortedGroupId, topics: [topic] });
      // Offsets sent in a transaction are stored when it commits, never when it aborts.
      expect(abortedOffsets!.partitions[0]!.offset).toBe('-1');
      expect(stored).toBe('42');

      const readCommitted = await readAll(topic, false, 3);
      const readUncommitted = await readAll(topic, true, 4);
      expect(readUncommitted).toEqual(['committed-1', 'committed-2', 'aborted', 'committed-3']);

      if (cluster.external) {
        // A real broker writes a control record per transaction and hides aborted data.
        expect(Number(end!.high)).toBe(7);
        expect(readCommitted).toEqual(['committed-1', 'committed-2', 'committed-3']);
      } else {
        // The mock writes no control records and stores no transactional offsets; the proxy hides
        // the aborted record from read_committed readers and stores the committed offsets.
        expect(Number(end!.high)).toBe(4);
        expect(readCommitted).toEqual(['committed-1', 'committed-2', 'committed-3']);
      }
    } finally {
      await admin.disconnect();
    }
  });

  it('an open transaction holds read_committed readers back; a new InitProducerId aborts it and fences the old producer', async () => {
    const topic = `txn-open-${process.pid}-${Date.now()}`;
    await cluster.createTopic(topic, 1);
    const options = { transactionalId: `tx-${topic}`, idempotent: true, maxInFlightRequests: 1 };
    const before = kafka.producer();
    await before.connect();
    await before.send({ topic, messages: [{ value: 'plain-1' }] });
    const zombie = kafka.producer(options);
    await zombie.connect();
    const open = await zombie.transaction();
    await open.send({ topic, messages: [{ value: 'open' }] });
    await before.send({ topic, messages: [{ value: 'plain-2' }] });
    if (!cluster.external) expect(await cluster.openTransactions()).toEqual([`tx-${topic}`]);
    // Stops at the open transaction: plain-2, behind it, waits too (last stable offset).
    expect(await readAll(topic, false, 1)).toEqual(['plain-1']);

    const successor = kafka.producer(options);
    await successor.connect();
    const next = await successor.transaction();
    await next.send({ topic, messages: [{ value: 'successor' }] });
    await next.commit();
    const fenced = await open.commit().then(
      () => 'committed',
      (e: unknown) => e,
    );
    expect(fenced).toBeInstanceOf(Error);
    expect(await readAll(topic, false, 3)).toEqual(['plain-1', 'plain-2', 'successor']);
    if (!cluster.external) expect(await cluster.openTransactions()).toEqual([]);
    await Promise.allSettled([before.disconnect(), zombie.disconnect(), successor.disconnect()]);
  });

  it('admin APIs the mock does not implement fail as unsupported, not as a missing controller', async () => {
    if (cluster.external) return;
    const admin = kafka.admin();
    await admin.connect();
    try {
      await expect(admin.createTopics({ topics: [{ topic: `nope-${Date.now()}`, numPartitions: 1 }] })).rejects.toThrow(
        /does not support/,
      );
      await expect(admin.listGroups()).rejects.toThrow(/does not support/);
      // What works: metadata (auto-creating unknown topics with 4 partitions), offsets.
      const described = await admin.describeCluster();
      expect(described.controller).toBeGreaterThanOrEqual(1);
      const auto = `auto-${process.pid}-${Date.now()}`;
      const { topics } = await admin.fetchTopicMetadata({ topics: [auto] });
      expect(topics[0]?.partitions).toHaveLength(4);
    } finally {
      await admin.disconnect();
    }
  });
});

describe('retention on the test broker', () => {
  it('keeps about 5 MiB per partition: older batches are dropped and the log start offset moves past them', async () => {
    if (cluster.external) return;
    const topic = `limits-retention-${process.pid}-${Date.now().toString(36)}`;
    await cluster.createTopic(topic, 1);
    const producer = kafka.producer();
    await producer.connect();
    const value = 'x'.repeat(10_000);
    try {
      // 8 sends of 100 records of 10 kB: 8 MB in one partition, one batch per send.
      for (let i = 0; i < 8; i++)
        await producer.send({ topic, messages: Array.from({ length: 100 }, () => ({ value, partition: 0 })) });
    } finally {
      await producer.disconnect();
    }
    const admin = kafka.admin();
    await admin.connect();
    try {
      const [offsets] = await admin.fetchTopicOffsets(topic);
      expect(offsets!.high).toBe('800');
      // Whole batches go: at least 3 of the 8 (8 MB down to at most 5 MiB), never the last.
      expect(Number(offsets!.low)).toBeGreaterThanOrEqual(300);
      expect(Number(offsets!.low)).toBeLessThan(800);
      expect(Number(offsets!.low) % 100).toBe(0);
    } finally {
      await admin.disconnect();
    }
  });
});
