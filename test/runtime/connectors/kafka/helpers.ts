import kafkajs from 'kafkajs';
import { afterAll, beforeAll } from 'vitest';
import type { Admin, Kafka } from 'kafkajs';
import type { SourceReader } from '../../../../runtime/index.ts';
import {
  kafkaSource,
  type KafkaSourceOptions,
  type KafkaSourceState,
} from '../../../../runtime/connectors/kafka/index.ts';
import { startKafkaCluster, type KafkaTestCluster } from '../../../harness/kafka/index.ts';

export { startKafkaCluster, type KafkaTestCluster };

let seq = 0;
export function unique(name: string): string {
  return `${name}-${process.pid}-${Date.now().toString(36)}-${++seq}`;
}

export interface KafkaSuite {
  cluster: KafkaTestCluster;
  kafka: Kafka;
  admin: Admin;
}

/**
 * The file's Kafka: starts a test cluster and a connected admin client before its tests (handing
 * them to `ready`) and stops both after them, even when starting failed half way.
 */
export function useKafkaCluster(options: { brokers: number }, ready: (suite: KafkaSuite) => void): void {
  let suite: KafkaSuite | undefined;
  beforeAll(async () => {
    const cluster = await startKafkaCluster(options);
    const kafka = client(cluster);
    suite = { cluster, kafka, admin: kafka.admin() };
    await suite.admin.connect();
    ready(suite);
  });
  afterAll(async () => {
    await suite?.admin.disconnect();
    await suite?.cluster.stop();
  });
}

export function client(cluster: KafkaTestCluster): Kafka {
  process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
  return new kafkajs.Kafka({
    brokers: cluster.brokers,
    clientId: 'stormshift-test',
    logLevel: kafkajs.logLevel.NOTHING,
  });
}

/** Writes `values` round-robin over `partitions` partitions (explicitly), with optional timestamps. */
export async function produce(
  kafka: Kafka,
  topic: string,
  values: Array<string | { value: string | null; key?: string; partition?: number; timestamp?: number }>,
  partitions = 1,
): Promise<void> {
  const producer = kafka.producer();
  await producer.connect();
  try {
    for (let i = 0; i < values.length; i += 500) {
      await producer.send({
        topic,
        acks: -1,
        messages: values.slice(i, i + 500).map((v, j) =>
          typeof v === 'string'
            ? { value: v, partition: (i + j) % partitions }
            : {
                value: v.value,
                ...(v.key !== undefined ? { key: v.key } : {}),
                partition: v.partition ?? (i + j) % partitions,
                ...(v.timestamp !== undefined ? { timestamp: String(v.timestamp) } : {}),
              },
        ),
      });
    }
  } finally {
    await producer.disconnect();
  }
}

/** Reads a whole topic from the beginning with a throwaway group until `count` records arrived (or the timeout). */
export async function readAll(
  kafka: Kafka,
  topic: string,
  count: number,
  timeoutMs = 30_000,
  /** When to stop instead of at `count` records (e.g. distinct values, when duplicates are allowed). */
  until?: (out: Array<{ value: string }>) => boolean,
): Promise<Array<{ key: string | null; value: string; partition: number; headers: Record<string, string> }>> {
  const consumer = kafka.consumer({
    groupId: unique('reader'),
    heartbeatInterval: 500,
    sessionTimeout: 4000,
    maxWaitTimeInMs: 100,
  });
  const out: Array<{ key: string | null; value: string; partition: number; headers: Record<string, string> }> = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    let done: () => void = () => {};
    const finished = new Promise<void>((r) => (done = r));
    if (count === 0) done();
    await consumer.run({
      eachMessage: async ({ message, partition }) => {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(message.headers ?? {})) headers[k] = String(v);
        out.push({ key: message.key?.toString() ?? null, value: message.value?.toString() ?? '', partition, headers });
        if (until ? until(out) : out.length >= count) done();
      },
    });
    const timer = setTimeout(done, timeoutMs);
    await finished;
    clearTimeout(timer);
  } finally {
    await consumer.disconnect();
  }
  return out;
}

export async function committedOffsets(admin: Admin, groupId: string, topic: string): Promise<Record<number, string>> {
  const [entry] = await admin.fetchOffsets({ groupId, topics: [topic] });
  const out: Record<number, string> = {};
  for (const p of entry?.partitions ?? []) out[p.partition] = p.offset;
  return out;
}

/**
 * Waits for an event: `predicate` is re-read every 20 ms until it holds. No wall-clock deadline of
 * its own (a loaded machine only makes the wait longer): the test's timeout is the bound.
 * `timeoutMs` and `what` stay as the callers' documentation of what they expect.
 */
export async function waitFor(
  predicate: () => boolean | Promise<boolean>,
  _timeoutMs = 20_000,
  _what = 'condition',
): Promise<void> {
  while (!(await predicate())) await new Promise((r) => setTimeout(r, 20));
}

export const range = (n: number, prefix = 'r'): string[] => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

export interface Polled<T> {
  values: T[];
  timestamps: number[];
  watermarks: number[];
}

export function reader<T>(
  options: KafkaSourceOptions<T>,
  subtaskIndex = 0,
  parallelism = 1,
): SourceReader<T, KafkaSourceState> {
  return kafkaSource(options).createReader({
    jobName: 'test',
    operatorName: 'kafka',
    subtaskIndex,
    parallelism,
    signalAvailable() {},
  });
}

/** Polls like the runtime does until `n` records came out (at most `perPoll` each time). */
export async function pollN<T>(
  r: SourceReader<T, KafkaSourceState>,
  n: number,
  perPoll = 512,
  into: Polled<T> = { values: [], timestamps: [], watermarks: [] },
): Promise<Polled<T>> {
  const output = {
    collect: (v: T, ts?: number) => {
      into.values.push(v);
      into.timestamps.push(ts ?? NaN);
    },
    emitWatermark: (w: number) => void into.watermarks.push(w),
  };
  // No deadline of its own: a loaded machine only makes polling slower; the test timeout bounds it.
  const target = into.values.length + n;
  while (into.values.length < target) {
    const result = await r.poll(output, Math.min(perPoll, target - into.values.length));
    if (result === 'idle') await new Promise((res) => setTimeout(res, 20));
  }
  return into;
}
