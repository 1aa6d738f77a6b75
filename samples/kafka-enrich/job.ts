/**
 * Kafka → enrich from Redis (async, cached) → running total per region → Kafka, as a native job.
 *   KAFKA_BROKERS=… REDIS_URL=… node cli/bin.js run samples/kafka-enrich/job.ts --checkpoint-interval 1000
 * Args (after `--`): --in <topic> --out <topic> --group <id>.
 */
import { defineJob } from '../../runtime/index.ts';
import { kafkaSink, kafkaSource } from '../../runtime/connectors/kafka/index.ts';
import { redisLookup } from '../../runtime/connectors/redis/index.ts';
import {
  argValue,
  INPUT_TOPIC,
  kafkaBrokers,
  OUTPUT_TOPIC,
  redisUrl,
  USER_REGIONS,
  type Order,
  type RegionTotal,
} from './shared.ts';

export default defineJob('kafka-enrich', (env, args) => {
  if (env.config.checkpoint?.intervalMs === undefined) env.configure({ checkpoint: { intervalMs: 1000 } });
  const brokers = kafkaBrokers();
  const metrics = env.config.metrics;
  env
    .fromSource(
      kafkaSource<Order>({
        brokers,
        topics: argValue(args, '--in', INPUT_TOPIC),
        groupId: argValue(args, '--group', 'kafka-enrich'),
        deserializer: 'json',
        ...(metrics ? { metrics } : {}),
      }),
      { name: 'orders', uid: 'orders' },
    )
    .asyncMap(
      redisLookup<Order, RegionTotal>({
        url: redisUrl(),
        command: 'hget',
        key: () => USER_REGIONS,
        field: (o) => o.userId,
        // Users change region rarely: a minute of staleness buys skipping Redis for hot users.
        cache: { maxEntries: 100_000, ttlMs: 60_000 },
        combine: (o, region) => ({
          region: typeof region === 'string' ? region : 'unknown',
          orders: 1,
          total: o.amount,
        }),
      }),
      {
        name: 'enrich',
        uid: 'enrich',
        capacity: 200,
        retry: { maxAttempts: 3, delayMs: 100, strategy: 'exponential' },
      },
    )
    .keyBy((t) => t.region)
    .reduce((a, b) => ({ region: a.region, orders: a.orders + b.orders, total: a.total + b.total }), {
      name: 'per-region',
      uid: 'per-region',
    })
    .sinkTo(
      kafkaSink<RegionTotal>({
        brokers,
        topic: argValue(args, '--out', OUTPUT_TOPIC),
        key: (t) => t.region,
        serializer: 'json',
        ...(metrics ? { metrics } : {}),
      }),
      { name: 'region-totals', uid: 'region-totals' },
    );
});
