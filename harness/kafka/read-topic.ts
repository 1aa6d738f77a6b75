/**
 * Reads a whole topic as a read_committed consumer sees it, up to the end offsets taken at the
 * start. Done when every partition's position reached its end, which counts the batches the
 * reader steps over (aborted transactions) too, so no record count or quiet period is needed.
 * No open transaction may hold a partition back: readers wait at one, as Kafka's do.
 */
import kafkajs from 'kafkajs';

const { Kafka, logLevel } = kafkajs;
let readers = 0;

export async function readTopic(brokers: string[], topic: string): Promise<string[]> {
  process.env.KAFKAJS_NO_PARTITIONER_WARNING ??= '1';
  const kafka = new Kafka({ brokers, clientId: 'stormshift-read-topic', logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const ends = new Map<number, bigint>();
  try {
    for (const e of await admin.fetchTopicOffsets(topic)) ends.set(e.partition, BigInt(e.high));
  } finally {
    await admin.disconnect();
  }
  const positions = new Map<number, bigint>();
  const values: string[] = [];
  const reached = (): boolean => [...ends].every(([p, end]) => (positions.get(p) ?? 0n) >= end);
  if (reached()) return values;
  const consumer = kafka.consumer({
    groupId: `stormshift-read-topic-${process.pid}-${Date.now()}-${++readers}`,
    sessionTimeout: 4000,
    heartbeatInterval: 500,
    maxWaitTimeInMs: 100,
  });
  let done: () => void = () => {};
  const finished = new Promise<void>((resolve) => (done = resolve));
  const advance = (partition: number, next: bigint): void => {
    if (next > (positions.get(partition) ?? 0n)) positions.set(partition, next);
    if (reached()) done();
  };
  consumer.on(consumer.events.END_BATCH_PROCESS, (e) => {
    const { partition, lastOffset } = e.payload as { partition: number; lastOffset: string };
    advance(partition, BigInt(lastOffset) + 1n);
  });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        values.push(message.value?.toString() ?? '');
        advance(partition, BigInt(message.offset) + 1n);
      },
    });
    await finished;
  } finally {
    await consumer.disconnect();
  }
  return values;
}
