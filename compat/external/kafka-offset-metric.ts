/**
 * storm-kafka-client's "kafkaOffset" metric for the compat KafkaSpout: per partition the log head
 * (latestTimeOffset), the last emitted offset, the committed offset (latestCompletedOffset) and
 * spoutLag = head − committed, with Storm's key names (`topic/partition_N/spoutLag`, ...) and the
 * per-topic totals. Storm asks the consumer synchronously; here the brokers are asked in the
 * background, so `getValueAndReset` returns the last answer and starts the next one. `partitionLags`
 * waits for a fresh answer (Storm UI's lag endpoint reads it).
 */
import type { KafkaPartitionOffsets } from '../../runtime/index.ts';
import type { IMetric } from '../component/interfaces.ts';

export interface KafkaPartitionLag {
  topic: string;
  partition: number;
  /** The offset the next record written to the partition gets (the log end). */
  logHeadOffset: number;
  /**
   * The group's committed offset; before the first commit, where the spout started reading
   * (Storm's OffsetManager starts its committed offset at the initial fetch offset).
   */
  consumerCommittedOffset: number;
  /** The highest offset the spout emitted; -1 before the first. */
  latestEmittedOffset: number;
  lag: number;
}

/** What the metric reads from its spout task. */
export interface KafkaOffsetSource {
  partitionOffsets(): Promise<KafkaPartitionOffsets[]>;
  /** Per `topic:partition`: the last commit to the group. */
  committed(): Readonly<Record<string, number>>;
  /** Per `topic:partition`: the offset after the highest emitted. */
  emittedNext(): Readonly<Record<string, number>>;
  /** Per `topic:partition`: the first offset the spout read in this incarnation. */
  startedAt(): ReadonlyMap<string, number>;
}

export class KafkaOffsetMetric implements IMetric {
  private last: Record<string, number> = {};
  private pending: Promise<KafkaPartitionLag[]> | undefined;

  constructor(private readonly source: KafkaOffsetSource) {}

  getValueAndReset(): Record<string, number> {
    void this.partitionLags().catch(() => undefined);
    return this.last;
  }

  /** Asks the brokers for the heads now; concurrent callers share one request. */
  partitionLags(): Promise<KafkaPartitionLag[]> {
    this.pending ??= this.read().finally(() => (this.pending = undefined));
    return this.pending;
  }

  private async read(): Promise<KafkaPartitionLag[]> {
    const offsets = await this.source.partitionOffsets();
    const committed = this.source.committed();
    const emitted = this.source.emittedNext();
    const started = this.source.startedAt();
    const rows = offsets.map(({ topic, partition, logHeadOffset, position }) => {
      const tp = `${topic}:${partition}`;
      const done = committed[tp] ?? started.get(tp) ?? position ?? logHeadOffset;
      return {
        topic,
        partition,
        logHeadOffset,
        consumerCommittedOffset: done,
        latestEmittedOffset: emitted[tp] === undefined ? -1 : emitted[tp] - 1,
        lag: Math.max(0, logHeadOffset - done),
      };
    });
    this.last = stormKeys(rows);
    return rows;
  }
}

function stormKeys(rows: KafkaPartitionLag[]): Record<string, number> {
  const out: Record<string, number> = {};
  const totals = new Map<string, { lag: number; head: number; emitted: number; completed: number }>();
  for (const r of rows) {
    const p = `${r.topic}/partition_${r.partition}`;
    out[`${p}/spoutLag`] = r.lag;
    out[`${p}/latestTimeOffset`] = r.logHeadOffset;
    out[`${p}/latestEmittedOffset`] = r.latestEmittedOffset;
    out[`${p}/latestCompletedOffset`] = r.consumerCommittedOffset;
    const t = totals.get(r.topic) ?? { lag: 0, head: 0, emitted: 0, completed: 0 };
    t.lag += r.lag;
    t.head += r.logHeadOffset;
    t.emitted += Math.max(0, r.latestEmittedOffset);
    t.completed += r.consumerCommittedOffset;
    totals.set(r.topic, t);
  }
  for (const [topic, t] of totals) {
    out[`${topic}/totalSpoutLag`] = t.lag;
    out[`${topic}/totalLatestTimeOffset`] = t.head;
    out[`${topic}/totalLatestEmittedOffset`] = t.emitted;
    out[`${topic}/totalLatestCompletedOffset`] = t.completed;
  }
  return out;
}
