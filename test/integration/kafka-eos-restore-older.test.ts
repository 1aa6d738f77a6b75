/**
 * The Kafka exactly-once sink restored from a checkpoint older than the newest (`--restore OLDER`,
 * as after a newest checkpoint that is unreadable). The job counts all of a first batch of input,
 * a checkpoint C covering it is kept aside, a dozen idle checkpoints complete (so the ids the dead
 * run used next lie more than `lingeringTransactions` past C), the second batch arrives, its first
 * commit is swallowed by the harness proxy and the job is SIGKILLed right then. Restarted with
 * `--restore C`, it replays the second batch: a read_committed reader must see every `word:n` line
 * once, with nothing left open to stop it. Nothing was committed after C, so exactly-once is
 * reachable here; see the README for what a Kafka commit after the restored checkpoint means.
 */
import { copyFileSync, mkdtempSync } from 'node:fs';
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
  type RunningJob,
  tally,
  until,
} from './kafka-word-count-job.ts';

/** The sink's default lingeringTransactions: the ids a restore used to re-initialise. */
const WINDOW = 10;

const kafka = kafkaClusterForFile();

const runJob = (args: string[]): RunningJob => runKafkaWordCount(args);

describe('kafka exactly-once sink, restored from an older checkpoint', () => {
  it('--restore a checkpoint a dozen checkpoints back: the dead run transactions after it are aborted, the restored job is not refused, read_committed readers see every line once', async () => {
    const cluster = kafka.cluster();
    if (cluster.external) throw new Error('this test holds a commit in the harness proxy; unset KAFKA_BROKERS');
    const tag = `${process.pid}-${Date.now().toString(36)}`;
    const input = `older-in-${tag}`;
    const output = `older-out-${tag}`;
    const prefix = `older-${tag}`;
    const group = `${prefix}-group`;
    await cluster.createTopic(input, 2);
    await cluster.createTopic(output, 2);
    const firstBatch = 2000;
    const sentences = 4000;
    await produceSentences(cluster.brokers, input, 0, firstBatch);

    const ckpt = mkdtempSync(join(tmpdir(), 'stormshift-eos-older-'));
    const kept = mkdtempSync(join(tmpdir(), 'stormshift-eos-older-kept-'));
    kafka.removeAfter(ckpt, kept);
    const args = ['--checkpoint-dir', ckpt, '--', cluster.brokers.join(','), input, output, prefix];
    const admin = new kafkajs.Kafka({ brokers: cluster.brokers, logLevel: kafkajs.logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      const first = runJob(args);
      // The source commits its positions when a checkpoint completes: from then on every newer
      // checkpoint covers the whole first batch.
      await until(
        first,
        'the first batch was counted',
        async () => (await committedInput(admin, group, input)) === firstBatch,
      );
      let restoredId = 0;
      await until(first, 'a checkpoint was kept', () => {
        const newest = checkpointIds(ckpt).at(-1);
        if (newest === undefined) return false;
        const name = `chk-${String(newest).padStart(9, '0')}.snap`;
        try {
          copyFileSync(join(ckpt, name), join(kept, name));
        } catch {
          return false; // pruned by retention meanwhile: take the next newest
        }
        restoredId = newest;
        return true;
      });
      // Idle checkpoints: they seal nothing and commit nothing, but move the ids the job uses next.
      await until(first, 'idle checkpoints', () => (checkpointIds(ckpt).at(-1) ?? 0) > restoredId + WINDOW + 1);
      const held = cluster.holdNextCommit();
      await produceSentences(cluster.brokers, input, firstBatch, sentences);
      const commit = await Promise.race([
        held,
        first.exited.then((code) => {
          throw new Error(`job exited (${String(code)}) before committing the second batch:\n${first.stderr()}`);
        }),
      ]);
      first.child.kill('SIGKILL');
      await first.exited;
      const heldId = Number(commit.transactionalId.split('-').at(-1));
      expect(heldId, 'the open transaction lies past the window a restore used to re-initialise').toBeGreaterThan(
        restoredId + WINDOW,
      );
      expect(await cluster.openTransactions()).toContain(commit.transactionalId);

      const restoredFrom = join(kept, `chk-${String(restoredId).padStart(9, '0')}.snap`);
      const before = new Set(checkpointIds(ckpt));
      const second = runJob(['--restore', restoredFrom, ...args]);
      await until(
        second,
        'a checkpoint of the restored run covered all input',
        async () =>
          checkpointIds(ckpt).some((id) => !before.has(id)) &&
          (await committedInput(admin, group, input)) === sentences,
      );
      second.child.kill('SIGTERM');
      expect(await second.exited, second.stderr()).toBe(0);
      // The restored run was never refused for running past its own transaction ids
      // (KAFKA_TRANSACTIONS_BACKLOG, whose message names the option).
      expect(second.stderr()).not.toContain('lingeringTransactions');
    } finally {
      await admin.disconnect();
    }

    // Checked first: a read_committed reader waits at an open transaction for good on this broker.
    expect((await cluster.openTransactions()).filter((id) => id.startsWith(prefix))).toEqual([]);
    const lines = await readTopic(cluster.brokers, output);
    const expected = expectedLines(sentences);
    expect(tally(lines, expected)).toEqual({ lost: 0, duplicated: 0 });
    expect(lines.length).toBe(expected.size);
  }, 300_000);
});
