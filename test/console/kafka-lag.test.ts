/**
 * Storm UI's Kafka spout lag (/api/v1/topology/:id/lag) for the compat KafkaSpout, against the
 * repo's Kafka-protocol test broker: per partition the log head, the group's committed offset and
 * the lag, in storm-kafka-monitor's shape, and the spout's "kafkaOffset" metric with Storm's keys.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Kafka } from 'kafkajs';
import { LocalCluster, TopologyBuilder } from '../../compat/index.ts';
import {
  FirstPollOffsetStrategy,
  KafkaSpout,
  KafkaSpoutConfig,
  ProcessingGuarantee,
} from '../../compat/external/index.ts';
import { RuntimeMetrics } from '../../runtime/index.ts';
import { JobSet, startConsoleServer, systemClock, type ConsoleServer } from '../../console/index.ts';
import { FnBolt } from '../compat/executor/fn-components.ts';
import {
  client,
  produce,
  range,
  startKafkaCluster,
  unique,
  waitFor,
  type KafkaTestCluster,
} from '../runtime/connectors/kafka/helpers.ts';

let broker: KafkaTestCluster;
let kafka: Kafka;
let cluster: LocalCluster;
let server: ConsoleServer;
let topologyId: string;
const topic = unique('lag');
let acked = 0;

interface PartitionLag {
  consumerCommittedOffset: number;
  logHeadOffset: number;
  lag: number;
}
type LagBody = Record<
  string,
  { spoutId: string; spoutType: string; spoutLagResult: Record<string, Record<string, PartitionLag>> }
>;

const lag = async (): Promise<LagBody> =>
  (await (await fetch(`${server.url}/api/v1/topology/${topologyId}/lag`)).json()) as LagBody;

beforeAll(async () => {
  broker = await startKafkaCluster({ brokers: 1 });
  kafka = client(broker);
  await broker.createTopic(topic, 2);
  // 10 records in each of the two partitions.
  await produce(kafka, topic, range(20), 2);
  cluster = new LocalCluster({ metrics: new RuntimeMetrics() });
  const b = new TopologyBuilder();
  b.setSpout(
    'kafka',
    new KafkaSpout(
      KafkaSpoutConfig.builder(broker.brokers.join(','), topic)
        .setProp('group.id', unique('lag-group'))
        .setProcessingGuarantee(ProcessingGuarantee.AT_LEAST_ONCE)
        .setFirstPollOffsetStrategy(FirstPollOffsetStrategy.EARLIEST)
        .setOffsetCommitPeriodMs(20)
        .build(),
    ),
    1,
  );
  b.setBolt(
    'ack',
    new FnBolt({
      execute: (t, c) => {
        c.ack(t);
        acked++;
      },
    }),
    1,
  ).shuffleGrouping('kafka');
  await cluster.submitTopology('lagged', {}, b.createTopology());
  const jobs = new JobSet(systemClock);
  jobs.add({ handle: cluster.getTopologyJob('lagged')!, storm: { run: cluster.getTopologyRun('lagged')!, cluster } });
  topologyId = cluster.getTopologyRun('lagged')!.stormId;
  server = await startConsoleServer({ jobs, port: 0 });
});

afterAll(async () => {
  await server?.close();
  await cluster?.shutdown();
  await broker?.stop();
});

it('reports per partition the log head, the committed offset and the lag; new records show as lag', async () => {
  await waitFor(() => acked >= 20);
  // Every record acked and committed: the lag drops to zero on both partitions.
  await waitFor(async () => {
    const r = (await lag()).kafka?.spoutLagResult[topic];
    return r?.['0']?.consumerCommittedOffset === 10 && r?.['1']?.consumerCommittedOffset === 10;
  });
  const caughtUp = await lag();
  expect(Object.keys(caughtUp)).toEqual(['kafka']);
  expect(caughtUp.kafka).toMatchObject({ spoutId: 'kafka', spoutType: 'KAFKA' });
  for (const p of ['0', '1']) {
    const row = caughtUp.kafka!.spoutLagResult[topic]![p]!;
    expect(row).toMatchObject({ consumerCommittedOffset: 10, logHeadOffset: 10, lag: 0 });
    for (const key of ['consumerCommittedOffset', 'logHeadOffset', 'lag'] as const)
      expect(typeof row[key]).toBe('number');
  }

  // A stopped spout reads nothing more: 5 new records on partition 0 are 5 records of lag there.
  await cluster.deactivate('lagged');
  await produce(
    kafka,
    topic,
    range(5, 'late').map((value) => ({ value, partition: 0 })),
  );
  const behind = (await lag()).kafka!.spoutLagResult[topic]!;
  expect(behind['0']).toMatchObject({ consumerCommittedOffset: 10, logHeadOffset: 15, lag: 5 });
  expect(behind['1']).toMatchObject({ consumerCommittedOffset: 10, logHeadOffset: 10, lag: 0 });

  // The same numbers under storm-kafka-client's metric names, for metrics consumers.
  const run = cluster.getTopologyRun('lagged')!;
  const [task] = [...run.taskContexts.values()].filter((t) => t.componentId === 'kafka');
  const metric = task!.context.getRegisteredMetricByName('kafkaOffset')!;
  expect(metric.getValueAndReset()).toMatchObject({
    [`${topic}/partition_0/spoutLag`]: 5,
    [`${topic}/partition_0/latestTimeOffset`]: 15,
    [`${topic}/partition_0/latestCompletedOffset`]: 10,
    [`${topic}/partition_0/latestEmittedOffset`]: 9,
    [`${topic}/totalSpoutLag`]: 5,
  });

  // After activation the spout reads them and the lag closes again.
  await cluster.activate('lagged');
  await waitFor(async () => (await lag()).kafka?.spoutLagResult[topic]?.['0']?.lag === 0);
  expect(acked).toBe(25);
});
