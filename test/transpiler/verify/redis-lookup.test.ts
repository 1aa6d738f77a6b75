/**
 * A spout → RedisLookupBolt → bolt topology under `migrate --verify`, against a real Redis (the
 * test harness: REDIS_URL, else 127.0.0.1:6379, else a spawned redis-server; it fails with how to
 * get one when there is none). RedisLookupBolt becomes `asyncMap(redisLookup(...))`; both sides
 * look every order's user up in the same hash and must give the last bolt the same records.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../../transpiler/index.ts';
import { formatVerdicts, verifyMigration } from '../../../transpiler/verify/index.ts';
import { startRedis, type RedisTestServer } from '../../harness/redis.ts';
import { removeSandbox, sandbox } from '../sandbox.ts';

const TOPOLOGY = `import { BaseBasicBolt, BaseRichSpout, Fields, JedisPoolConfig, RedisDataType, RedisDataTypeDescription, RedisLookupBolt, TopologyBuilder, Values, type BasicOutputCollector, type Conf, type OutputFieldsDeclarer, type RedisLookupMapper, type SpoutOutputCollector, type TopologyContext, type Tuple } from '../compat/index.ts';

interface Order {
  userId: string;
  amount: number;
}

const ORDERS = ['u0', 'u1', 'u2', 'u3', 'u4', 'nobody'];

export class OrderSpout extends BaseRichSpout {
  private collector!: SpoutOutputCollector;
  private next = 0;

  open(_conf: Conf, _context: TopologyContext, collector: SpoutOutputCollector): void {
    this.collector = collector;
  }

  nextTuple(): void {
    const i = this.next++;
    this.collector.emit(new Values(JSON.stringify({ userId: ORDERS[i % ORDERS.length]!, amount: i })));
  }

  override declareOutputFields(declarer: OutputFieldsDeclarer): void {
    declarer.declare(new Fields('value'));
  }
}

// HGET <hash> <userId>, kept with the order's amount.
class RegionLookupMapper implements RedisLookupMapper {
  getDataTypeDescription(): RedisDataTypeDescription {
    return new RedisDataTypeDescription(RedisDataType.HASH, process.env.MIGRATE_TEST_HASH!);
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

export class Show extends BaseBasicBolt {
  execute(tuple: Tuple, collector: BasicOutputCollector): void {
    collector.emit(new Values(\`\${tuple.getStringByField('region')}: \${tuple.getIntegerByField('amount')}\`));
  }

  override declareOutputFields(declarer: OutputFieldsDeclarer): void {
    declarer.declare(new Fields('line'));
  }
}

const builder = new TopologyBuilder();
builder.setSpout('orders', new OrderSpout(), 1);
builder
  .setBolt('enrich', new RedisLookupBolt(JedisPoolConfig.fromUrl(process.env.MIGRATE_TEST_REDIS!), new RegionLookupMapper()), 2)
  .shuffleGrouping('orders');
builder.setBolt('show', new Show(), 2).shuffleGrouping('enrich');

export default builder.createTopology();
`;

let redis: RedisTestServer;
let client: Redis;
const dir = sandbox();

beforeAll(async () => {
  redis = await startRedis();
  client = new Redis(redis.url, { maxRetriesPerRequest: 1 });
}, 60_000);

afterAll(async () => {
  client?.disconnect();
  await redis?.stop();
  removeSandbox(dir);
});

/** HGET calls the server has answered so far (all clients). */
async function hgetCalls(): Promise<number> {
  const info = await client.info('commandstats');
  return Number(/cmdstat_hget:calls=(\d+)/.exec(info)?.[1] ?? 0);
}

describe('RedisLookupBolt under migrate --verify', { timeout: 300_000 }, () => {
  it('becomes asyncMap(redisLookup) and verifies equal against real Redis', async () => {
    const hash = `${redis.prefix}user-regions`;
    await client.hset(hash, { u0: 'eu', u1: 'us', u2: 'apac', u3: 'eu', u4: 'latam' });
    process.env.MIGRATE_TEST_REDIS = redis.url;
    process.env.MIGRATE_TEST_HASH = hash;
    mkdirSync(join(dir, 'src'));
    const file = join(dir, 'src', 'topology.ts');
    writeFileSync(file, TOPOLOGY);
    const result = await migrate({ paths: ['src'], cwd: dir });
    const findings = result.report.files.flatMap((f) => f.findings);
    expect(findings.filter((f) => f.status === 'left' || f.status === 'error')).toEqual([]);
    expect(findings.map((f) => f.code)).toContain('SS909');
    const after = result.changes.get(file)?.after ?? '';
    expect(after).toContain('.asyncMap(redisLookup<');
    expect(after).not.toContain('compat');
    const before = await hgetCalls();
    const [verdict] = await verifyMigration({
      root: result.root,
      changes: result.changes,
      topologies: result.topologies,
      records: 30,
    });
    expect(verdict!.status, formatVerdicts([verdict!])).toBe('equal');
    const show = verdict!.sinks.find((s) => s.component === 'show')!;
    expect([show.original, show.rewrite]).toEqual([30, 30]);
    // Both sides looked every order up in Redis (no cache): 30 HGETs each at least.
    expect((await hgetCalls()) - before).toBeGreaterThanOrEqual(60);
  });
});
