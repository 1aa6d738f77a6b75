/**
 * The Kafka exactly-once sink after its newest checkpoints turn out corrupt, when the run that
 * wrote them had already committed their transactions. The runtime falls back to the newest
 * readable checkpoint C; replaying from C would write every record committed after C a second
 * time, and Kafka cannot take a commit back. The sink's checkpoint markers (the checkpoint id,
 * committed inside each transaction as a consumer-group offset) tell: the restore must fail,
 * naming the sink, the topic, C, the newest committed checkpoint and the choices, and the opt-in
 * (`acceptDuplicatesOnRestore`, the sample's `accept-duplicates`) must proceed with duplicates.
 */
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
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

const snapName = (id: number): string => `chk-${String(id).padStart(9, '0')}.snap`;

describe('kafka exactly-once sink, newest checkpoints corrupt after their transactions committed', () => {
  it('the fallback restore fails naming sink, topic, restored and committed checkpoints and the choices; accept-duplicates proceeds', async () => {
    const cluster = kafka.cluster();
    const tag = `${process.pid}-${Date.now().toString(36)}`;
    const input = `corrupt-in-${tag}`;
    const output = `corrupt-out-${tag}`;
    const prefix = `corrupt-${tag}`;
    const group = `${prefix}-group`;
    await cluster.createTopic(input, 2);
    await cluster.createTopic(output, 2);
    const firstBatch = 2000;
    const sentences = 4000;
    await produceSentences(cluster.brokers, input, 0, firstBatch);

    const ckpt = mkdtempSync(join(tmpdir(), 'stormshift-eos-corrupt-'));
    const kept = mkdtempSync(join(tmpdir(), 'stormshift-eos-corrupt-kept-'));
    kafka.removeAfter(ckpt, kept);
    const args = ['--checkpoint-dir', ckpt, '--', cluster.brokers.join(','), input, output, prefix];
    const admin = new kafkajs.Kafka({ brokers: cluster.brokers, logLevel: kafkajs.logLevel.NOTHING }).admin();
    await admin.connect();
    let restoredId = 0;
    const everything = expectedLines(sentences);
    try {
      const first = runKafkaWordCount(args);
      await until(
        first,
        'the first batch was counted',
        async () => (await committedInput(admin, group, input)) === firstBatch,
      );
      await until(first, 'a checkpoint was kept', () => {
        const newest = checkpointIds(ckpt).at(-1);
        if (newest === undefined) return false;
        try {
          copyFileSync(join(ckpt, snapName(newest)), join(kept, snapName(newest)));
        } catch {
          return false; // pruned by retention meanwhile: take the next newest
        }
        restoredId = newest;
        return true;
      });
      await produceSentences(cluster.brokers, input, firstBatch, sentences);
      // The second batch's transactions are committed: a read_committed reader sees all of it.
      await until(
        first,
        'all output was committed',
        async () => (await readTopic(cluster.brokers, output)).length === everything.size,
      );
      first.child.kill('SIGKILL');
      await first.exited;
    } finally {
      await admin.disconnect();
    }
    expect(tally(await readTopic(cluster.brokers, output), everything)).toEqual({ lost: 0, duplicated: 0 });

    // Every checkpoint the dead run left is corrupt; the kept one is the newest readable.
    const newestCorrupt = checkpointIds(ckpt).at(-1)!;
    expect(newestCorrupt).toBeGreaterThan(restoredId);
    for (const id of checkpointIds(ckpt)) writeFileSync(join(ckpt, snapName(id)), 'not a checkpoint');
    copyFileSync(join(kept, snapName(restoredId)), join(ckpt, snapName(restoredId)));

    const refused = runKafkaWordCount(args);
    const before = new Set(checkpointIds(ckpt));
    // Before the markers the restored run went on and wrote the second batch's lines again: it
    // completes a checkpoint instead of exiting.
    const outcome = await Promise.race([
      refused.exited.then((code) => ({ code })),
      until(refused, 'a checkpoint', () => checkpointIds(ckpt).some((id) => !before.has(id))).then(
        () => 'checkpointed',
      ),
    ]);
    refused.child.kill('SIGKILL');
    expect(outcome, refused.stderr()).not.toBe('checkpointed');
    expect((outcome as { code: number | null }).code).not.toBe(0);
    const message = refused.stderr();
    // Not retriable: another restart from the same checkpoint would meet the same marker.
    expect(message).toContain('no more restarts');
    expect(message).toContain("kafka sink 'Counts'");
    expect(message).toContain(`topic '${output}'`);
    expect(message).toContain(`restored from checkpoint ${restoredId},`);
    const committed = /the output of checkpoint (\d+) /.exec(message);
    expect(committed, message).not.toBeNull();
    const newestCommitted = Number(committed![1]);
    expect(newestCommitted).toBeGreaterThan(restoredId);
    expect(newestCommitted).toBeLessThanOrEqual(newestCorrupt);
    expect(message).toContain(snapName(newestCommitted));
    expect(message).toContain('acceptDuplicatesOnRestore: true');
    // Refused before writing anything.
    expect(tally(await readTopic(cluster.brokers, output), everything)).toEqual({ lost: 0, duplicated: 0 });

    // The opt-in: the restore proceeds and the replay duplicates what was committed after the restored checkpoint.
    const accepted = runKafkaWordCount([...args, 'accept-duplicates']);
    const admin2 = new kafkajs.Kafka({ brokers: cluster.brokers, logLevel: kafkajs.logLevel.NOTHING }).admin();
    await admin2.connect();
    try {
      const start = new Set(checkpointIds(ckpt));
      await until(
        accepted,
        'the accepting run covered all input',
        async () =>
          checkpointIds(ckpt).some((id) => !start.has(id)) &&
          (await committedInput(admin2, group, input)) === sentences &&
          (await readTopic(cluster.brokers, output)).length > everything.size,
      );
    } finally {
      await admin2.disconnect();
    }
    accepted.child.kill('SIGTERM');
    expect(await accepted.exited, accepted.stderr()).toBe(0);
    const after = tally(await readTopic(cluster.brokers, output), everything);
    expect(after.lost).toBe(0);
    expect(after.duplicated).toBeGreaterThan(0);
  }, 300_000);
});
