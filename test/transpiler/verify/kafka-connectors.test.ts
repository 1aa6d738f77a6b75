/**
 * A Kafka → bolt → Kafka topology under `migrate --verify`, on the repo's Kafka-protocol test
 * broker: KafkaSpout becomes kafkaSource and KafkaBolt the exactly-once kafkaSink, and both sides
 * must give the sink the same records. The original's spout records from a real topic; both sides
 * then write to a real output topic (compat at-least-once, the rewrite in transactions).
 */
import type { Kafka } from 'kafkajs';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../../transpiler/index.ts';
import { formatVerdicts, verifyMigration } from '../../../transpiler/verify/index.ts';
import {
  client,
  produce,
  readAll,
  startKafkaCluster,
  unique,
  type KafkaTestCluster,
} from '../../runtime/connectors/kafka/helpers.ts';
import { removeSandbox, sandbox } from '../sandbox.ts';

const TOPOLOGY = `import { BaseBasicBolt, FieldNameBasedTupleToKafkaMapper, Fields, FirstPollOffsetStrategy, KafkaBolt, KafkaSpout, KafkaSpoutConfig, TopologyBuilder, Values, type BasicOutputCollector, type OutputFieldsDeclarer, type Tuple } from '../compat/index.ts';

export class Upper extends BaseBasicBolt {
  execute(tuple: Tuple, collector: BasicOutputCollector): void {
    collector.emit(new Values(tuple.getStringByField('key'), \`\${tuple.getIntegerByField('offset')}:\${tuple.getStringByField('value').toUpperCase()}\`));
  }

  override declareOutputFields(declarer: OutputFieldsDeclarer): void {
    declarer.declare(new Fields('key', 'message'));
  }
}

const brokers = process.env.MIGRATE_TEST_BROKERS!;
const builder = new TopologyBuilder();
builder.setSpout('events', new KafkaSpout(KafkaSpoutConfig.builder(brokers, process.env.MIGRATE_TEST_IN!).setProp('group.id', process.env.MIGRATE_TEST_GROUP!).setFirstPollOffsetStrategy(FirstPollOffsetStrategy.EARLIEST).build()));
builder.setBolt('upper', new Upper()).shuffleGrouping('events');
builder
  .setBolt('to-kafka', new KafkaBolt<string, string>().withProducerProperties({ 'bootstrap.servers': brokers }).withTopicSelector(process.env.MIGRATE_TEST_OUT!).withTupleToKafkaMapper(new FieldNameBasedTupleToKafkaMapper('key', 'message')))
  .shuffleGrouping('upper');

export default builder.createTopology();
`;

let cluster: KafkaTestCluster;
let kafka: Kafka;
const dir = sandbox();

beforeAll(async () => {
  cluster = await startKafkaCluster({ brokers: 1 });
  kafka = client(cluster);
}, 120_000);

afterAll(async () => {
  await cluster?.stop();
  removeSandbox(dir);
});

describe('Kafka connectors under migrate --verify', { timeout: 300_000 }, () => {
  // 3 partitions: the spout reads every partition, the sink writes keyed records over all of them.
  it.each([1, 3])(
    'KafkaSpout → kafkaSource and KafkaBolt → exactly-once kafkaSink verify equal on the test broker (%i partition(s))',
    async (partitions) => {
      const input = unique('migrate-in');
      const output = unique('migrate-out');
      await cluster.createTopic(input, partitions);
      await cluster.createTopic(output, partitions);
      await produce(
        kafka,
        input,
        Array.from({ length: 60 }, (_, i) => ({ key: `k${i % 4}`, value: `event ${i}` })),
        partitions,
      );
      process.env.MIGRATE_TEST_BROKERS = cluster.brokers.join(',');
      process.env.MIGRATE_TEST_IN = input;
      process.env.MIGRATE_TEST_OUT = output;
      process.env.MIGRATE_TEST_GROUP = unique('migrate-group');
      const src = join(dir, `src-${partitions}`);
      mkdirSync(src);
      const file = join(src, 'topology.ts');
      writeFileSync(file, TOPOLOGY);
      const result = await migrate({ paths: [`src-${partitions}`], cwd: dir });
      const codes = result.report.files.flatMap((f) => f.findings.map((x) => x.code));
      expect(codes).toEqual(expect.arrayContaining(['SS901', 'SS905']));
      expect(result.changes.get(file)?.after).toContain("guarantee: 'exactly-once'");
      const [verdict] = await verifyMigration({
        root: result.root,
        changes: result.changes,
        topologies: result.topologies,
        records: 40,
      });
      expect(verdict!.status, formatVerdicts([verdict!])).toBe('equal');
      const sink = verdict!.sinks.find((s) => s.component === 'to-kafka')!;
      expect([sink.original, sink.rewrite]).toEqual([40, 40]);
      // Both sides really wrote: each of the 40 records twice (compat's KafkaBolt, then the native sink).
      const written = await readAll(kafka, output, 80);
      const counts = new Map<string, number>();
      for (const r of written) counts.set(`${r.key} ${r.value}`, (counts.get(`${r.key} ${r.value}`) ?? 0) + 1);
      expect(counts.size).toBe(40);
      expect([...counts.values()].every((n) => n === 2)).toBe(true);
      // Offsets are per partition: with 3 partitions of 20 records, the 40 recorded came from
      // several of them, so at most 20 distinct offsets; the sink spread its keys over partitions too.
      const offsets = new Set([...counts.keys()].map((k) => k.split(' ')[1]!.split(':')[0]));
      if (partitions === 1) expect(offsets.size).toBe(40);
      else {
        expect(offsets.size).toBeLessThanOrEqual(20);
        expect(new Set(written.map((r) => r.partition)).size).toBeGreaterThan(1);
      }
    },
  );
});
