/**
 * Local services for the sample: with KAFKA_BROKERS unset it starts the test harness's mock Kafka
 * cluster (librdkafka mock behind its protocol proxy), creates the topics, seeds the user regions
 * in Redis (REDIS_URL or 127.0.0.1:6379) and writes orders, then keeps running until Ctrl-C and
 * prints the KAFKA_BROKERS to use. With KAFKA_BROKERS set it only seeds.
 *   npx tsx samples/kafka-enrich/demo.ts [--orders 10000] [--users 1000]
 */
import { parseArgs } from 'node:util';
import kafkajs from 'kafkajs';
import { Redis } from 'ioredis';
import { startKafkaCluster } from '../../harness/kafka/index.ts';
import { INPUT_TOPIC, OUTPUT_TOPIC, REGIONS, redisUrl, USER_REGIONS } from './shared.ts';

const { values } = parseArgs({
  options: { orders: { type: 'string', default: '10000' }, users: { type: 'string', default: '1000' } },
});
const orders = Number(values.orders);
const users = Number(values.users);

const cluster = await startKafkaCluster({ brokers: 3 });
for (const topic of [INPUT_TOPIC, OUTPUT_TOPIC, `${OUTPUT_TOPIC}-topology`])
  await cluster.createTopic(topic, 4).catch(() => {});

const redis = new Redis(redisUrl());
const regions: Record<string, string> = {};
for (let u = 0; u < users; u++) regions[`u${u}`] = REGIONS[u % REGIONS.length]!;
await redis.hset(USER_REGIONS, regions);
redis.disconnect();

process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
const producer = new kafkajs.Kafka({ brokers: cluster.brokers, logLevel: kafkajs.logLevel.NOTHING }).producer();
await producer.connect();
for (let i = 0; i < orders; i += 1000) {
  await producer.send({
    topic: INPUT_TOPIC,
    messages: Array.from({ length: Math.min(1000, orders - i) }, (_, j) => {
      const n = i + j;
      return {
        key: `u${n % users}`,
        value: JSON.stringify({ orderId: `o${n}`, userId: `u${n % users}`, amount: (n % 100) + 0.5 }),
      };
    }),
  });
}
await producer.disconnect();
console.log(
  `seeded ${users} users in Redis (${redisUrl()}, hash '${USER_REGIONS}') and ${orders} orders in '${INPUT_TOPIC}'`,
);
if (cluster.external) {
  await cluster.stop();
} else {
  console.log(
    `mock Kafka running; in another shell:\n  export KAFKA_BROKERS=${cluster.brokers.join(',')}\nCtrl-C stops it.`,
  );
  process.on('SIGINT', () => void cluster.stop().then(() => process.exit(0)));
  setInterval(() => {}, 1 << 30);
}
