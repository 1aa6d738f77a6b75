/**
 * The exactly-once Kafka sink restored with fewer subtasks. The removed subtasks' sealed
 * transactions of the restored checkpoint must be committed (their records are not replayed) and
 * their open ones aborted (read_committed readers would wait at them until the broker's
 * transaction timeout, for good on the test broker). The runtime hands each remaining subtask the
 * removed ones' committables (`restoredCommittables`), as it does on restore.
 */
import { describe, expect, it } from 'vitest';
import {
  kafkaSink,
  type KafkaSinkOptions,
  type KafkaTransactionCommittable,
} from '../../../../runtime/connectors/kafka/index.ts';
import { restoredCommittables } from '../../../../runtime/execution/subtask.ts';
import { readTopic } from '../../../harness/kafka/index.ts';
import { unique, type KafkaTestCluster, useKafkaCluster } from './helpers.ts';

let cluster: KafkaTestCluster;

useKafkaCluster({ brokers: 1 }, (suite) => ({ cluster } = suite));

function sinkOptions(topic: string, prefix: string): KafkaSinkOptions<string> {
  return {
    brokers: cluster.brokers,
    topic,
    guarantee: 'exactly-once',
    transactionalIdPrefix: prefix,
    lingeringTransactions: 3,
    batchRecords: 1,
  };
}

describe('restored committables after a rescale', () => {
  it('each remaining subtask gets its own and those of the removed subtasks congruent to it', () => {
    const byIndex = { 0: 'a', 1: 'b', 2: 'c', 3: 'd', 4: 'e' };
    expect(restoredCommittables(byIndex, 0, 2)).toEqual(['a', 'c', 'e']);
    expect(restoredCommittables(byIndex, 1, 2)).toEqual(['b', 'd']);
    // Same or higher parallelism: own only.
    expect(restoredCommittables(byIndex, 3, 5)).toEqual(['d']);
    expect(restoredCommittables({ 0: 'a' }, 2, 4)).toEqual([]);
  });
});

describe('kafka exactly-once sink, restored with fewer subtasks', () => {
  it('3 subtasks → 1: the removed subtasks sealed transactions are committed, their open ones aborted, a read_committed reader sees everything at once', async () => {
    const topic = unique('sink-scale-in');
    await cluster.createTopic(topic, 2);
    const prefix = unique('tx');
    const sink = kafkaSink<string>(sinkOptions(topic, prefix));
    const old = [0, 1, 2].map((subtaskIndex) =>
      sink.createWriter({ jobName: 'j', operatorName: 'out', subtaskIndex, parallelism: 3, restored: false }),
    );
    for (const w of old) await w.open!();
    // Checkpoint 1 completes and is committed everywhere.
    for (const [i, w] of old.entries()) await w.write(`c1-s${i}`, 1);
    for (const w of old) await w.commit!([(await w.prepareCommit!(1)) as KafkaTransactionCommittable]);
    // Checkpoint 2 is durable but the process dies before any commit; records after its barrier
    // open the next transaction of every subtask.
    const second: Record<number, KafkaTransactionCommittable> = {};
    for (const [i, w] of old.entries()) {
      await w.write(`c2-s${i}`, 1);
      second[i] = (await w.prepareCommit!(2)) as KafkaTransactionCommittable;
      await w.write(`tail-s${i}`, 1);
    }
    expect(second[2]!.parallelism).toBe(3);
    expect((await cluster.openTransactions()).filter((id) => id.startsWith(`${prefix}-`)).sort()).toEqual([
      `${prefix}-0-2`,
      `${prefix}-0-3`,
      `${prefix}-1-2`,
      `${prefix}-1-3`,
      `${prefix}-2-2`,
      `${prefix}-2-3`,
    ]);

    const restored = sink.createWriter({
      jobName: 'j',
      operatorName: 'out',
      subtaskIndex: 0,
      parallelism: 1,
      restored: true,
      restoredCheckpointId: 2,
      firstCheckpointId: 3,
    });
    await restored.commit!(restoredCommittables(second, 0, 1) as KafkaTransactionCommittable[]);
    await restored.open!();

    // Right after the restore: nothing open under any old subtask's ids (a reader would wait there).
    expect((await cluster.openTransactions()).filter((id) => id.startsWith(`${prefix}-`))).toEqual([]);
    const seen = await readTopic(cluster.brokers, topic);
    expect(seen.sort()).toEqual(['c1-s0', 'c1-s1', 'c1-s2', 'c2-s0', 'c2-s1', 'c2-s2']);

    await restored.write('after', 1);
    await restored.commit!([(await restored.prepareCommit!(3)) as KafkaTransactionCommittable]);
    expect((await readTopic(cluster.brokers, topic)).sort()).toEqual([...seen, 'after'].sort());
    await restored.close!();
    // Not awaited: the dead incarnation's producers were fenced; disconnecting them may wait.
    for (const w of old) void Promise.resolve(w.close!()).catch(() => {});
  });
});
