/**
 * The Kafka exactly-once sink restored with fewer subtasks, through the CLI. The word count runs
 * its sink with 3 subtasks; the harness proxy swallows the first commit of subtask 2 (one the
 * restore removes) and the test SIGKILLs the job right then, so that subtask's sealed transaction
 * of the durable checkpoint is still open, and others may have opened their next one. Restarted with 1 sink subtask, the job must commit the
 * removed subtasks' sealed transactions and abort their open ones: nothing open right after the
 * restore, and a read_committed reader sees every line once.
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
  until,
} from './kafka-word-count-job.ts';

const kafka = kafkaClusterForFile();

describe('kafka exactly-once sink, restored with fewer subtasks', () => {
  it('3 sink subtasks → 1 after a crash with transactions left open: nothing stays open, every line once', async () => {
    const cluster = kafka.cluster();
    if (cluster.external) throw new Error('this test holds a commit in the harness proxy; unset KAFKA_BROKERS');
    const tag = `${process.pid}-${Date.now().toString(36)}`;
    const input = `scale-in-${tag}`;
    const output = `scale-out-${tag}`;
    const prefix = `scale-${tag}`;
    await cluster.createTopic(input, 2);
    await cluster.createTopic(output, 2);
    const sentences = 4000;
    await produceSentences(cluster.brokers, input, 0, sentences);

    const ckpt = mkdtempSync(join(tmpdir(), 'stormshift-eos-scale-in-'));
    kafka.removeAfter(ckpt);
    const args = (sinkParallelism: number): string[] => [
      '--checkpoint-dir',
      ckpt,
      '--',
      cluster.brokers.join(','),
      input,
      output,
      prefix,
      `sink-parallelism=${sinkParallelism}`,
    ];

    // Subtask 2's: whether another subtask has a transaction open at the kill depends on timing.
    const held = cluster.holdNextCommit(`${prefix}-tx-2-`);
    const first = runKafkaWordCount(args(3), 20_000);
    const commit = await Promise.race([
      held,
      first.exited.then((code) => {
        throw new Error(`job exited (${String(code)}) before its first commit:\n${first.stderr()}`);
      }),
    ]);
    first.child.kill('SIGKILL');
    await first.exited;
    const open = (await cluster.openTransactions()).filter((id) => id.startsWith(`${prefix}-tx-`));
    expect(open).toContain(commit.transactionalId);
    // A transaction of a subtask that the restore removes, sealed for the durable checkpoint, is left open.
    expect(commit.transactionalId.startsWith(`${prefix}-tx-2-`)).toBe(true);

    const before = new Set(checkpointIds(ckpt));
    const second = runKafkaWordCount(args(1), 20_000);
    const admin = new kafkajs.Kafka({ brokers: cluster.brokers, logLevel: kafkajs.logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      // The restored run completed a checkpoint: its sink is open, so the restore's clean-up is done.
      await until(second, 'a checkpoint of the restored run', () => checkpointIds(ckpt).some((id) => !before.has(id)));
      const left = (await cluster.openTransactions()).filter(
        (id) => id.startsWith(`${prefix}-tx-`) && !id.startsWith(`${prefix}-tx-0-`),
      );
      expect(left, 'removed subtasks transactions open right after the restore').toEqual([]);
      await until(
        second,
        'all input was committed',
        async () => (await committedInput(admin, `${prefix}-group`, input)) === sentences,
      );
    } finally {
      await admin.disconnect();
    }
    second.child.kill('SIGTERM');
    expect(await second.exited, second.stderr()).toBe(0);

    // Checked first: a read_committed reader waits at an open transaction for good on this broker.
    expect((await cluster.openTransactions()).filter((id) => id.startsWith(prefix))).toEqual([]);
    const expected = expectedLines(sentences);
    const lines = await readTopic(cluster.brokers, output);
    expect(tally(lines, expected)).toEqual({ lost: 0, duplicated: 0 });
  }, 180_000);
});
