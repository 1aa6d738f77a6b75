/**
 * The same pipeline as job.ts, as an unchanged-style Storm topology:
 * KafkaSpout → RedisLookupBolt (cached) → counting bolt (fields grouping by region) → KafkaBolt.
 *   KAFKA_BROKERS=… REDIS_URL=… node cli/bin.js run samples/kafka-enrich/topology.ts
 */
import {
  BaseBasicBolt,
  Config,
  Fields,
  TopologyBuilder,
  type BasicOutputCollector,
  type OutputFieldsDeclarer,
  type Tuple,
} from '../../compat/index.ts';
import {
  DefaultTopicSelector,
  FieldNameBasedTupleToKafkaMapper,
  FirstPollOffsetStrategy,
  JedisPoolConfig,
  KafkaBolt,
  KafkaSpout,
  KafkaSpoutConfig,
  RedisDataType,
  RedisDataTypeDescription,
  RedisLookupBolt,
  type RedisLookupMapper,
} from '../../compat/external/index.ts';
import { INPUT_TOPIC, kafkaBrokers, OUTPUT_TOPIC, redisUrl, USER_REGIONS, type Order } from './shared.ts';

class RegionLookupMapper implements RedisLookupMapper {
  getDataTypeDescription(): RedisDataTypeDescription {
    // storm-redis HASH lookup: HGET <additional key> <tuple key>.
    return new RedisDataTypeDescription(RedisDataType.HASH, USER_REGIONS);
  }
  getKeyFromTuple(tuple: Tuple): string {
    return (JSON.parse(tuple.getStringByField('value')) as Order).userId;
  }
  getValueFromTuple(): null {
    return null;
  }
  toTuple(input: Tuple, value: unknown): unknown[][] {
    const order = JSON.parse(input.getStringByField('value')) as Order;
    return [[typeof value === 'string' ? value : 'unknown', order.amount]];
  }
  declareOutputFields(declarer: OutputFieldsDeclarer): void {
    declarer.declare(new Fields('region', 'amount'));
  }
}

class RegionTotalBolt extends BaseBasicBolt {
  totals: Record<string, { orders: number; total: number }> = {};
  execute(tuple: Tuple, collector: BasicOutputCollector): void {
    const region = tuple.getStringByField('region');
    const t = (this.totals[region] ??= { orders: 0, total: 0 });
    t.orders++;
    t.total += tuple.getDoubleByField('amount');
    collector.emit([region, JSON.stringify({ region, orders: t.orders, total: t.total })]);
  }
  declareOutputFields(declarer: OutputFieldsDeclarer): void {
    declarer.declare(new Fields('key', 'message'));
  }
}

const brokers = kafkaBrokers().join(',');
const builder = new TopologyBuilder();
builder.setSpout(
  'orders',
  new KafkaSpout(
    KafkaSpoutConfig.builder(brokers, process.env.KAFKA_IN ?? INPUT_TOPIC)
      .setProp('group.id', process.env.KAFKA_GROUP ?? 'kafka-enrich-topology')
      .setFirstPollOffsetStrategy(FirstPollOffsetStrategy.UNCOMMITTED_EARLIEST)
      .setOffsetCommitPeriodMs(1000)
      .build(),
  ),
);
builder
  .setBolt(
    'enrich',
    new RedisLookupBolt(JedisPoolConfig.fromUrl(redisUrl()), new RegionLookupMapper()).withCache({
      maxEntries: 100_000,
      ttlMs: 60_000,
    }),
    2,
  )
  .shuffleGrouping('orders');
builder.setBolt('per-region', new RegionTotalBolt(), 2).fieldsGrouping('enrich', new Fields('region'));
builder
  .setBolt(
    'region-totals',
    new KafkaBolt<string, string>()
      .withProducerProperties({ 'bootstrap.servers': brokers, acks: 'all' })
      .withTopicSelector(new DefaultTopicSelector(process.env.KAFKA_OUT ?? `${OUTPUT_TOPIC}-topology`))
      .withTupleToKafkaMapper(new FieldNameBasedTupleToKafkaMapper('key', 'message')),
  )
  .shuffleGrouping('per-region');

export const config = new Config();
export default builder.createTopology();
