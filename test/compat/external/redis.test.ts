import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  Config,
  Fields,
  LocalCluster,
  TopologyBuilder,
  BaseRichSpout,
  BaseBasicBolt,
  type BasicOutputCollector,
  type OutputFieldsDeclarer,
  type SpoutOutputCollector,
  type Tuple,
} from '../../../compat/index.ts';
import {
  JedisPoolConfig,
  RedisDataType,
  RedisDataTypeDescription,
  RedisLookupBolt,
  RedisStoreBolt,
  type RedisLookupMapper,
  type RedisStoreMapper,
} from '../../../compat/external/index.ts';
import { startRedis, type RedisTestServer } from '../../harness/redis.ts';
import { waitFor } from '../../runtime/connectors/kafka/helpers.ts';

let redis: RedisTestServer;
let client: Redis;
let local: LocalCluster | undefined;
const received: string[] = [];

beforeAll(async () => {
  redis = await startRedis();
  client = new Redis(redis.url);
});
afterEach(async () => {
  await local?.shutdown();
  local = undefined;
});
afterAll(async () => {
  client?.disconnect();
  await redis?.stop();
});

class UserSpout extends BaseRichSpout {
  private next = 0;
  private collector: SpoutOutputCollector | undefined;
  constructor(private readonly total: number) {
    super();
  }
  open(_c: unknown, _x: unknown, collector: SpoutOutputCollector): void {
    this.collector = collector;
  }
  nextTuple(): void {
    if (this.next < this.total) this.collector!.emit([`u${this.next % 4}`, this.next], this.next++);
  }
  declareOutputFields(d: OutputFieldsDeclarer): void {
    d.declare(new Fields('user', 'n'));
  }
}

class Capture extends BaseBasicBolt {
  execute(t: Tuple, _c: BasicOutputCollector): void {
    received.push(`${t.getStringByField('user')}:${String(t.getValueByField('tier'))}`);
  }
  declareOutputFields(): void {}
}

describe('storm-redis bolts on LocalCluster', () => {
  it('RedisLookupBolt (HASH, cached) enriches every tuple; RedisStoreBolt (STRING) writes', async () => {
    const p = redis.prefix;
    await client.hset(`${p}tiers`, 'u0', 'gold', 'u1', 'silver', 'u2', 'bronze');
    const lookupMapper: RedisLookupMapper = {
      getDataTypeDescription: () => new RedisDataTypeDescription(RedisDataType.HASH, `${p}tiers`),
      getKeyFromTuple: (t) => t.getStringByField('user'),
      getValueFromTuple: () => null,
      toTuple: (input, value) => [[input.getStringByField('user'), input.getValueByField('n'), value]],
      declareOutputFields: (d) => d.declare(new Fields('user', 'n', 'tier')),
    };
    const storeMapper: RedisStoreMapper = {
      getDataTypeDescription: () => new RedisDataTypeDescription(RedisDataType.STRING),
      getKeyFromTuple: (t) => `${p}last:${t.getStringByField('user')}`,
      getValueFromTuple: (t) => String(t.getValueByField('tier')),
    };
    const config = JedisPoolConfig.fromUrl(redis.url);
    const b = new TopologyBuilder();
    b.setSpout('users', new UserSpout(200));
    b.setBolt('lookup', new RedisLookupBolt(config, lookupMapper).withCache({ maxEntries: 10 }), 2).shuffleGrouping(
      'users',
    );
    b.setBolt('store', new RedisStoreBolt(config, storeMapper)).shuffleGrouping('lookup');
    b.setBolt('capture', new Capture()).shuffleGrouping('lookup');
    local = new LocalCluster();
    await local.submitTopology('redis-topo', new Config(), b.createTopology());
    await waitFor(() => received.length >= 200, 20_000, '200 enriched tuples');
    const counts = new Map<string, number>();
    for (const r of received) counts.set(r, (counts.get(r) ?? 0) + 1);
    expect(Object.fromEntries(counts)).toEqual({ 'u0:gold': 50, 'u1:silver': 50, 'u2:bronze': 50, 'u3:null': 50 });
    await waitFor(
      async () => (await client.get(`${p}last:u1`)) === 'silver' && (await client.get(`${p}last:u3`)) === 'null',
      5000,
      'store bolt wrote u1 and u3',
    );
  });
});
