/**
 * Throughput of a plain kafkajs consume→produce loop through the test harness.
 *
 *   npx tsx harness/kafka/measure-loop.ts [--records 100000] [--partitions 1,4] [--direct]
 *
 * The input topic is filled first, then one consumer group member reads it with eachBatch and
 * writes every batch to an output topic (acks=all) before resolving its offsets. The clock
 * starts at the first batch, so the mock's 3 s initial group-join delay is not counted.
 * --direct bypasses the protocol proxy (plain clients only), to show what the proxy costs.
 * The mock retains only ~5 MiB per partition (about 110k of these records), which caps --records.
 */
import { parseArgs } from 'node:util';
import kafkajs from 'kafkajs';
import { startKafkaCluster } from './index.ts';

const { Kafka, logLevel } = kafkajs;

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '100000' },
    partitions: { type: 'string', default: '1,4' },
    size: { type: 'string', default: '32' },
    direct: { type: 'boolean', default: false },
  },
});
const records = Number(values.records);
const payload = 'x'.repeat(Number(values.size));
const partitionCounts = values.partitions.split(',').map(Number);

const cluster = await startKafkaCluster({ brokers: 3 });
const brokers = values.direct ? cluster.mockBrokers : cluster.brokers;
if (brokers.length === 0) throw new Error('--direct needs the mock cluster (unset KAFKA_BROKERS)');
const kafka = new Kafka({ brokers, clientId: 'measure-loop', logLevel: logLevel.NOTHING });

try {
  console.log(
    `kafkajs consume→produce loop, ${records} records of ${payload.length} B, 3 mock brokers, ` +
      `${values.direct ? 'direct to the mock' : 'through the protocol proxy'}`,
  );
  for (const partitions of partitionCounts) await measure(partitions);
} finally {
  await cluster.stop();
}

async function measure(partitions: number): Promise<void> {
  const input = `loop-in-${partitions}-${Date.now()}`;
  const output = `loop-out-${partitions}-${Date.now()}`;
  await cluster.createTopic(input, partitions);
  await cluster.createTopic(output, partitions);

  const producer = kafka.producer();
  await producer.connect();
  const fillStart = performance.now();
  const chunk = 1000;
  for (let i = 0; i < records; i += chunk) {
    const n = Math.min(chunk, records - i);
    await producer.send({
      topic: input,
      messages: Array.from({ length: n }, (_, j) => ({ key: String(i + j), value: payload })),
    });
  }
  const fillSeconds = (performance.now() - fillStart) / 1000;

  // The mock keeps only ~5 MiB of batches per partition and silently drops the oldest; a
  // consumer starting behind that point would never see them, and the loop would never end.
  const admin = kafka.admin();
  await admin.connect();
  const offsets = await admin.fetchTopicOffsets(input);
  await admin.disconnect();
  const dropped = offsets.reduce((sum, o) => sum + Number(o.low), 0);
  if (dropped > 0) {
    await producer.disconnect();
    throw new Error(
      `the mock's per-partition retention (5 MiB) already dropped ${dropped} input records; ` +
        'use fewer --records or more --partitions',
    );
  }

  const consumer = kafka.consumer({
    groupId: `loop-${partitions}-${Date.now()}`,
    sessionTimeout: 10_000,
    maxWaitTimeInMs: 100,
  });
  await consumer.connect();
  await consumer.subscribe({ topic: input, fromBeginning: true });

  let moved = 0;
  let loopStart = 0;
  let finish: () => void = () => {};
  const finished = new Promise<void>((resolve) => (finish = resolve));
  await consumer.run({
    eachBatchAutoResolve: false,
    eachBatch: async ({ batch, resolveOffset, heartbeat }) => {
      if (loopStart === 0) loopStart = performance.now();
      if (batch.messages.length === 0) return;
      await producer.send({
        topic: output,
        messages: batch.messages.map((m) => ({ key: m.key, value: m.value })),
      });
      resolveOffset(batch.lastOffset());
      await heartbeat();
      moved += batch.messages.length;
      if (moved >= records) finish();
    },
  });
  const timeout = setTimeout(() => finish(), Number(process.env.LOOP_TIMEOUT_MS ?? 300_000));
  await finished;
  clearTimeout(timeout);
  const loopSeconds = (performance.now() - loopStart) / 1000;
  await consumer.disconnect();
  await producer.disconnect();

  const rate = (n: number, s: number): string => `${Math.round(n / s).toLocaleString('en-US')} records/s`;
  console.log(
    `partitions=${partitions}: fill ${fillSeconds.toFixed(2)} s (${rate(records, fillSeconds)}), ` +
      `loop ${moved} records in ${loopSeconds.toFixed(2)} s (${rate(moved, loopSeconds)})`,
  );
}
