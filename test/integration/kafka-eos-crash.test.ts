/**
 * The Kafka exactly-once sink across a crash in its worst window: the checkpoint is durable, its
 * transaction sealed, and the process dies before the commit reaches the broker. The harness
 * proxy swallows the first commit (holdNextCommit), the test SIGKILLs the job right then (no
 * timing), and a read_committed reader must see every word count line once after the restart.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import kafkajs from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { readTopic } from '../harness/kafka/index.ts';
import {
  checkpointIds,
  committedInput,
  expectedLines,
  kafkaClusterForFile,
  produceSentences,
  runKafkaWordCount,
  tally,
  type RunningJob,
  until,
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
    await produceSentences(cluster.brokers, input, 0, sentences);

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
    const before = new Set(checkpointIds(ckpt));
    const second = runJob(args);
    const expected = expectedLines(sentences);
    // Kafka input never ends: the restarted job runs until a completed checkpoint covers all of
    // it (the source commits its positions to the group then), then stops with a final one.
    const admin = new kafkajs.Kafka({ brokers: cluster.brokers, logLevel: kafkajs.logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      await until(
        second,
        'a checkpoint of the restarted run covering all input',
        async () =>
          checkpointIds(ckpt).some((id) => !before.has(id)) &&
          (await committedInput(admin, `${prefix}-group`, input)) === sentences,
      );
    } finally {
      await admin.disconnect();
    }
    second.child.kill('SIGTERM');
    expect(await second.exited, second.stderr()).toBe(0);

    expect((await cluster.openTransactions()).filter((id) => id.startsWith(prefix))).toEqual([]);
    const lines = await readTopic(cluster.brokers, output);
    expect(tally(lines, expected)).toEqual({ lost: 0, duplicated: 0 });
    expect(lines.length).toBe(expected.size);
  }, 180_000);
});
