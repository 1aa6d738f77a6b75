/**
 * Kafka → Kafka records/s: the native runtime (kafkaSource → kafkaSink, at-least-once,
 * checkpoints every second) next to a plain kafkajs consume→produce loop, same broker, same run.
 *
 *   npx tsx samples/kafka-enrich/measure.ts [--records 100000] [--partitions 1,4] [--size 32]
 *
 * KAFKA_BROKERS picks a real cluster; otherwise the test harness's mock cluster (3 brokers behind
 * its protocol proxy). Each side reads the same pre-filled topic from the beginning with its own
 * group and writes to its own output topic with acks=all. Clocks start at the first record each
 * side sees (so the mock's ~3 s group-join delay is not counted) and stop when the last record
 * written is acknowledged.
 */
import { parseArgs } from 'node:util';
import kafkajs from 'kafkajs';
import { RuntimeMetrics, StreamEnvironment } from '../../runtime/index.ts';
import { kafkaSink, kafkaSource } from '../../runtime/connectors/kafka/index.ts';
import { startKafkaCluster } from '../../harness/kafka/index.ts';

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '100000' },
    partitions: { type: 'string', default: '1,4' },
    size: { type: 'string', default: '32' },
  },
});
const records = Number(values.records);
const payload = 'x'.repeat(Number(values.size));
process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';

const cluster = await startKafkaCluster({ brokers: 3 });
const kafka = new kafkajs.Kafka({ brokers: cluster.brokers, clientId: 'measure', logLevel: kafkajs.logLevel.NOTHING });
const rate = (n: number, s: number): string => `${Math.round(n / s).toLocaleString('en-US')} records/s`;
const stamp = `${process.pid}-${Date.now()}`;

try {
  console.log(
    `Kafka → Kafka, ${records} records of ${payload.length} B, ${cluster.external ? 'KAFKA_BROKERS cluster' : '3 mock brokers via the harness proxy'}, node ${process.version}`,
  );
  for (const partitions of values.partitions.split(',').map(Number)) {
    const input = `measure-in-${partitions}-${stamp}`;
    await cluster.createTopic(input, partitions);
    await cluster.createTopic(`${input}-loop`, partitions);
    await cluster.createTopic(`${input}-native`, partitions);
    await fill(input, partitions);
    const loop = await plainLoop(input, `${input}-loop`);
    const native = await nativeJob(input, `${input}-native`);
    console.log(
      `partitions=${partitions}: kafkajs loop ${loop.toFixed(2)} s (${rate(records, loop)}) | stormshift job ${native.toFixed(2)} s (${rate(records, native)}) | ratio ${(loop / native).toFixed(2)}`,
    );
  }
} finally {
  await cluster.stop();
}

async function fill(topic: string, partitions: number): Promise<void> {
  const producer = kafka.producer();
  await producer.connect();
  for (let i = 0; i < records; i += 1000) {
    await producer.send({
      topic,
      messages: Array.from({ length: Math.min(1000, records - i) }, (_, j) => ({
        key: String(i + j),
        value: payload,
        partition: (i + j) % partitions,
      })),
    });
  }
  await producer.disconnect();
  const admin = kafka.admin();
  await admin.connect();
  const offsets = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const held = offsets.reduce((a, o) => a + Number(o.high) - Number(o.low), 0);
  if (held !== records) {
    // librdkafka's mock trims old log segments: it holds roughly 110k small records per partition.
    throw new Error(
      `topic ${topic} holds ${held} of the ${records} records written (the broker dropped old segments); use fewer --records or more partitions`,
    );
  }
}

/** The baseline: one group member, eachBatch → send the batch (acks=all) → resolve its offsets. */
async function plainLoop(input: string, output: string): Promise<number> {
  const producer = kafka.producer();
  await producer.connect();
  const consumer = kafka.consumer({ groupId: `loop-${input}`, sessionTimeout: 10_000, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topic: input, fromBeginning: true });
  let moved = 0;
  let started = 0;
  let finish: () => void = () => {};
  const finished = new Promise<void>((resolve) => (finish = resolve));
  await consumer.run({
    eachBatchAutoResolve: false,
    eachBatch: async ({ batch, resolveOffset, heartbeat }) => {
      if (batch.messages.length === 0) return;
      if (started === 0) started = performance.now();
      await producer.send({
        topic: output,
        acks: -1,
        messages: batch.messages.map((m) => ({ key: m.key, value: m.value })),
      });
      resolveOffset(batch.lastOffset());
      await heartbeat();
      moved += batch.messages.length;
      if (moved >= records) finish();
    },
  });
  const timer = setTimeout(() => {
    console.error(`kafkajs loop stalled at ${moved} of ${records} records`);
    finish();
  }, 120_000);
  await finished;
  clearTimeout(timer);
  const seconds = (performance.now() - started) / 1000;
  await consumer.disconnect();
  await producer.disconnect();
  return seconds;
}

/** The same path as a stormshift job; done when the sink has had every record acknowledged. */
async function nativeJob(input: string, output: string): Promise<number> {
  const metrics = new RuntimeMetrics();
  let started = 0;
  const env = StreamEnvironment.create({ metrics, checkpoint: { intervalMs: 1000 }, log: () => {} });
  env
    .fromSource(
      kafkaSource<Buffer | null>({
        brokers: cluster.brokers,
        topics: input,
        groupId: `native-${input}`,
        startFrom: 'earliest',
        deserializer: 'bytes',
        metrics,
      }),
      { name: 'in' },
    )
    .map((v) => {
      if (started === 0) started = performance.now();
      return v;
    })
    .sinkTo(kafkaSink<Buffer | null>({ brokers: cluster.brokers, topic: output, serializer: 'bytes', metrics }), {
      name: 'out',
    });
  const job = env.executeAsync('measure');
  const sent = metrics.counter('kafka_producer_records_total', 'Records the Kafka sink got acknowledged', ['topic']);
  const deadline = Date.now() + 120_000;
  for (;;) {
    const value = (await sent.get()).values.reduce((a, v) => a + v.value, 0);
    if (value >= records) break;
    if (Date.now() > deadline)
      throw new Error(`stormshift job stalled at ${value} of ${records} records (${JSON.stringify(job.status())})`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const seconds = (performance.now() - started) / 1000;
  await job.cancel();
  return seconds;
}
