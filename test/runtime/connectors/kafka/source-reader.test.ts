import type { Admin, Kafka } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { ConnectorError } from '../../../../runtime/index.ts';
import type { KafkaSourceOptions } from '../../../../runtime/connectors/kafka/index.ts';
import {
  committedOffsets,
  pollN,
  produce,
  range,
  readAll,
  reader,
  unique,
  waitFor,
  type KafkaTestCluster,
  useKafkaCluster,
} from './helpers.ts';

let cluster: KafkaTestCluster;
let kafka: Kafka;
let admin: Admin;

useKafkaCluster({ brokers: 3 }, (suite) => ({ cluster, kafka, admin } = suite));

const fastGroup = { sessionTimeout: 6000, heartbeatInterval: 500, maxWaitTimeInMs: 100 };

describe('kafka source reader (driven directly)', () => {
  it('snapshots exactly the offset after the last emitted record, and a restored reader seeks there', async () => {
    const topic = unique('src-snap');
    await cluster.createTopic(topic, 1);
    await produce(kafka, topic, range(100));
    const options: KafkaSourceOptions<string> = {
      brokers: cluster.brokers,
      topics: topic,
      groupId: unique('g'),
      assignment: 'static',
      startFrom: 'earliest',
      consumer: fastGroup,
    };
    const first = reader(options);
    await first.start!();
    const got = await pollN(first, 37, 10);
    expect(got.values).toEqual(range(37));
    const state = first.snapshotState(1);
    expect(state.offsets).toEqual({ [`${topic}:0`]: '37' });
    await first.close!();

    const second = reader(options);
    second.restoreState!(state);
    await second.start!();
    const rest = await pollN(second, 63);
    expect(rest.values).toEqual(range(100).slice(37));
    await second.close!();
  });

  it('commits to the group only on notifyCheckpointComplete, and startFrom committed resumes there', async () => {
    const topic = unique('src-commit');
    await cluster.createTopic(topic, 2);
    await produce(kafka, topic, range(200), 2);
    const groupId = unique('g');
    const options: KafkaSourceOptions<string> = {
      brokers: cluster.brokers,
      topics: topic,
      groupId,
      assignment: 'static',
      consumer: fastGroup,
    };
    const first = reader(options);
    await first.start!();
    await pollN(first, 120);
    const state = first.snapshotState(7);
    const total = Object.values(state.offsets).reduce((a, o) => a + Number(o), 0);
    expect(total).toBe(120);
    expect(await committedOffsets(admin, groupId, topic)).toEqual({ 0: '-1', 1: '-1' });
    await first.notifyCheckpointComplete!(7);
    const committed = await committedOffsets(admin, groupId, topic);
    expect(committed).toEqual({ 0: state.offsets[`${topic}:0`], 1: state.offsets[`${topic}:1`] });
    await first.close!();

    const second = reader(options);
    await second.start!();
    const rest = await pollN(second, 80);
    const all = new Set([...(await Promise.resolve(rest.values))]);
    expect(all.size).toBe(80);
    await second.close!();
  });

  it("startFrom 'latest' skips what is there; { timestamp } seeks to the offset the broker's ListOffsets gives for it", async () => {
    const topic = unique('src-start');
    await cluster.createTopic(topic, 1);
    await produce(
      kafka,
      topic,
      range(10).map((value, i) => ({ value, timestamp: 1_000_000 + i * 1000 })),
    );
    const latest = reader({
      brokers: cluster.brokers,
      topics: topic,
      groupId: unique('g'),
      assignment: 'static',
      startFrom: 'latest',
      consumer: fastGroup,
    });
    // start() resolves 'latest' to offsets before it returns: what is produced from here on is read.
    await latest.start!();
    await produce(kafka, topic, ['new-1', 'new-2']);
    expect((await pollN(latest, 2)).values).toEqual(['new-1', 'new-2']);
    await latest.close!();

    // A real broker answers offset 7 here; librdkafka 2.0.2's mock ignores the timestamp and
    // answers the log end. Either way the reader must start exactly where ListOffsets points.
    const [{ offset }] = await admin.fetchTopicOffsetsByTimestamp(topic, 1_006_500);
    const expected = ['r0', 'r1', 'r2', 'r3', 'r4', 'r5', 'r6', 'r7', 'r8', 'r9', 'new-1', 'new-2', 'late'].slice(
      Number(offset),
    );
    const byTime = reader({
      brokers: cluster.brokers,
      topics: topic,
      groupId: unique('g'),
      assignment: 'static',
      startFrom: { timestamp: 1_006_500 },
      consumer: fastGroup,
    });
    await byTime.start!();
    await produce(kafka, topic, ['late']);
    const got = await pollN(byTime, expected.length);
    expect(got.values).toEqual(expected);
    if (!cluster.external && Number(offset) !== 7) expect(Number(offset)).toBe(12);
    else expect(got.timestamps.slice(0, 3)).toEqual([1_007_000, 1_008_000, 1_009_000]);
    await byTime.close!();
  });

  it('watermarks: per partition from record timestamps, the source emits the minimum minus the bound', async () => {
    const topic = unique('src-wm');
    await cluster.createTopic(topic, 2);
    await produce(kafka, topic, [
      { value: 'a', partition: 0, timestamp: 10_000 },
      { value: 'b', partition: 0, timestamp: 20_000 },
      { value: 'c', partition: 1, timestamp: 5_000 },
    ]);
    const r = reader({
      brokers: cluster.brokers,
      topics: topic,
      groupId: unique('g'),
      assignment: 'static',
      startFrom: 'earliest',
      watermarks: { outOfOrdernessMs: 1000 },
      consumer: fastGroup,
    });
    await r.start!();
    const got = await pollN(r, 3);
    expect(got.watermarks.at(-1)).toBe(4_000);
    await produce(kafka, topic, [{ value: 'd', partition: 1, timestamp: 30_000 }]);
    await pollN(r, 1, 512, got);
    await r.poll({ collect() {}, emitWatermark: (w) => void got.watermarks.push(w) }, 10);
    expect(got.watermarks.at(-1)).toBe(19_000);
    expect([...got.watermarks].sort((a, b) => a - b)).toEqual(got.watermarks);
    await r.close!();
  });

  it('pattern subscription, JSON decoding, and undecodable records to a dead-letter topic with their position in headers', async () => {
    const base = unique('src-json');
    await cluster.createTopic(`${base}-a`, 1);
    await cluster.createTopic(`${base}-b`, 1);
    await cluster.createTopic(`${base}-dlq`, 1);
    await produce(kafka, `${base}-a`, ['{"n":1}', 'not json', '{"n":2}']);
    await produce(kafka, `${base}-b`, ['{"n":3}']);
    const r = reader<{ n: number }>({
      brokers: cluster.brokers,
      topics: new RegExp(`${base}-[ab]`),
      groupId: unique('g'),
      startFrom: 'earliest',
      deserializer: 'json',
      onDecodeError: { deadLetterTopic: `${base}-dlq` },
      consumer: fastGroup,
    });
    await r.start!();
    const got = await pollN(r, 3);
    expect(got.values.map((v) => v.n).sort()).toEqual([1, 2, 3]);
    await r.close!();
    const dead = await readAll(kafka, `${base}-dlq`, 1);
    expect(dead).toHaveLength(1);
    expect(dead[0]!.value).toBe('not json');
    expect(dead[0]!.headers['stormshift-topic']).toBe(`${base}-a`);
    expect(dead[0]!.headers['stormshift-offset']).toBe('1');
    expect(dead[0]!.headers['stormshift-error']).toMatch(/JSON/);
  });

  it("undecodable record with onDecodeError 'fail': the error names topic, partition and offset", async () => {
    const topic = unique('src-bad');
    await cluster.createTopic(topic, 1);
    await produce(kafka, topic, ['{"ok":true}', '{oops']);
    const r = reader({
      brokers: cluster.brokers,
      topics: topic,
      groupId: unique('g'),
      startFrom: 'earliest',
      deserializer: 'json',
      consumer: fastGroup,
    });
    await r.start!();
    const error = await pollN(r, 2).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConnectorError);
    expect((error as ConnectorError).code).toBe('KAFKA_UNDECODABLE_RECORD');
    expect((error as Error).message).toContain(`topic ${topic}, partition 0, offset 1`);
    await r.close!();
  });

  it('backpressure: a reader nobody polls pauses fetching near its buffer size, and loses nothing once polled', async () => {
    const topic = unique('src-bp');
    await cluster.createTopic(topic, 1);
    await produce(kafka, topic, range(5000));
    const r = reader({
      brokers: cluster.brokers,
      topics: topic,
      groupId: unique('g'),
      assignment: 'static',
      startFrom: 'earliest',
      bufferRecords: 200,
      consumer: { ...fastGroup, maxBytesPerPartition: 4096 },
    });
    await r.start!();
    // Waits for the event (the reader paused its fetching), not for a span of time.
    const internals = r as unknown as { buffered: number; paused: boolean };
    await waitFor(() => internals.paused);
    const buffered = internals.buffered;
    expect(buffered).toBeGreaterThanOrEqual(200);
    expect(buffered).toBeLessThan(1000);
    const got = await pollN(r, 5000, 97);
    expect(got.values).toEqual(range(5000));
    await r.close!();
  });
});
