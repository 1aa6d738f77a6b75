import type { Admin, Kafka } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import {
  ConnectorError,
  ManualClock,
  RuntimeMetrics,
  StreamEnvironment,
  type JobConfig,
} from '../../../../runtime/index.ts';
import { kafkaSink, type KafkaTransactionCommittable } from '../../../../runtime/connectors/kafka/index.ts';
import { ApiKey, readTopic } from '../../../harness/kafka/index.ts';
import { range, readAll, unique, type KafkaTestCluster, useKafkaCluster } from './helpers.ts';

let cluster: KafkaTestCluster;
let kafka: Kafka;
let admin: Admin;

useKafkaCluster({ brokers: 3 }, (suite) => ({ cluster, kafka, admin } = suite));

const quiet: JobConfig = { log: () => {} };

async function counter(metrics: RuntimeMetrics, name: string): Promise<number> {
  const metric = await metrics.registry.getSingleMetric(name)?.get();
  return (metric?.values ?? []).reduce((a, v) => a + v.value, 0);
}

describe('kafka sink', () => {
  it('at-least-once: every record of a bounded job lands, with the chosen key and partition', async () => {
    const topic = unique('sink-alo');
    await cluster.createTopic(topic, 4);
    const input = Array.from({ length: 5000 }, (_, i) => ({ id: i, user: `u${i % 10}` }));
    const metrics = new RuntimeMetrics();
    const env = StreamEnvironment.create({ ...quiet, metrics, checkpoint: { intervalMs: 100 } });
    env.fromCollection(input).sinkTo(
      kafkaSink<{ id: number; user: string }>({
        brokers: cluster.brokers,
        topic,
        serializer: 'json',
        key: (v) => v.user,
        partitioner: (v, count) => v.id % count,
        metrics,
      }),
      { parallelism: 2 },
    );
    await env.execute('sink-alo');
    const out = await readAll(kafka, topic, input.length);
    expect(out).toHaveLength(input.length);
    for (const r of out) {
      const v = JSON.parse(r.value) as { id: number; user: string };
      expect(r.partition).toBe(v.id % 4);
      expect(r.key).toBe(v.user);
    }
    expect(new Set(out.map((r) => (JSON.parse(r.value) as { id: number }).id)).size).toBe(input.length);
    expect(await counter(metrics, 'stormshift_kafka_producer_records_total')).toBe(input.length);
  });

  it('a broker down mid-stream: sends retry with back-off (visible in metrics) and nothing is lost once it is back', async () => {
    const topic = unique('sink-down');
    await cluster.createTopic(topic, 3);
    const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
    const victim = topics[0]!.partitions.find((p) => p.partitionId === 0)!.leader;
    const total = 4000;
    const metrics = new RuntimeMetrics();
    const env = StreamEnvironment.create({ ...quiet, metrics, checkpoint: { intervalMs: 200 } });
    env.generate<string>({ count: total, ratePerSecond: 1000, generate: (i) => `r${i}` }, { parallelism: 1 }).sinkTo(
      kafkaSink<string>({
        brokers: cluster.brokers,
        topic,
        partitioner: (v, n) => Number(v.slice(1)) % n,
        lingerMs: 20,
        retry: { initialMs: 100, maxMs: 1000 },
        metrics,
      }),
    );
    const job = env.executeAsync('sink-down');
    let ended = false;
    void job.result.finally(() => (ended = true)).catch(() => {});
    // Event-driven, not timed: the broker goes down once records flow, and comes back once the sink
    // shows it is retrying (or the job ended without ever retrying, which the assertions then catch).
    const until = async (ready: () => Promise<boolean>): Promise<void> => {
      while (!ended && !(await ready())) await new Promise((r) => setTimeout(r, 20));
    };
    await until(async () => (await counter(metrics, 'stormshift_kafka_producer_records_total')) > 0);
    await cluster.brokerDown(victim);
    let retryingDuringOutage = 0;
    await until(
      async () => (retryingDuringOutage = await counter(metrics, 'stormshift_kafka_producer_retrying')) === 1,
    );
    await cluster.brokerUp(victim);
    const result = await job.result;
    expect(result.state).toBe('finished');
    expect(await counter(metrics, 'stormshift_kafka_producer_retries_total')).toBeGreaterThan(0);
    expect(retryingDuringOutage).toBe(1);
    // At-least-once: a retried send may land twice, so read until every distinct value arrived.
    const out = await readAll(kafka, topic, total, 30_000, (o) => new Set(o.map((r) => r.value)).size >= total);
    expect(new Set(out.map((r) => r.value))).toEqual(new Set(range(total)));
  });

  it('fails at open, naming the topic and brokers, when the topic does not exist', async () => {
    const env = StreamEnvironment.create({ ...quiet, restart: { type: 'none' } });
    env.fromCollection(['x']).sinkTo(kafkaSink<string>({ brokers: cluster.brokers, topic: 'no-such-sink-topic' }));
    const error = await env.execute('sink-missing').then(
      () => undefined,
      (e: unknown) => e,
    );
    let e: unknown = error;
    while (e && !(e instanceof ConnectorError)) e = (e as { cause?: unknown }).cause;
    expect((e as ConnectorError).code).toBe('KAFKA_UNKNOWN_TOPIC');
    expect((e as Error).message).toContain("'no-such-sink-topic'");
    expect((e as Error).message).toContain(cluster.brokers[0]!);
  });

  it('linger runs on the job clock: a partial batch is sent when a manual clock reaches lingerMs, not before', async () => {
    const topic = unique('sink-linger');
    await cluster.createTopic(topic, 1);
    const clock = new ManualClock();
    const sink = kafkaSink<string>({ brokers: cluster.brokers, topic, lingerMs: 50, batchRecords: 1000 });
    const context = { jobName: 'j', operatorName: 'out', subtaskIndex: 0, parallelism: 1, restored: false, clock };
    const writer = sink.createWriter(context);
    await writer.open!();
    const pending = () => (writer as unknown as { pending: unknown[] }).pending.length;
    expect(writer.write('a', 1)).toBeUndefined();
    expect(writer.write('b', 2)).toBeUndefined();
    clock.advance(49);
    expect(pending()).toBe(2);
    clock.advance(1);
    expect(pending()).toBe(0);
    expect((await readAll(kafka, topic, 2)).map((r) => r.value)).toEqual(['a', 'b']);
    await writer.close!();
  });
});

describe('kafka sink, exactly-once', () => {
  it('one transaction per checkpoint, committed only when the checkpoint completes; a clean run writes every record once', async () => {
    const topic = unique('sink-eos');
    await cluster.createTopic(topic, 2);
    const total = 3000;
    const metrics = new RuntimeMetrics();
    const env = StreamEnvironment.create({ ...quiet, metrics, checkpoint: { intervalMs: 100 } });
    env.generate<string>({ count: total, ratePerSecond: 3000, generate: (i) => `r${i}` }, { parallelism: 1 }).sinkTo(
      kafkaSink<string>({
        brokers: cluster.brokers,
        topic,
        guarantee: 'exactly-once',
        transactionalIdPrefix: unique('tx'),
        metrics,
      }),
    );
    const result = await env.execute('sink-eos');
    const committed = await metrics.registry.getSingleMetric('stormshift_kafka_producer_transactions_total')!.get();
    const committedCount = committed.values
      .filter((v) => v.labels.outcome === 'committed')
      .reduce((a, v) => a + v.value, 0);
    expect(committedCount).toBeGreaterThanOrEqual(2);
    expect(committedCount).toBeLessThanOrEqual(result.checkpoints);
    const out = await readAll(kafka, topic, total, 30_000, (o) => new Set(o.map((r) => r.value)).size >= total);
    expect(new Set(out.map((r) => r.value))).toEqual(new Set(range(total)));
    // read_committed (the harness proxy keeps Kafka's semantics on the mock): exact, restarts or not.
    expect(out.length, 'duplicates').toBe(total);
  });

  it('a barrier seals the transaction (id <prefix>-<subtask>-<n>); later records go to the next one; a restored writer commits the sealed ones by producer id and epoch and aborts what was left open', async () => {
    const topic = unique('sink-resume');
    await cluster.createTopic(topic, 1);
    const prefix = unique('tx');
    const sink = kafkaSink<string>({
      brokers: cluster.brokers,
      topic,
      guarantee: 'exactly-once',
      transactionalIdPrefix: prefix,
    });
    const context = { jobName: 'j', operatorName: 'out', subtaskIndex: 3, parallelism: 4, restored: false };
    const first = sink.createWriter(context);
    await first.open!();
    await first.write('a', 1);
    const sealing = first.prepareCommit!(1);
    // Written after the barrier, while the seal is still finishing: not part of checkpoint 1.
    await first.write('b', 2);
    const c1 = (await sealing) as KafkaTransactionCommittable;
    expect(c1.transactions).toMatchObject([{ transactionalId: `${prefix}-3-1`, checkpointId: 1, records: 1 }]);
    // Checkpoint 1 has not completed at barrier 2: both sealed transactions ride in checkpoint 2.
    const c2 = (await first.prepareCommit!(2)) as KafkaTransactionCommittable;
    expect(c2.transactions).toMatchObject([
      { transactionalId: `${prefix}-3-1`, records: 1 },
      { transactionalId: `${prefix}-3-2`, checkpointId: 2, records: 1 },
    ]);
    await first.commit!([c1]);
    await first.write('lost-with-the-crash', 3);
    await first.prepareCommit!(3);
    await first.write('open-at-the-crash', 4);
    await (first as unknown as { drain(): Promise<void> }).drain();
    if (!cluster.external)
      expect((await cluster.openTransactions()).sort()).toEqual([`${prefix}-3-2`, `${prefix}-3-3`, `${prefix}-3-4`]);

    // The process "dies" here (no close). A new incarnation restores checkpoint 2: the runtime
    // hands it checkpoint 2's committable before open.
    const second = sink.createWriter({ ...context, restored: true, restoredCheckpointId: 2 });
    await second.commit!([c2]);
    await second.open!();
    if (!cluster.external) expect(await cluster.openTransactions()).toEqual([]);
    await second.write('c', 3);
    const c3 = (await second.prepareCommit!(3)) as KafkaTransactionCommittable;
    expect(c3.transactions).toMatchObject([{ transactionalId: `${prefix}-3-3`, records: 1 }]);
    await second.commit!([c3]);
    // The dead incarnation's commit of its checkpoint-3 transaction is fenced.
    const zombie = await Promise.resolve(first.commit!([(await first.prepareCommit!(4))!])).then(
      () => 'committed',
      (e: unknown) => e,
    );
    expect(zombie).toBeInstanceOf(ConnectorError);
    await Promise.allSettled([first.close!(), second.close!()]);
    if (!cluster.external) expect(await cluster.openTransactions()).toEqual([]);
    expect(await readTopic(cluster.brokers, topic)).toEqual(['a', 'b', 'c']);
  });

  it('checkpoints that never complete: the sink opens no transaction past the ids a restore re-initialises, so after a crash nothing stays open and read_committed readers see the restored run', async () => {
    const topic = unique('sink-backlog');
    await cluster.createTopic(topic, 1);
    const prefix = unique('tx');
    const sink = kafkaSink<string>({
      brokers: cluster.brokers,
      topic,
      guarantee: 'exactly-once',
      transactionalIdPrefix: prefix,
      lingeringTransactions: 3,
      batchRecords: 1,
    });
    const context = { jobName: 'j', operatorName: 'out', subtaskIndex: 0, parallelism: 1, restored: false };
    const first = sink.createWriter(context);
    await first.open!();
    // Checkpoints 1..5 reach the sink but none completes (timed out elsewhere): nothing commits.
    // A restore from "no checkpoint" re-initialises ids 1..3 only; a transaction under id 4 or 5
    // left open by the crash would hold read_committed readers back for good on this broker.
    let refused: unknown;
    for (let barrier = 1; barrier <= 5 && refused === undefined; barrier++) {
      try {
        await first.write(`lost-${barrier}`, barrier);
        await first.prepareCommit!(barrier);
      } catch (error) {
        refused = error;
      }
    }

    // The process dies here (no close); the job restarts with no checkpoint to restore.
    const second = sink.createWriter(context);
    await second.open!();
    await second.write('after', 1);
    await second.commit!([(await second.prepareCommit!(1)) as KafkaTransactionCommittable]);
    await second.close!();
    // Checked first: a read_committed reader waits at an open transaction (it would time out).
    if (!cluster.external) expect((await cluster.openTransactions()).filter((id) => id.startsWith(prefix))).toEqual([]);
    expect(await readTopic(cluster.brokers, topic)).toEqual(['after']);
    // The first writer stopped at the first id past the window, with an error naming it.
    expect(refused).toBeInstanceOf(ConnectorError);
    expect((refused as ConnectorError).code).toBe('KAFKA_TRANSACTIONS_BACKLOG');
    expect((refused as ConnectorError).retriable).toBe(true);
    expect((refused as Error).message).toContain(`'${prefix}-0-4'`);
  });

  it('checkpoints that complete, with or without records, never count against lingeringTransactions', async () => {
    const topic = unique('sink-bounded');
    await cluster.createTopic(topic, 1);
    const writer = kafkaSink<string>({
      brokers: cluster.brokers,
      topic,
      guarantee: 'exactly-once',
      transactionalIdPrefix: unique('tx'),
      lingeringTransactions: 2,
    }).createWriter({ jobName: 'j', operatorName: 'out', subtaskIndex: 0, parallelism: 1, restored: false });
    await writer.open!();
    const written: string[] = [];
    for (let barrier = 1; barrier <= 8; barrier++) {
      // Idle between barriers 3 and 6: those checkpoints seal nothing but still complete.
      if (barrier < 3 || barrier > 5) {
        await writer.write(`r${barrier}`, barrier);
        written.push(`r${barrier}`);
      }
      const committable = (await writer.prepareCommit!(barrier)) as KafkaTransactionCommittable | undefined;
      await writer.commit!(committable ? [committable] : []);
    }
    await writer.close!();
    expect(await readTopic(cluster.brokers, topic)).toEqual(written);
  });

  it('refuses lingeringTransactions below 2 (the sealed transaction and the next need two ids)', () => {
    expect(() =>
      kafkaSink<string>({
        brokers: ['127.0.0.1:9092'],
        topic: 't',
        guarantee: 'exactly-once',
        transactionalIdPrefix: 'p',
        lingeringTransactions: 1,
      }),
    ).toThrow("'lingeringTransactions' must be an integer of at least 2");
  });

  it('an EndTxn failure at checkpoint completion surfaces as a retriable KAFKA_COMMIT_FAILED', async () => {
    if (cluster.external) throw new Error('this test injects broker errors; unset KAFKA_BROKERS');
    const topic = unique('sink-endtxn');
    await cluster.createTopic(topic, 1);
    const writer = kafkaSink<string>({
      brokers: cluster.brokers,
      topic,
      guarantee: 'exactly-once',
      transactionalIdPrefix: unique('tx'),
    }).createWriter({
      jobName: 'j',
      operatorName: 'out',
      subtaskIndex: 0,
      parallelism: 1,
      restored: false,
    });
    await writer.open!();
    await writer.write('x', 1);
    const c = (await writer.prepareCommit!(1)) as KafkaTransactionCommittable;
    // 47 = INVALID_PRODUCER_EPOCH: not retriable, so kafkajs gives up at once.
    await cluster.pushRequestErrors(ApiKey.EndTxn, [47]);
    const error = await Promise.resolve(writer.commit!([c])).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConnectorError);
    expect((error as ConnectorError).code).toBe('KAFKA_COMMIT_FAILED');
    expect((error as ConnectorError).retriable).toBe(true);
    expect((error as Error).message).toContain('checkpoint 1');
    await writer.close!();
  });
});
