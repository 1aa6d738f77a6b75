/**
 * Checkpoint markers of the exactly-once sink: every transaction also commits, for a consumer group
 * of its own per sink and subtask, the id of the checkpoint that sealed it as the offset of
 * partition 0 of a topic the sink writes. Kafka stores a transaction's offsets atomically with its
 * records (TxnOffsetCommit), so after a restore has aborted every open transaction the group's
 * offset is the newest checkpoint whose output readers can see: a restore from an older
 * checkpoint can tell that its replay would write committed records a second time.
 */
import type { Admin, Kafka, Transaction } from 'kafkajs';

/** The consumer group holding subtask `subtask`'s marker; no consumer ever joins it. */
export function markerGroup(transactionalIdPrefix: string, subtask: number): string {
  return `${transactionalIdPrefix}-${subtask}.committed-checkpoint`;
}

/** Adds the marker to the transaction: it becomes visible exactly when the transaction commits. */
export async function sendMarker(
  transaction: Transaction,
  group: string,
  topic: string,
  checkpointId: number,
  transactionalId: string,
): Promise<void> {
  // The metadata is for people reading the group with kafka-consumer-groups; the offset is the marker.
  const metadata = JSON.stringify({ stormshift: 'sink-checkpoint-marker', checkpointId, transactionalId });
  await transaction.sendOffsets({
    consumerGroupId: group,
    topics: [{ topic, partitions: [{ partition: 0, offset: String(checkpointId), metadata } as never] }],
  });
}

/** The newest checkpoint whose transaction committed a marker for the group; undefined when none. */
export async function readMarker(admin: Admin, group: string, topic: string): Promise<number | undefined> {
  const entries = await admin.fetchOffsets({ groupId: group, topics: [topic] });
  const offset = entries.find((e) => e.topic === topic)?.partitions.find((p) => p.partition === 0)?.offset;
  const id = Number(offset);
  return Number.isSafeInteger(id) && id > 0 ? id : undefined;
}

/**
 * Lowers the marker to `checkpointId` in a transaction of its own (under `transactionalId`, which
 * no numbered transaction uses): a writer that will open ids at or below the committed marker
 * must first take back the marker's promise that no id up to it is open (see the sink's README).
 */
export async function lowerMarker(
  kafka: Kafka,
  transactionalId: string,
  group: string,
  topic: string,
  checkpointId: number,
  timeoutMs: number,
): Promise<void> {
  const producer = kafka.producer({
    allowAutoTopicCreation: false,
    idempotent: true,
    maxInFlightRequests: 1,
    transactionalId,
    transactionTimeout: timeoutMs,
  });
  try {
    await producer.connect();
    const transaction = await producer.transaction();
    await sendMarker(transaction, group, topic, checkpointId, transactionalId);
    await transaction.commit();
  } finally {
    await producer.disconnect().catch(() => {});
  }
}
