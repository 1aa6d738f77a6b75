/**
 * Kafka's transaction semantics, kept by the proxy for librdkafka 2.0.2's mock, which runs the
 * transactional protocol but writes no control records, serves every record to read_committed
 * readers, hands out a new random producer id on every InitProducerId and never fences.
 *
 * The ledger watches the wire: InitProducerId (a new generation of a transactional id; the
 * previous generation's open transaction is aborted, as Kafka's coordinator does), transactional
 * Produce batches (keyed by producer id, topic, partition and base sequence, which the batch
 * still carries when a reader fetches it), and EndTxn (commit or abort of the producer's open
 * transaction; an EndTxn from an older generation is answered with INVALID_PRODUCER_EPOCH).
 * For a read_committed Fetch the proxy then drops aborted batches and stops at the first batch
 * of an open transaction (the last stable offset), which is what a Kafka broker shows.
 * TxnOffsetCommit offsets are kept per producer and stored when its transaction commits; an
 * OffsetFetch of such a group answers them (the mock stores none).
 */

export type TransactionStatus = 'open' | 'committed' | 'aborted';

interface Transaction {
  transactionalId: string;
  producerId: string;
  status: TransactionStatus;
}

/** A consumer group offset committed inside a transaction (TxnOffsetCommit). */
export interface TransactionalOffset {
  topic: string;
  partition: number;
  offset: string;
  metadata: string | null;
}

export interface HeldCommit {
  transactionalId: string;
  producerId: string;
}

export class TransactionLedger {
  /** transactional id → its current generation (count of InitProducerId) and producer id. */
  private readonly current = new Map<string, { generation: number; producerId: string }>();
  private readonly producers = new Map<string, { transactionalId: string; generation: number }>();
  private readonly open = new Map<string, Transaction>();
  private readonly batches = new Map<string, Transaction>();
  private readonly all: Transaction[] = [];
  private holds: Array<{ idPrefix: string; wake: (held: HeldCommit) => void }> = [];
  /** producer id → group → offsets sent in its open transaction, stored when it commits. */
  private readonly pendingOffsets = new Map<string, Map<string, TransactionalOffset[]>>();
  /** group → "topic:partition" → the offset a committed transaction stored. */
  private readonly storedOffsets = new Map<string, Map<string, TransactionalOffset>>();
  /** Every producer id the broker handed out (transactional or only idempotent). */
  private readonly issued = new Set<string>();
  /** Producer ids the broker handed out again, refused (see `issue`). */
  readonly reissued: Array<{ producerId: string; transactionalId: string | null }> = [];

  /**
   * An InitProducerId answer. The mock draws producer ids at random (1 000 × a number up to
   * 900 000) without checking they are free; Kafka never hands one out twice. A repeated one
   * belongs, in the mock's own lookups, to its first holder: every request of the new producer
   * would fail with INVALID_PRODUCER_ID_MAPPING, and in this ledger the two would share one
   * producer id's transactions. Returns false for such an answer; the proxy turns it into a
   * retriable error, so the client asks again and gets a fresh id.
   */
  issue(transactionalId: string | null, producerId: string): boolean {
    if (this.issued.has(producerId)) {
      this.reissued.push({ producerId, transactionalId });
      return false;
    }
    this.issued.add(producerId);
    if (transactionalId !== null) this.initialized(transactionalId, producerId);
    return true;
  }

  /** How many InitProducerId answers each transactional id starting with `prefix` got. */
  initializations(prefix = ''): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const [id, { generation }] of this.current) if (id.startsWith(prefix)) counts[id] = generation + 1;
    return counts;
  }

  private initialized(transactionalId: string, producerId: string): void {
    const previous = this.current.get(transactionalId);
    if (previous) this.end(previous.producerId, 'aborted');
    const generation = (previous?.generation ?? -1) + 1;
    this.current.set(transactionalId, { generation, producerId });
    this.producers.set(producerId, { transactionalId, generation });
  }

  /** A transactional batch on its way to the log. */
  produced(producerId: string, topic: string, partition: number, baseSequence: number): void {
    let txn = this.open.get(producerId);
    if (!txn) {
      const producer = this.producers.get(producerId);
      txn = {
        transactionalId: producer?.transactionalId ?? '?',
        producerId,
        status: this.fenced(producerId) ? 'aborted' : 'open',
      };
      this.all.push(txn);
      if (txn.status === 'open') this.open.set(producerId, txn);
    }
    this.batches.set(`${producerId}:${topic}:${partition}:${baseSequence}`, txn);
  }

  /** Whether a newer InitProducerId for the same transactional id superseded this producer. */
  fenced(producerId: string): boolean {
    const producer = this.producers.get(producerId);
    if (!producer) return false;
    return (this.current.get(producer.transactionalId)?.generation ?? producer.generation) > producer.generation;
  }

  /**
   * A TxnOffsetCommit: Kafka stores the offsets when the transaction commits and drops them when
   * it aborts (the mock answers success and stores nothing). A fenced producer's are refused by
   * Kafka; here they are dropped.
   */
  offsetsSent(producerId: string, groupId: string, offsets: TransactionalOffset[]): void {
    if (this.fenced(producerId)) return;
    let groups = this.pendingOffsets.get(producerId);
    if (!groups) this.pendingOffsets.set(producerId, (groups = new Map()));
    groups.set(groupId, [...(groups.get(groupId) ?? []), ...offsets]);
  }

  /** Offsets committed transactionally for the group, by "topic:partition"; undefined when none. */
  committedOffsets(groupId: string): ReadonlyMap<string, TransactionalOffset> | undefined {
    return this.storedOffsets.get(groupId);
  }

  /** A successful EndTxn of a producer that was not fenced. */
  end(producerId: string, status: 'committed' | 'aborted'): void {
    // Taken once: a repeated commit (a resumed EndTxn) stores nothing again, as in Kafka.
    const offsets = this.pendingOffsets.get(producerId);
    this.pendingOffsets.delete(producerId);
    if (offsets && status === 'committed') {
      for (const [groupId, list] of offsets) {
        let stored = this.storedOffsets.get(groupId);
        if (!stored) this.storedOffsets.set(groupId, (stored = new Map()));
        for (const o of list) stored.set(`${o.topic}:${o.partition}`, o);
      }
    }
    const txn = this.open.get(producerId);
    if (!txn) return;
    txn.status = status;
    this.open.delete(producerId);
  }

  /** Status of a fetched batch; undefined when the ledger never saw it produced. */
  statusOf(producerId: string, topic: string, partition: number, baseSequence: number): TransactionStatus | undefined {
    return this.batches.get(`${producerId}:${topic}:${partition}:${baseSequence}`)?.status;
  }

  /** Transactional ids with an open transaction. */
  openTransactions(): string[] {
    return [...this.open.values()].map((t) => t.transactionalId);
  }

  /** Counts of transactions by outcome, per transactional id prefix match. */
  outcomes(prefix = ''): Record<TransactionStatus, number> {
    const counts: Record<TransactionStatus, number> = { open: 0, committed: 0, aborted: 0 };
    for (const t of this.all) if (t.transactionalId.startsWith(prefix)) counts[t.status]++;
    return counts;
  }

  /**
   * Arms a hold: the next EndTxn that commits a transactional id starting with `idPrefix` (any id
   * when empty) is swallowed (never reaches the broker).
   */
  holdNextCommit(idPrefix = ''): Promise<HeldCommit> {
    return new Promise((wake) => this.holds.push({ idPrefix, wake }));
  }

  /** Returns true when this commit request must be swallowed. */
  takeHold(held: HeldCommit): boolean {
    const at = this.holds.findIndex((h) => held.transactionalId.startsWith(h.idPrefix));
    if (at < 0) return false;
    const [hold] = this.holds.splice(at, 1);
    hold!.wake(held);
    return true;
  }
}
