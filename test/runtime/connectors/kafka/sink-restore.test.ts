/**
 * The exactly-once Kafka sink restored from a checkpoint that is not the newest (`--restore OLDER`,
 * or the newest is unreadable): every transaction an earlier incarnation began after the restored
 * checkpoint must end aborted, the restored checkpoint's own sealed transactions committed, and the
 * restored writer must not trip over its own transaction-id bound. Writer-level, on the real
 * Kafka-protocol test broker (the harness proxy keeps Kafka's transaction semantics).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConnectorError } from '../../../../runtime/index.ts';
import {
  kafkaSink,
  type KafkaSinkOptions,
  type KafkaTransactionCommittable,
} from '../../../../runtime/connectors/kafka/index.ts';
import { ApiKey, readTopic } from '../../../harness/kafka/index.ts';
import { unique, type KafkaTestCluster, useKafkaCluster } from './helpers.ts';

let cluster: KafkaTestCluster;

useKafkaCluster({ brokers: 1 }, (suite) => ({ cluster } = suite));

const WINDOW = 3;

interface Step {
  /** Records written before this barrier. */
  records: number;
  /** Whether the checkpoint of this barrier completes (then the writer commits it). */
  completes: boolean;
}

interface Scenario {
  steps: Step[];
  /** The last completed checkpoint's commit never reaches the broker: the process dies in between. */
  holdLastCommit: boolean;
  /** Records written after the last barrier, before the crash (they open the next transaction). */
  tail: number;
  /** Which restore point, as an index into [none, ...completed checkpoints]. */
  restorePick: number;
  /** The restored writer's acceptDuplicatesOnRestore. */
  accept?: boolean;
}

function sinkOptions(topic: string, prefix: string, accept = false): KafkaSinkOptions<string> {
  return {
    acceptDuplicatesOnRestore: accept,
    brokers: cluster.brokers,
    topic,
    guarantee: 'exactly-once',
    transactionalIdPrefix: prefix,
    lingeringTransactions: WINDOW,
    batchRecords: 1,
  };
}

const context = { jobName: 'j', operatorName: 'out', subtaskIndex: 0, parallelism: 1 };

async function runScenario(s: Scenario): Promise<void> {
  const topic = unique('sink-older');
  await cluster.createTopic(topic, 1);
  const prefix = unique('tx');
  const sink = kafkaSink<string>(sinkOptions(topic, prefix));

  // First incarnation: barriers 1..n, some checkpoints complete, then it dies (no close).
  const first = sink.createWriter({ ...context, restored: false });
  await first.open!();
  const sealedAt = new Map<number, string[]>();
  const committables = new Map<number, KafkaTransactionCommittable>();
  const completed: number[] = [];
  let unsealed: string[] = [];
  let committedThrough = 0;
  let stopped = false;
  const write = async (value: string): Promise<void> => {
    try {
      await first.write(value, 1);
      unsealed.push(value);
    } catch (error) {
      // Past the window of ids a restore re-initialises: the job would fail and restart here.
      expect((error as ConnectorError).code).toBe('KAFKA_TRANSACTIONS_BACKLOG');
      stopped = true;
    }
  };
  const lastCompleting = s.steps.map((st) => st.completes).lastIndexOf(true) + 1;
  for (let b = 1; b <= s.steps.length && !stopped; b++) {
    const step = s.steps[b - 1]!;
    for (let i = 0; i < step.records && !stopped; i++) await write(`b${b}-${i}`);
    if (stopped) break;
    const c = (await first.prepareCommit!(b)) as KafkaTransactionCommittable;
    sealedAt.set(b, unsealed);
    unsealed = [];
    committables.set(b, c);
    if (!step.completes) continue;
    completed.push(b);
    // A commit with nothing sealed sends no EndTxn: nothing to swallow.
    if (s.holdLastCommit && b === lastCompleting && c.transactions.length > 0) {
      // The checkpoint is durable; its EndTxn is swallowed and the coordinator never starts
      // another checkpoint while a commit is pending, so this is the last barrier.
      const held = cluster.holdNextCommit();
      void Promise.resolve(first.commit!([c])).catch(() => {});
      await held;
      break;
    }
    await first.commit!([c]);
    committedThrough = b;
  }
  for (let i = 0; i < s.tail && !stopped; i++) await write(`tail-${i}`);

  // The restart: from the picked checkpoint (or none), in a directory whose newest checkpoint is
  // the newest that completed, so the runtime numbers this incarnation's checkpoints after it.
  const points = [0, ...completed];
  const restoredId = points[s.restorePick % points.length]!;
  const newest = completed.at(-1) ?? 0;
  const second = kafkaSink<string>(sinkOptions(topic, prefix, s.accept)).createWriter({
    ...context,
    restored: restoredId > 0,
    ...(restoredId > 0 ? { restoredCheckpointId: restoredId } : {}),
    firstCheckpointId: newest + 1,
  });
  if (restoredId > 0) await second.commit!([committables.get(restoredId)!]);
  // Output the first incarnation committed for a checkpoint after the restored one: the replay
  // would write it again, so the restore is refused unless the duplicates are accepted.
  let newestCommitted = 0;
  for (let b = restoredId + 1; b <= committedThrough; b++) if ((sealedAt.get(b) ?? []).length > 0) newestCommitted = b;
  if (restoredId > 0 && newestCommitted > 0 && !s.accept) {
    const error = await Promise.resolve(second.open!()).then(
      () => undefined,
      (e: unknown) => e,
    );
    await Promise.resolve(second.close!()).catch(() => {});
    void Promise.resolve(first.close!()).catch(() => {});
    expect(error).toBeInstanceOf(ConnectorError);
    expect((error as ConnectorError).code).toBe('KAFKA_COMMITTED_AFTER_RESTORE');
    expect((error as ConnectorError).retriable).toBe(false);
    expect((error as Error).message).toContain(
      `restored from checkpoint ${restoredId}, but the output of checkpoint ${newestCommitted} (subtask 0) to topic '${topic}'`,
    );
    // Refused before it wrote anything, and nothing is left open.
    expect((await cluster.openTransactions()).filter((id) => id.startsWith(`${prefix}-`))).toEqual([]);
    const expected: string[] = [];
    for (let b = 1; b <= Math.max(restoredId, committedThrough); b++) expected.push(...(sealedAt.get(b) ?? []));
    expect(await readTopic(cluster.brokers, topic)).toEqual(expected);
    return;
  }
  await second.open!();
  await second.write('after-1', 2);
  const c1 = (await second.prepareCommit!(newest + 1)) as KafkaTransactionCommittable;
  // Written before checkpoint newest+1 completes: the next id, past the restored one by more
  // than the window when the restore went back far.
  await second.write('after-2', 2);
  await second.commit!([c1]);
  await second.commit!([(await second.prepareCommit!(newest + 2)) as KafkaTransactionCommittable]);

  // Checked first: a read_committed reader waits at an open transaction for good on this broker.
  expect((await cluster.openTransactions()).filter((id) => id.startsWith(`${prefix}-`))).toEqual([]);
  // Visible: what was sealed up to the restored checkpoint (resumed), what the first incarnation
  // committed itself (Kafka cannot take a commit back; restoring from before it replays those
  // records a second time), and the restored run. Nothing else.
  const visibleThrough = Math.max(restoredId, committedThrough);
  const expected: string[] = [];
  for (let b = 1; b <= visibleThrough; b++) expected.push(...(sealedAt.get(b) ?? []));
  expected.push('after-1', 'after-2');
  expect(await readTopic(cluster.brokers, topic)).toEqual(expected);
  await Promise.resolve(second.close!()).catch(() => {});
  // Not awaited: the dead incarnation's producer with the swallowed EndTxn disconnects only after
  // kafkajs's request timeout.
  void Promise.resolve(first.close!()).catch(() => {});
}

describe('kafka exactly-once sink, restored from a checkpoint that is not the newest', () => {
  it('ten checkpoints complete, the newest commit never reaches the broker, the restore goes back nine accepting duplicates: what came after is aborted and the restored run is not refused', async () => {
    await runScenario({
      steps: Array.from({ length: 10 }, (_, i) => ({ records: i === 0 ? 2 : 1, completes: true })),
      holdLastCommit: true,
      tail: 2,
      restorePick: 1,
      accept: true,
    });
  });

  it('the same restore without the opt-in is refused, naming the restored and the newest committed checkpoint (the run before committed checkpoints 2 to 9)', async () => {
    await runScenario({
      steps: Array.from({ length: 10 }, (_, i) => ({ records: i === 0 ? 2 : 1, completes: true })),
      holdLastCommit: true,
      tail: 2,
      restorePick: 1,
      accept: false,
    });
  });

  it('property: wherever the restore point lands, nothing stays open; a restore before committed output is refused (KAFKA_COMMITTED_AFTER_RESTORE) unless duplicates are accepted, and read_committed readers see the restored checkpoint, earlier commits and the new run', async () => {
    const step = fc.record({ records: fc.integer({ min: 0, max: 2 }), completes: fc.boolean() });
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          steps: fc.array(step, { minLength: 1, maxLength: 9 }),
          holdLastCommit: fc.boolean(),
          tail: fc.integer({ min: 0, max: 2 }),
          restorePick: fc.nat({ max: 20 }),
          accept: fc.boolean(),
        }),
        runScenario,
      ),
      { numRuns: 12, endOnFailure: true },
    );
  }, 300_000);

  it('a broker that refuses the re-initialisation for good fails the restore at once, naming the ids (not retriable)', async () => {
    if (cluster.external) throw new Error('this test injects broker errors; unset KAFKA_BROKERS');
    const topic = unique('sink-fence-denied');
    await cluster.createTopic(topic, 1);
    const prefix = unique('tx');
    const writer = kafkaSink<string>(sinkOptions(topic, prefix)).createWriter({
      ...context,
      restored: true,
      restoredCheckpointId: 4,
      firstCheckpointId: 9,
    });
    // 53 = TRANSACTIONAL_ID_AUTHORIZATION_FAILED: a restart meets the same answer.
    await cluster.pushRequestErrors(ApiKey.InitProducerId, [53]);
    const error = await Promise.resolve(writer.open!()).then(
      () => undefined,
      (e: unknown) => e,
    );
    await writer.close!();
    expect(error).toBeInstanceOf(ConnectorError);
    expect((error as ConnectorError).code).toBe('KAFKA_PRODUCER_FAILED');
    expect((error as ConnectorError).retriable).toBe(false);
    // Ids after the restored checkpoint 4, up to the newest earlier checkpoint (8) plus the window.
    expect((error as Error).message).toContain(`'${prefix}-0-5' to '${prefix}-0-11'`);
  });
});

describe('kafka exactly-once sink, the markers bound the ids a start re-initialises', () => {
  /** A first incarnation that commits `checkpoints` checkpoints with one record each, then dies. */
  async function committedRun(topic: string, prefix: string, checkpoints: number): Promise<string[]> {
    const first = kafkaSink<string>(sinkOptions(topic, prefix)).createWriter({ ...context, restored: false });
    await first.open!();
    const written: string[] = [];
    for (let b = 1; b <= checkpoints; b++) {
      await first.write(`b${b}`, 1);
      written.push(`b${b}`);
      await first.commit!([(await first.prepareCommit!(b)) as KafkaTransactionCommittable]);
    }
    await first.close!();
    return written;
  }

  it('a fresh start after 20 committed checkpoints re-initialises the window past the marker, not ids 1 to 20', async () => {
    const topic = unique('sink-bound');
    await cluster.createTopic(topic, 1);
    const prefix = unique('tx');
    await committedRun(topic, prefix, 20);
    const before = await cluster.initializations(`${prefix}-0-`);
    const fresh = kafkaSink<string>(sinkOptions(topic, prefix)).createWriter({
      ...context,
      restored: false,
      firstCheckpointId: 21,
    });
    await fresh.open!();
    const after = await cluster.initializations(`${prefix}-0-`);
    const reinitialised = Object.keys(after)
      .filter((id) => after[id] !== before[id])
      .map((id) => id.slice(`${prefix}-0-`.length))
      .sort((a, b) => Number(a) - Number(b));
    // Ids 21 … 20 + WINDOW: past the marker (20), up to the newest checkpoint plus the window. Before
    // the markers: ids 1 … 20 + WINDOW. And the marker's own transaction, which lowers it to 0
    // before this writer opens id 1.
    expect(reinitialised).toEqual([...Array.from({ length: WINDOW }, (_, i) => String(21 + i)), 'marker']);
    await fresh.close!();
  });

  it('a fresh start lowers the marker before it opens ids below it: a second fresh start after it died re-initialises them', async () => {
    const topic = unique('sink-bound-lower');
    await cluster.createTopic(topic, 1);
    const prefix = unique('tx');
    const written = await committedRun(topic, prefix, 6);
    const start = (): ReturnType<ReturnType<typeof kafkaSink<string>>['createWriter']> =>
      kafkaSink<string>(sinkOptions(topic, prefix)).createWriter({ ...context, restored: false, firstCheckpointId: 7 });
    // The fresh start opens id 1 (far below the marker 6) and dies with it open.
    const dying = start();
    await dying.open!();
    await dying.write('never-committed', 1);
    expect((await cluster.openTransactions()).filter((id) => id.startsWith(`${prefix}-`))).toEqual([`${prefix}-0-1`]);
    const again = start();
    await again.open!();
    // Checked first: a read_committed reader waits at an open transaction for good on this broker.
    expect((await cluster.openTransactions()).filter((id) => id.startsWith(`${prefix}-`))).toEqual([]);
    expect(await readTopic(cluster.brokers, topic)).toEqual(written);
    await again.close!();
    void Promise.resolve(dying.close!()).catch(() => {});
  });
});

describe('kafka exactly-once sink, a marker the broker refuses', () => {
  it("fails the checkpoint (retriable), aborts that checkpoint's transaction, and the restored run commits the replay once", async () => {
    if (cluster.external) throw new Error('this test injects broker errors; unset KAFKA_BROKERS');
    const topic = unique('sink-marker-refused');
    await cluster.createTopic(topic, 1);
    const prefix = unique('tx');
    const first = kafkaSink<string>(sinkOptions(topic, prefix)).createWriter({ ...context, restored: false });
    await first.open!();
    await first.write('c1', 1);
    await first.commit!([(await first.prepareCommit!(1)) as KafkaTransactionCommittable]);
    await first.write('c2', 1);
    // 30 = GROUP_AUTHORIZATION_FAILED: the marker's group is not writable (a missing ACL).
    await cluster.pushRequestErrors(ApiKey.AddOffsetsToTxn, [30]);
    const error = await Promise.resolve(first.prepareCommit!(2)).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConnectorError);
    expect((error as ConnectorError).code).toBe('KAFKA_SEND_FAILED');
    // The job restarts from checkpoint 1 and replays what came after it.
    expect((error as ConnectorError).retriable).toBe(true);
    expect((error as Error).message).toContain(`checkpoint 2 marker (group '${prefix}-0.committed-checkpoint'`);
    // Aborted at once: nothing of checkpoint 2 is open, so read_committed readers are not held up.
    expect((await cluster.openTransactions()).filter((id) => id.startsWith(`${prefix}-`))).toEqual([]);
    void Promise.resolve(first.close!()).catch(() => {});

    const restored = kafkaSink<string>(sinkOptions(topic, prefix)).createWriter({
      ...context,
      restored: true,
      restoredCheckpointId: 1,
      firstCheckpointId: 3,
    });
    await restored.open!();
    await restored.write('c2', 1);
    await restored.commit!([(await restored.prepareCommit!(3)) as KafkaTransactionCommittable]);
    expect(await readTopic(cluster.brokers, topic)).toEqual(['c1', 'c2']);
    await restored.close!();
  });
});
