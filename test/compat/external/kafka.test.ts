import type { Admin, Kafka } from 'kafkajs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  BaseBasicBolt,
  Config,
  Fields,
  LocalCluster,
  OutputCollector,
  SpoutOutputCollector,
  Time,
  TopologyBuilder,
  type BasicOutputCollector,
  type OutputFieldsDeclarer,
  type Tuple,
} from '../../../compat/index.ts';
import type { TopologyContext } from '../../../compat/component/context.ts';
import {
  DefaultTopicSelector,
  FieldNameBasedTupleToKafkaMapper,
  FirstPollOffsetStrategy,
  KafkaBolt,
  KafkaSpout,
  KafkaSpoutConfig,
  KafkaSpoutRetryExponentialBackoff,
  ProcessingGuarantee,
  TimeInterval,
  type KafkaSpoutMessageId,
} from '../../../compat/external/index.ts';
import { ApiKey } from '../../harness/kafka/index.ts';
import {
  client,
  committedOffsets,
  produce,
  range,
  readAll,
  startKafkaCluster,
  unique,
  waitFor,
  type KafkaTestCluster,
} from '../../runtime/connectors/kafka/helpers.ts';

let cluster: KafkaTestCluster;
let kafka: Kafka;
let admin: Admin;
let local: LocalCluster | undefined;

beforeAll(async () => {
  cluster = await startKafkaCluster({ brokers: 3 });
  kafka = client(cluster);
  admin = kafka.admin();
  await admin.connect();
});
afterEach(async () => {
  await local?.shutdown();
  local = undefined;
});
afterAll(async () => {
  await admin?.disconnect();
  await cluster?.stop();
});

interface Emitted {
  stream: string;
  values: unknown[];
  id: KafkaSpoutMessageId | undefined;
}

function fakeContext(componentId = 'kafka', taskIndex = 0, tasks = 1): TopologyContext {
  return {
    getThisComponentId: () => componentId,
    getThisTaskIndex: () => taskIndex,
    getComponentTasks: () => Array.from({ length: tasks }, (_, i) => i + 1),
  } as unknown as TopologyContext;
}

async function openSpout(
  config: ReturnType<ReturnType<typeof KafkaSpoutConfig.builder>['build']>,
  conf: Record<string, unknown> = {},
): Promise<{ spout: KafkaSpout; emitted: Emitted[] }> {
  const emitted: Emitted[] = [];
  const collector = new SpoutOutputCollector({
    emit: (stream, values, messageId) => {
      emitted.push({ stream, values: [...values], id: messageId as KafkaSpoutMessageId | undefined });
      return [];
    },
    emitDirect: () => {},
    getPendingCount: () => 0,
    flush: () => {},
    reportError: () => {},
  });
  const spout = new KafkaSpout(config);
  await spout.open(conf, fakeContext(), collector);
  return { spout, emitted };
}

/** Pumps until the spout emitted n tuples; no deadline of its own (the test timeout bounds it). */
async function pump(spout: KafkaSpout, emitted: Emitted[], n: number): Promise<void> {
  while (emitted.length < n) {
    const before = emitted.length;
    await spout.nextTuple();
    if (emitted.length === before) await new Promise((r) => setTimeout(r, 10));
  }
}

describe('KafkaSpout (storm-kafka-client surface)', () => {
  it('at-least-once: commits an offset only when it and every offset before it are acked; failed tuples are retried with back-off', async () => {
    const topic = unique('spout-ack');
    await cluster.createTopic(topic, 1);
    await produce(kafka, topic, range(10));
    const groupId = unique('g');
    const config = KafkaSpoutConfig.builder(cluster.brokers.join(','), topic)
      .setProp('group.id', groupId)
      .setProcessingGuarantee(ProcessingGuarantee.AT_LEAST_ONCE)
      .setFirstPollOffsetStrategy(FirstPollOffsetStrategy.EARLIEST)
      .setRecordTranslator((r) => [r.value(), r.offset()], new Fields('word', 'offset'))
      .setRetry(
        new KafkaSpoutRetryExponentialBackoff(
          TimeInterval.milliSeconds(100),
          TimeInterval.milliSeconds(100),
          3,
          TimeInterval.seconds(1),
        ),
      )
      .setOffsetCommitPeriodMs(0)
      .build();
    // Storm's Time drives the spout's commit period and retry back-off: simulated here, so the
    // retry's due time is exact instead of a wall-clock lower bound.
    Time.startSimulating();
    try {
      const { spout, emitted } = await openSpout(config);
      await pump(spout, emitted, 10);
      expect(emitted.map((e) => e.values[0])).toEqual(range(10));
      expect(emitted[3]!.id).toEqual({ topic, partition: 0, offset: 3, numFails: 0 });
      // Ack 0, 1, 2 and 4..9 but fail 3: the commit stops at 3.
      for (const e of emitted) if (e.id!.offset !== 3) spout.ack(e.id);
      spout.fail(emitted[3]!.id);
      // Commits happen from nextTuple (each offsetCommitPeriodMs), as in Storm.
      await waitFor(
        async () => {
          await spout.nextTuple();
          return (await committedOffsets(admin, groupId, topic))[0] === '3';
        },
        5000,
        'commit at 3',
      );
      // The failed tuple comes back once its back-off has passed on Storm's clock, not before.
      const backoff = config.retry.delayMs(1);
      Time.advanceTime(backoff - 1);
      await spout.nextTuple();
      expect(emitted).toHaveLength(10);
      Time.advanceTime(1);
      await pump(spout, emitted, 11);
      expect(emitted[10]!.values).toEqual(['r3', 3]);
      expect(emitted[10]!.id).toMatchObject({ offset: 3, numFails: 1 });
      spout.ack(emitted[10]!.id);
      await waitFor(
        async () => {
          await spout.nextTuple();
          return (await committedOffsets(admin, groupId, topic))[0] === '10';
        },
        5000,
        'commit at 10',
      );
      spout.close();
    } finally {
      Time.stopSimulating();
    }
  });

  it('at-most-once commits before emitting and emits untracked; maxUncommittedOffsets stops polling', async () => {
    const topic = unique('spout-amo');
    await cluster.createTopic(topic, 1);
    await produce(kafka, topic, range(5));
    const groupId = unique('g');
    const amo = await openSpout(
      KafkaSpoutConfig.builder(cluster.brokers.join(','), topic)
        .setProp('group.id', groupId)
        .setProcessingGuarantee(ProcessingGuarantee.AT_MOST_ONCE)
        .build(),
    );
    await pump(amo.spout, amo.emitted, 5);
    expect(amo.emitted.every((e) => e.id === undefined)).toBe(true);
    expect(amo.emitted[0]!.values).toEqual([topic, 0, 0, null, 'r0']);
    expect((await committedOffsets(admin, groupId, topic))[0]).toBe('5');
    amo.spout.close();

    const limited = await openSpout(
      KafkaSpoutConfig.builder(cluster.brokers.join(','), topic)
        .setProp('group.id', unique('g'))
        .setMaxUncommittedOffsets(2)
        .setFirstPollOffsetStrategy(FirstPollOffsetStrategy.EARLIEST)
        .build(),
    );
    await pump(limited.spout, limited.emitted, 2);
    for (let i = 0; i < 20; i++) await limited.spout.nextTuple();
    expect(limited.emitted).toHaveLength(2);
    limited.spout.ack(limited.emitted[0]!.id);
    await pump(limited.spout, limited.emitted, 3);
    limited.spout.close();
  });
});

describe('KafkaBolt', () => {
  it('acks a tuple once its send is acknowledged and fails it (with reportError) when the send fails', async () => {
    const topic = unique('bolt');
    await cluster.createTopic(topic, 1);
    const acked: unknown[] = [];
    const failed: unknown[] = [];
    const errors: unknown[] = [];
    const collector = new OutputCollector({
      emit: () => [],
      emitDirect: () => {},
      ack: (t) => void acked.push(t.getValue(0)),
      fail: (t) => void failed.push(t.getValue(0)),
      resetTimeout: () => {},
      reportError: (e) => void errors.push(e),
      flush: () => {},
    });
    const bolt = new KafkaBolt<string, string>()
      .withProducerProperties({ 'bootstrap.servers': cluster.brokers.join(',') })
      .withTopicSelector(new DefaultTopicSelector(topic));
    await bolt.prepare({}, fakeContext('out'), collector);
    const tuple = (key: string, message: string) =>
      ({
        getValue: (i: number) => [key, message][i],
        contains: () => true,
        getValueByField: (f: string) => (f === 'key' ? key : message),
        getSourceComponent: () => 'x',
        getValues: () => [key, message],
      }) as unknown as Tuple;
    bolt.execute(tuple('k1', 'one'));
    await waitFor(() => acked.length === 1, 10_000, 'ack of the first tuple');
    expect(failed).toEqual([]);
    // A non-retriable produce error (10 = MESSAGE_TOO_LARGE) for the next request.
    if (!cluster.external) {
      await cluster.pushRequestErrors(ApiKey.Produce, [10]);
      bolt.execute(tuple('k2', 'two'));
      await waitFor(() => failed.length === 1, 10_000, 'fail of the second tuple');
      expect(failed).toEqual(['k2']);
      expect(errors).toHaveLength(1);
    }
    bolt.cleanup();
    const out = await readAll(kafka, topic, 1);
    expect(out.map((r) => [r.key, r.value])).toEqual([['k1', 'one']]);
  });
});

describe('KafkaSpout in checkpoint mode', () => {
  it("its offset bookkeeping is plain data: a fresh instance given a snapshot of its fields resumes after the snapshot's last emitted offset", async () => {
    const topic = unique('spout-cp');
    await cluster.createTopic(topic, 1);
    await produce(kafka, topic, range(20));
    const config = KafkaSpoutConfig.builder(cluster.brokers.join(','), topic)
      .setProp('group.id', unique('g'))
      .setFirstPollOffsetStrategy(FirstPollOffsetStrategy.EARLIEST)
      .setRecordTranslator((r) => [r.value()], new Fields('word'))
      .build();
    const conf = { 'stormshift.reliability': 'checkpoint' };
    const first = await openSpout(config, conf);
    await pump(first.spout, first.emitted, 5);
    // What the executor snapshots at a barrier: the enumerable data fields, through a codec.
    const fields = JSON.parse(
      JSON.stringify(
        Object.fromEntries(
          Object.keys(first.spout).map((k) => [k, (first.spout as unknown as Record<string, unknown>)[k]]),
        ),
      ),
    ) as Record<string, unknown>;
    expect(Object.keys(fields).sort()).toEqual(['committed', 'offsetState', 'retryState']);
    expect(fields.offsetState).toEqual({ [`${topic}:0`]: { pending: [0, 1, 2, 3, 4], next: 5 } });
    await pump(first.spout, first.emitted, 8);
    first.spout.close();

    const second = await openSpout(config, conf);
    Object.assign(second.spout, fields);
    await pump(second.spout, second.emitted, 15);
    expect(second.emitted.map((e) => e.values[0])).toEqual(range(20).slice(5));
    second.spout.close();
  });
});

class CountBolt extends BaseBasicBolt {
  counts: Record<string, number> = {};
  execute(tuple: Tuple, collector: BasicOutputCollector): void {
    const word = tuple.getStringByField('word');
    const n = (this.counts[word] ?? 0) + 1;
    this.counts[word] = n;
    collector.emit([word, `${word}=${n}`]);
  }
  declareOutputFields(declarer: OutputFieldsDeclarer): void {
    declarer.declare(new Fields('key', 'message'));
  }
}

describe('KafkaSpout → bolt → KafkaBolt on LocalCluster', () => {
  it('moves every record, acking each tuple once the broker acknowledged its send', async () => {
    const input = unique('topo-in');
    const output = unique('topo-out');
    await cluster.createTopic(input, 2);
    await cluster.createTopic(output, 2);
    const words = Array.from({ length: 600 }, (_, i) => `w${i % 6}`);
    await produce(kafka, input, words, 2);
    const groupId = unique('g');
    const b = new TopologyBuilder();
    b.setSpout(
      'kafka',
      new KafkaSpout(
        KafkaSpoutConfig.builder(cluster.brokers.join(','), input)
          .setProp('group.id', groupId)
          .setFirstPollOffsetStrategy(FirstPollOffsetStrategy.EARLIEST)
          .setOffsetCommitPeriodMs(100)
          .setRecordTranslator((r) => [r.value()], new Fields('word'))
          .build(),
      ),
      2,
    );
    b.setBolt('count', new CountBolt(), 2).fieldsGrouping('kafka', new Fields('word'));
    b.setBolt(
      'out',
      new KafkaBolt<string, string>()
        .withProducerProperties({ 'bootstrap.servers': cluster.brokers.join(','), acks: '1' })
        .withTopicSelector(new DefaultTopicSelector(output))
        .withTupleToKafkaMapper(new FieldNameBasedTupleToKafkaMapper('key', 'message')),
      1,
    ).shuffleGrouping('count');
    local = new LocalCluster();
    await local.submitTopology('kafka-topo', new Config(), b.createTopology());
    const out = await readAll(kafka, output, words.length, 30_000);
    expect(out).toHaveLength(words.length);
    const finals = new Map<string, number>();
    for (const r of out) {
      const [w, n] = r.value.split('=');
      expect(r.key).toBe(w);
      finals.set(w!, Math.max(finals.get(w!) ?? 0, Number(n)));
    }
    expect(Object.fromEntries(finals)).toEqual({ w0: 100, w1: 100, w2: 100, w3: 100, w4: 100, w5: 100 });
    // Everything acked end to end, so the spouts commit the whole input.
    await waitFor(
      async () => {
        const c = await committedOffsets(admin, groupId, input);
        return c[0] === '300' && c[1] === '300';
      },
      15_000,
      'spout commits 300/300',
    );
  });
});
