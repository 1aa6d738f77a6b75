/**
 * The Kafka exactly-once sink across a crash in its worst window: the checkpoint is durable, its
 * transaction sealed, and the process dies before the commit reaches the broker. The harness
 * proxy swallows the first commit (holdNextCommit), the test SIGKILLs the job right then (no
 * timing), and a read_committed reader must see every word count line once after the restart.
 */
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import kafkajs from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { readTopic } from '../harness/kafka/index.ts';
import {
  expectedLines,
  kafkaClusterForFile,
  runKafkaWordCount,
  sentence,
  type RunningJob,
} from './kafka-word-count-job.ts';

const kafka = kafkaClusterForFile();

const runJob = (args: string[]): RunningJob => runKafkaWordCount(args, 20_000);

describe('kafka exactly-once sink, crash between checkpoint durable and transaction committed', () => {
  it('the restarted job commits the sealed transaction by producer id and epoch: 0 lost, 0 duplicated for read_committed', async () => {
    const cluster = kafka.cluster();
    if (cluster.external) throw new Error('this test holds a commit in the harness proxy; unset KAFKA_BROKERS');
    const tag = `${process.pid}-${Date.now().toString(36)}`;
    const input = `crash-in-${tag}`;
    const output = `crash-out-${tag}`;
    const prefix = `crash-${tag}`;
    await cluster.createTopic(input, 2);
    await cluster.createTopic(output, 2);
    const sentences = 4000;
    process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
    const producer = new kafkajs.Kafka({ brokers: cluster.brokers, logLevel: kafkajs.logLevel.NOTHING }).producer();
    await producer.connect();
    // All in partition 0, in order, so each word's counts follow the sentence order.
    for (let i = 0; i < sentences; i += 500)
      await producer.send({
        topic: input,
        messages: Array.from({ length: 500 }, (_, j) => ({ value: sentence(i + j), partition: 0 })),
      });
    await producer.disconnect();

    const ckpt = mkdtempSync(join(tmpdir(), 'stormshift-eos-crash-'));
    kafka.removeAfter(ckpt);
    const args = ['--checkpoint-dir', ckpt, '--', cluster.brokers.join(','), input, output, prefix];

    const held = cluster.holdNextCommit();
    const first = runJob(args);
    const commit = await Promise.race([
      held,
      first.exited.then((code) => {
        throw new Error(`job exited (${String(code)}) before its first commit:\n${first.stderr()}`);
      }),
    ]);
    // The checkpoint is durable (commits follow it) and the commit never reached the broker.
    first.child.kill('SIGKILL');
    await first.exited;
    expect(commit.transactionalId.startsWith(`${prefix}-tx-`)).toBe(true);
    expect(await cluster.openTransactions()).toContain(commit.transactionalId);

    // The killed run's last checkpoint may already cover all the input (and have committed its
    // offsets to the group): only a checkpoint the restarted run completes shows it is up and resumed.
    const before = new Set(readdirSync(ckpt));
    const second = runJob(args);
    const expected = expectedLines(sentences);
    // Kafka input never ends: the restarted job runs until a completed checkpoint covers all of
    // it (the source commits its positions to the group then), then stops with a final one.
    const admin = new kafkajs.Kafka({ brokers: cluster.brokers, logLevel: kafkajs.logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      for (;;) {
        const [entry] = await admin.fetchOffsets({ groupId: `${prefix}-group`, topics: [input] });
        const resumed = readdirSync(ckpt).some((f) => f.startsWith('chk-') && !before.has(f));
        if (resumed && entry?.partitions.find((p) => p.partition === 0)?.offset === String(sentences)) break;
        if ((await Promise.race([second.exited, new Promise((r) => setTimeout(() => r('running'), 50))])) !== 'running')
          throw new Error(`restarted job exited early:\n${second.stderr()}`);
      }
    } finally {
      await admin.disconnect();
    }
    second.child.kill('SIGTERM');
    expect(await second.exited, second.stderr()).toBe(0);

    expect((await cluster.openTransactions()).filter((id) => id.startsWith(prefix))).toEqual([]);
    const lines = await readTopic(cluster.brokers, output);
    const counts = new Map<string, number>();
    for (const l of lines) counts.set(l, (counts.get(l) ?? 0) + 1);
    let lost = 0;
    let duplicated = 0;
    for (const l of expected.keys()) if (!counts.has(l)) lost++;
    for (const [l, n] of counts) duplicated += expected.has(l) ? n - 1 : n;
    expect({ lost, duplicated }).toEqual({ lost: 0, duplicated: 0 });
    expect(lines.length).toBe(expected.size);
  }, 180_000);
});
