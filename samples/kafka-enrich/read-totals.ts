/**
 * Prints the latest total per region from both output topics, to compare the two versions.
 *   KAFKA_BROKERS=… npx tsx samples/kafka-enrich/read-totals.ts
 */
import kafkajs from 'kafkajs';
import { kafkaBrokers, OUTPUT_TOPIC } from './shared.ts';

const kafka = new kafkajs.Kafka({ brokers: kafkaBrokers(), logLevel: kafkajs.logLevel.NOTHING });
for (const topic of [OUTPUT_TOPIC, `${OUTPUT_TOPIC}-topology`]) {
  const consumer = kafka.consumer({ groupId: `read-totals-${process.pid}-${topic}`, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const latest = new Map<string, string>();
  let records = 0;
  await consumer.run({
    eachMessage: async ({ message }) => {
      records++;
      latest.set(message.key?.toString() ?? '', message.value?.toString() ?? '');
    },
  });
  // The mock broker delays a new group's first assignment by ~3 s.
  await new Promise((resolve) => setTimeout(resolve, 6000));
  await consumer.disconnect();
  console.log(
    `${topic}: ${records} records; latest per region: ${[...latest.keys()]
      .sort()
      .map((k) => latest.get(k))
      .join(' ')}`,
  );
}
