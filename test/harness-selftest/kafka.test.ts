import kafkajs from 'kafkajs';
import type { Consumer, Kafka as KafkaClient, Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKey, KafkaError, startKafkaCluster } from '../harness/kafka/index.ts';
import type { KafkaTestCluster } from '../harness/kafka/index.ts';

const { Kafka, logLevel } = kafkajs;

let cluster: KafkaTestCluster;
let kafka: KafkaClient;
const closers: Array<() => Promise<void>> = [];
let seq = 0;

function unique(name: string): string {
  return `${name}-${process.pid}-${++seq}`;
}

async function producer(config: Parameters<KafkaClient['producer']>[0] = {}): Promise<Producer> {
  const p = kafka.producer(config);
  await p.connect();
  closers.push(() => p.disconnect());
  return p;
}

/**
 * The mock holds a rebalance for (session timeout - 1 s) once a group has had members, and
 * holds fetches for maxWaitTime, so both are kept short to keep the suite fast.
 */
function consumer(groupId: string, client: KafkaClient = kafka): Consumer {
  const c = client.consumer({
    groupId,
    heartbeatInterval: 500,
    sessionTimeout: 4000,
    maxWaitTimeInMs: 100,
  });
  closers.push(() => c.disconnect());
  return c;
}

/** Runs a consumer until `done(received)` holds, then stops it. */
async function consumeUntil(
  c: Consumer,
  topic: string,
  done: (values: string[]) => boolean,
  timeoutMs = 30_000,
  values: string[] = [],
): Promise<string[]> {
  await c.connect();
  await c.subscribe({ topic, fromBeginning: true });
  let finish: () => void = () => {};
  const finished = new Promise<void>((resolve) => (finish = resolve));
  await c.run({
    eachMessage: async ({ message }) => {
      values.push(message.value?.toString() ?? '');
      if (done(values)) finish();
    },
  });
  const timer = setTimeout(finish, timeoutMs);
  await finished;
  clearTimeout(timer);
  await c.stop();
  return values;
}

beforeAll(async () => {
  cluster = await startKafkaCluster({ brokers: 3 });
  kafka = new Kafka({ brokers: cluster.brokers, clientId: 'harness-selftest', logLevel: logLevel.NOTHING });
});

afterAll(async () => {
  for (const close of closers.reverse()) await close().catch(() => {});
  await cluster?.stop();
});

describe('kafka harness', () => {
  it('round-trips records through a consumer group', async () => {
    const topic = unique('roundtrip');
    await cluster.createTopic(topic, 4);
    const p = await producer();
    const sent = Array.from({ length: 200 }, (_, i) => `v${i}`);
    await p.send({ topic, messages: sent.map((value, i) => ({ key: `k${i % 17}`, value })) });

    const got = await consumeUntil(consumer(unique('g')), topic, (v) => v.length >= sent.length);
    expect([...got].sort()).toEqual([...sent].sort());

    const admin = kafka.admin();
    await admin.connect();
    closers.push(() => admin.disconnect());
    const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
    expect(metadata.topics[0]?.partitions).toHaveLength(4);
  });

  it('commits offsets in a group and resumes from them', async () => {
    const topic = unique('offsets');
    const groupId = unique('group');
    await cluster.createTopic(topic, 2);
    const p = await producer();
    await p.send({ topic, messages: Array.from({ length: 10 }, (_, i) => ({ value: `a${i}` })) });

    const first = await consumeUntil(consumer(groupId), topic, (v) => v.length >= 10);
    expect(first).toHaveLength(10);

    const admin = kafka.admin();
    await admin.connect();
    closers.push(() => admin.disconnect());
    const committed = await admin.fetchOffsets({ groupId, topics: [topic] });
    const total = committed[0]!.partitions.reduce((sum, part) => sum + Number(part.offset), 0);
    expect(total).toBe(10);

    await p.send({ topic, messages: Array.from({ length: 5 }, (_, i) => ({ value: `b${i}` })) });
    const second = await consumeUntil(consumer(groupId), topic, (v) => v.length >= 5);
    expect([...second].sort()).toEqual(['b0', 'b1', 'b2', 'b3', 'b4']);
  });

  it('supports the idempotent producer through the proxy (the mock alone cannot)', async () => {
    const topic = unique('idempotent');
    await cluster.createTopic(topic, 1);

    if (!cluster.external) {
      // The quirk the proxy exists for: librdkafka 2.0.2's mock reports controller id 0, so
      // kafkajs cannot find the broker to ask for a producer id. If this starts passing, the
      // mock was fixed and README.md is out of date.
      const direct = new Kafka({
        brokers: cluster.mockBrokers,
        clientId: 'direct',
        logLevel: logLevel.NOTHING,
        retry: { retries: 1, initialRetryTime: 50 },
      });
      const admin = direct.admin();
      await admin.connect();
      const described = await admin.describeCluster();
      await admin.disconnect();
      expect(described.controller).toBe(0);
      const bad = direct.producer({ idempotent: true, retry: { retries: 1, initialRetryTime: 50 } });
      await expect(bad.connect()).rejects.toThrow(/Broker 0 not found/);
      await bad.disconnect();
    }

    const p = await producer({ idempotent: true, maxInFlightRequests: 1 });
    // Retriable errors on the first attempts must not duplicate or reorder records.
    await cluster.pushRequestErrors(ApiKey.Produce, [KafkaError.NotLeaderForPartition]);
    for (let i = 0; i < 20; i++) await p.send({ topic, messages: [{ value: `m${i}` }] });
    const got = await consumeUntil(consumer(unique('g')), topic, (v) => v.length >= 20);
    expect(got).toEqual(Array.from({ length: 20 }, (_, i) => `m${i}`));
  });

  it('loses nothing when a broker goes down mid-stream and comes back', async () => {
    const topic = unique('broker-down');
    await cluster.createTopic(topic, 3);
    const admin = kafka.admin();
    await admin.connect();
    closers.push(() => admin.disconnect());
    const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
    const victim = topics[0]!.partitions.find((p) => p.partitionId === 0)!.leader;

    const p = await producer({
      idempotent: true,
      maxInFlightRequests: 1,
      retry: { initialRetryTime: 100, maxRetryTime: 1000 },
    });
    const total = 1000;
    const expected = Array.from({ length: total }, (_, i) => `r${i}`);

    const c = consumer(unique('g'));
    const received: string[] = [];
    const consumed = consumeUntil(c, topic, (v) => new Set(v).size >= total, 45_000, received);

    let slowestSend = 0;
    let sent = 0;
    const sendBatch = async (i: number): Promise<void> => {
      const started = Date.now();
      // Every batch spreads over all partitions, so each one needs the downed broker.
      await p.send({
        topic,
        messages: expected.slice(i, i + 10).map((value, j) => ({ value, partition: j % 3 })),
      });
      slowestSend = Math.max(slowestSend, Date.now() - started);
      sent += 10;
    };

    // Take the broker down only once the consumer is up and reading, so both sides see it.
    for (let i = 0; i < 100; i += 10) await sendBatch(i);
    while (received.length < 20) await new Promise((r) => setTimeout(r, 20));
    expect(received.length).toBeGreaterThanOrEqual(20);

    const sending = (async () => {
      for (let i = 100; i < total; i += 10) {
        await sendBatch(i);
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    await cluster.brokerDown(victim);
    const sentWhenDown = sent;
    await new Promise((r) => setTimeout(r, 2000));
    await cluster.brokerUp(victim);
    await sending;

    // The outage really happened mid-stream and stalled the producer.
    expect(sentWhenDown).toBeGreaterThan(0);
    expect(sentWhenDown).toBeLessThan(total);
    expect(slowestSend).toBeGreaterThanOrEqual(1000);

    const got = await consumed;
    // The consumer may see some records twice: a group rebalance during the outage re-reads
    // from the last committed offset (at-least-once). Nothing may be missing.
    expect(new Set(got)).toEqual(new Set(expected));
    // The log holds every record at least once. Not exactly once: under load the mock's
    // idempotent-producer deduplication was seen to append a retried batch twice (1007 of 1000 in
    // one CI run), so exact-once appends are a property this mock cannot be relied on for.
    const ends = await admin.fetchTopicOffsets(topic);
    expect(ends.reduce((sum, e) => sum + Number(e.high), 0)).toBeGreaterThanOrEqual(total);
  });

  it('surfaces injected request errors as retriable kafkajs errors', async () => {
    const topic = unique('inject');
    await cluster.createTopic(topic, 1);
    const noRetry = await producer({ retry: { retries: 0 } });
    await cluster.pushRequestErrors(ApiKey.Produce, [KafkaError.NotLeaderForPartition]);
    const error = await noRetry.send({ topic, messages: [{ value: 'x' }] }).then(
      () => null,
      (e: unknown) => e as Error & { cause?: { name?: string; type?: string; retriable?: boolean } },
    );
    expect(error).not.toBeNull();
    expect(error!.name).toBe('KafkaJSNumberOfRetriesExceeded');
    expect(error!.cause).toMatchObject({
      name: 'KafkaJSProtocolError',
      type: 'NOT_LEADER_FOR_PARTITION',
      retriable: true,
    });

    const retrying = await producer({ retry: { retries: 5, initialRetryTime: 50 } });
    await cluster.pushRequestErrors(ApiKey.Produce, [KafkaError.RequestTimedOut, KafkaError.NotLeaderForPartition]);
    const [result] = await retrying.send({ topic, messages: [{ value: 'y' }] });
    expect(result?.errorCode).toBe(0);
  });

  it('adds broker round-trip latency', async () => {
    const topic = unique('rtt');
    await cluster.createTopic(topic, 1);
    const p = await producer();
    await p.send({ topic, messages: [{ value: 'warm' }] });
    await cluster.setRtt(-1, 300);
    try {
      const started = Date.now();
      await p.send({ topic, messages: [{ value: 'slow' }] });
      expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    } finally {
      await cluster.setRtt(-1, 0);
    }
  });

  it('rewrites every Metadata and FindCoordinator version kafkajs can negotiate here', async () => {
    if (cluster.external) throw new Error('this test needs the mock cluster; unset KAFKA_BROKERS');
    for (const version of [0, 1, 2]) {
      await cluster.mockCommand(`apiversion ${ApiKey.Metadata} 0 ${version}`);
      await cluster.mockCommand(`apiversion ${ApiKey.FindCoordinator} 0 ${version}`);
      // A fresh client negotiates the capped versions.
      const client = new Kafka({ brokers: cluster.brokers, clientId: `v${version}`, logLevel: logLevel.NOTHING });
      const admin = client.admin();
      await admin.connect();
      try {
        const described = await admin.describeCluster();
        expect(described.brokers.map((b) => `${b.host}:${b.port}`).sort()).toEqual([...cluster.brokers].sort());
        if (version >= 1) expect(described.controller).toBeGreaterThanOrEqual(1);
      } finally {
        await admin.disconnect();
      }
      const topic = unique(`meta-v${version}`);
      await cluster.createTopic(topic, 1);
      const p = client.producer();
      await p.connect();
      await p.send({ topic, messages: [{ value: 'x' }] });
      await p.disconnect();
      const c = consumer(unique('g'), client);
      const got = await consumeUntil(c, topic, (v) => v.length >= 1);
      expect(got).toEqual(['x']);
    }
    await cluster.mockCommand(`apiversion ${ApiKey.Metadata} 0 2`);
    await cluster.mockCommand(`apiversion ${ApiKey.FindCoordinator} 0 2`);
  });
});
