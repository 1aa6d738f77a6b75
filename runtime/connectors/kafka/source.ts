import type {
  Admin,
  Consumer,
  EachBatchPayload,
  GroupMember,
  KafkaMessage,
  PartitionAssigner,
  Producer,
} from 'kafkajs';
import type { Gauge, Counter } from 'prom-client';
import type { PollResult, Source, SourceContext, SourceOutput, SourceReader } from '../../api/source.ts';
import { ConfigError, ConnectorError } from '../../errors.ts';
import type { RuntimeMetrics } from '../../metrics/index.ts';
import {
  checkConnection,
  connectAdmin,
  createKafka,
  kafkajs,
  messageOf,
  resolveTopics,
  type KafkaConnectionOptions,
} from './client.ts';
import { resolveDeserializer, type DeserializerSpec, type KafkaConsumerRecord } from './serde.ts';

export type KafkaStartFrom = 'committed' | 'earliest' | 'latest' | { timestamp: number };

export interface KafkaSourceOptions<T> extends KafkaConnectionOptions {
  /** Topic names, or a pattern matched (whole name) against the cluster's topics at start. */
  topics: string | readonly string[] | RegExp;
  /** Consumer group: offsets are committed to it at each completed checkpoint. */
  groupId: string;
  /**
   * 'group' (default): the group coordinator spreads partitions over every member, which also
   * lets several job processes share a topic. 'static': partition p of each topic goes to subtask
   * `p % parallelism`, whatever joins the group, so restored positions always meet their partitions.
   */
  assignment?: 'group' | 'static';
  /**
   * Where a fresh (not restored) job starts: the group's committed offsets (default), the
   * earliest or latest offsets at start, or the first offset at or after a timestamp (ms).
   * A restored job always resumes from its checkpoint.
   */
  startFrom?: KafkaStartFrom;
  /** Where 'committed' starts a partition the group has no offset for. Default 'earliest'. */
  resetTo?: 'earliest' | 'latest';
  deserializer?: DeserializerSpec<T>;
  /**
   * A record the deserializer rejects: fail the job (default; the error names topic, partition and
   * offset) or write the raw record to a dead-letter topic with the reason in its headers.
   */
  onDecodeError?: 'fail' | { deadLetterTopic: string };
  /**
   * Event time from record timestamps, with per-partition watermarks: each partition's watermark
   * is its highest timestamp minus `outOfOrdernessMs`, and the source emits the minimum over its
   * partitions. A partition that emitted nothing for `idleTimeoutMs` stops holding it back.
   */
  watermarks?: { outOfOrdernessMs?: number; idleTimeoutMs?: number };
  /** Records buffered ahead of the job before fetching pauses. Default 10 000. */
  bufferRecords?: number;
  /** Commit checkpointed offsets to the group (for lag tools and for 'committed' starts). Default true. */
  commitOffsets?: boolean;
  consumer?: {
    sessionTimeout?: number;
    heartbeatInterval?: number;
    rebalanceTimeout?: number;
    maxWaitTimeInMs?: number;
    maxBytesPerPartition?: number;
  };
  /**
   * Where the consumer-lag gauge and the counters go; pass `env.config.metrics` in a job. If the
   * runtime hands readers a registry of its own, that one is used instead.
   */
  metrics?: RuntimeMetrics;
}

/** Checkpointed state: for every partition, the offset right after the last record emitted. */
export interface KafkaSourceState {
  offsets: Record<string, string>;
}

/**
 * A Kafka source on kafkajs. kafkajs pushes batches (`eachBatch`); the reader buffers them,
 * pauses fetching when the buffer is full, and hands records to the runtime when it polls, so
 * backpressure and barriers work as for any poll-based source. Positions are part of each
 * checkpoint and committed to the consumer group once the checkpoint is complete.
 */
export function kafkaSource<T = string>(options: KafkaSourceOptions<T>): Source<T, KafkaSourceState> {
  checkConnection('kafka source', options);
  if (typeof options.groupId !== 'string' || options.groupId.length === 0)
    throw new ConfigError("kafka source: 'groupId' is required");
  if (options.assignment !== undefined && options.assignment !== 'group' && options.assignment !== 'static') {
    throw new ConfigError(
      `kafka source: 'assignment' must be 'group' or 'static', got ${JSON.stringify(options.assignment)}`,
    );
  }
  const start = options.startFrom ?? 'committed';
  if (
    typeof start === 'object' ? !Number.isFinite(start.timestamp) : !['committed', 'earliest', 'latest'].includes(start)
  ) {
    throw new ConfigError(
      `kafka source: 'startFrom' must be 'committed', 'earliest', 'latest' or { timestamp }, got ${JSON.stringify(start)}`,
    );
  }
  if (options.bufferRecords !== undefined && !(Number.isInteger(options.bufferRecords) && options.bufferRecords > 0)) {
    throw new ConfigError(
      `kafka source: 'bufferRecords' must be a positive integer, got ${String(options.bufferRecords)}`,
    );
  }
  const decodeError = options.onDecodeError ?? 'fail';
  if (decodeError !== 'fail' && !(typeof decodeError === 'object' && typeof decodeError.deadLetterTopic === 'string')) {
    throw new ConfigError("kafka source: 'onDecodeError' must be 'fail' or { deadLetterTopic }");
  }
  resolveDeserializer(options.deserializer);
  return { createReader: (context) => new KafkaSourceReader<T>(options, context) };
}

/**
 * A reader driven directly rather than by the runtime (the Storm KafkaSpout polls one from
 * nextTuple and commits what its acks allow).
 */
export interface KafkaReader<T> extends SourceReader<T, KafkaSourceState> {
  start(): Promise<void>;
  close(): Promise<void>;
  /** Commits these offsets (the next offset to read) to the group. */
  commitOffsets(offsets: ReadonlyArray<{ topic: string; partition: number; offset: number | string }>): Promise<void>;
  /** Drops what is buffered for the partition and continues reading it at `offset`. */
  seek(topic: string, partition: number, offset: number): void;
  /** Partitions this reader owns right now, as `topic:partition`. */
  assignedPartitions(): string[];
  /**
   * Per owned partition: the log's head (end) offset asked of the brokers now, and `position`, the
   * offset after the last record this reader handed out (undefined before it knows where it starts).
   */
  partitionOffsets(): Promise<KafkaPartitionOffsets[]>;
}

export interface KafkaPartitionOffsets {
  topic: string;
  partition: number;
  logHeadOffset: number;
  position: number | undefined;
}

export function kafkaReader<T = string>(options: KafkaSourceOptions<T>, context: SourceContext): KafkaReader<T> {
  kafkaSource(options);
  return new KafkaSourceReader<T>(options, context);
}

interface BufferedBatch {
  topic: string;
  partition: number;
  tp: string;
  messages: KafkaMessage[];
  next: number;
}

const tpKey = (topic: string, partition: number): string => `${topic}:${partition}`;
const splitTp = (tp: string): [string, number] => {
  const at = tp.lastIndexOf(':');
  return [tp.slice(0, at), Number(tp.slice(at + 1))];
};

const STATIC_ASSIGNER = 'StormshiftStaticAssigner';

/** Partition p of every topic to the member whose subtask is p % parallelism. */
function staticAssigner(subtask: number, parallelism: number): PartitionAssigner {
  return ({ cluster }) => ({
    name: STATIC_ASSIGNER,
    version: 0,
    async assign({ members, topics }: { members: GroupMember[]; topics: string[] }) {
      const bySubtask = new Map<number, string>();
      let groupParallelism = parallelism;
      for (const { memberId, memberMetadata } of [...members].sort((a, b) => (a.memberId < b.memberId ? -1 : 1))) {
        const meta = kafkajs().AssignerProtocol.MemberMetadata.decode(memberMetadata);
        const info = meta?.userData?.length
          ? (JSON.parse(meta.userData.toString()) as { subtask: number; parallelism: number })
          : undefined;
        if (!info) continue;
        groupParallelism = info.parallelism;
        if (!bySubtask.has(info.subtask)) bySubtask.set(info.subtask, memberId);
      }
      const assignment = new Map<string, Record<string, number[]>>();
      for (const m of members) assignment.set(m.memberId, {});
      for (const topic of topics) {
        for (const { partitionId } of cluster.findTopicPartitionMetadata(topic)) {
          const owner = bySubtask.get(partitionId % groupParallelism);
          if (owner === undefined) continue;
          (assignment.get(owner)![topic] ??= []).push(partitionId);
        }
      }
      return [...assignment].map(([memberId, a]) => ({
        memberId,
        memberAssignment: kafkajs().AssignerProtocol.MemberAssignment.encode({
          version: 0,
          assignment: a,
          userData: Buffer.alloc(0),
        }),
      }));
    },
    protocol({ topics }: { topics: string[] }) {
      return {
        name: STATIC_ASSIGNER,
        metadata: kafkajs().AssignerProtocol.MemberMetadata.encode({
          version: 0,
          topics,
          userData: Buffer.from(JSON.stringify({ subtask, parallelism })),
        }),
      };
    },
  });
}

type FastDecode<T> = (m: KafkaMessage, topic: string, partition: number) => T;

class KafkaSourceReader<T> implements KafkaReader<T> {
  private readonly what: string;
  private readonly decode: FastDecode<T>;
  private readonly capacity: number;
  private readonly resume: number;
  private readonly bound: number;
  private readonly idleTimeoutMs: number;

  private admin: Admin | undefined;
  private consumer: Consumer | undefined;
  private deadLetter: Producer | undefined;
  private topics: string[] = [];
  private closed = false;
  private failure: Error | undefined;

  private readonly buffer: BufferedBatch[] = [];
  private buffered = 0;
  private paused = false;
  /** Partitions this reader owns now; undefined until the first assignment. */
  private assigned: Set<string> | undefined;
  private readonly everAssigned = new Set<string>();
  /** Offset after the last record emitted, per partition (what a checkpoint records). */
  private readonly positions = new Map<string, number>();
  /** Offset after the last record buffered, per partition (where fetching continues). */
  private readonly fetched = new Map<string, number>();
  private restored: Map<string, number> | undefined;
  private readonly startOffsets = new Map<string, number>();
  private readonly highWatermarks = new Map<string, number>();
  private readonly pendingCommits = new Map<number, Record<string, string>>();

  private readonly maxTimestamp = new Map<string, number>();
  private readonly lastActive = new Map<string, number>();
  private lastWatermark = -Infinity;

  private lagGauge: Gauge<string> | undefined;
  private commitFailures: Counter<string> | undefined;
  private deadLettered: Counter<string> | undefined;
  private lastLagUpdate = 0;

  constructor(
    private readonly options: KafkaSourceOptions<T>,
    private readonly context: SourceContext,
  ) {
    this.what = `kafka source '${context.operatorName}' (subtask ${context.subtaskIndex})`;
    this.decode = fastDecoder(options.deserializer);
    this.capacity = options.bufferRecords ?? 10_000;
    this.resume = Math.max(1, Math.floor(this.capacity / 2));
    this.bound = options.watermarks?.outOfOrdernessMs ?? 0;
    this.idleTimeoutMs = options.watermarks?.idleTimeoutMs ?? Infinity;
    const metrics = (context as SourceContext & { runtimeMetrics?: RuntimeMetrics }).runtimeMetrics ?? options.metrics;
    if (metrics) {
      // job_name and operator: two sources reading one topic (two jobs, or two sources of one job)
      // would otherwise overwrite each other's lag for the same partition.
      this.lagGauge = metrics.gauge(
        'kafka_consumer_lag',
        'Records in a partition after the last one the source emitted',
        ['job_name', 'operator', 'topic', 'partition'],
      );
      this.commitFailures = metrics.counter(
        'kafka_offset_commit_failures_total',
        'Checkpointed offsets the group did not accept',
        ['topic'],
      );
      this.deadLettered = metrics.counter(
        'kafka_dead_letter_records_total',
        'Undecodable records sent to a dead-letter topic',
        ['topic'],
      );
    }
  }

  get idleBackoffMs(): number {
    return 50;
  }

  async start(): Promise<void> {
    const options = this.options;
    this.admin = await connectAdmin(this.what, options);
    this.topics = await resolveTopics(this.what, this.admin, options.topics, options.brokers);
    // Counters start at zero per topic, so dashboards and alerts see the series before the first failure.
    for (const topic of this.topics) {
      this.commitFailures?.inc({ topic }, 0);
      this.deadLettered?.inc({ topic }, 0);
    }
    if (this.restored === undefined) await this.computeStartOffsets();

    const kafka = createKafka(options, `stormshift-${this.context.jobName}`);
    const c = options.consumer ?? {};
    const consumer = kafka.consumer({
      groupId: options.groupId,
      allowAutoTopicCreation: false,
      sessionTimeout: c.sessionTimeout ?? 10_000,
      heartbeatInterval: c.heartbeatInterval ?? 1000,
      ...(c.rebalanceTimeout !== undefined ? { rebalanceTimeout: c.rebalanceTimeout } : {}),
      maxWaitTimeInMs: c.maxWaitTimeInMs ?? 200,
      ...(c.maxBytesPerPartition !== undefined ? { maxBytesPerPartition: c.maxBytesPerPartition } : {}),
      ...(options.assignment === 'static'
        ? { partitionAssigners: [staticAssigner(this.context.subtaskIndex, this.context.parallelism)] }
        : {}),
    });
    this.consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, (event) => this.onAssignment(event.payload.memberAssignment));
    consumer.on(consumer.events.CRASH, (event) => {
      // kafkajs restarts itself after retriable crashes; only a final one fails the job.
      if (!event.payload.restart) this.fail(event.payload.error, true);
    });
    if (typeof options.onDecodeError === 'object') {
      this.deadLetter = kafka.producer();
      await this.deadLetter.connect();
    }
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: this.topics, fromBeginning: (options.resetTo ?? 'earliest') === 'earliest' });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: true,
        eachBatch: (payload) => this.onBatch(payload),
      });
    } catch (error) {
      throw new ConnectorError(
        'KAFKA_CONSUMER_FAILED',
        `${this.what}: cannot start consuming ${this.topics.join(',')} from ${options.brokers.join(',')}: ${messageOf(error)}`,
        {
          cause: error,
          retriable: true,
        },
      );
    }
  }

  /** Resolves 'earliest' / 'latest' / timestamp starts to offsets up front, so a seek can be issued synchronously on assignment. */
  private async computeStartOffsets(): Promise<void> {
    const start = this.options.startFrom ?? 'committed';
    if (start === 'committed') return;
    for (const topic of this.topics) {
      if (typeof start === 'object') {
        const found = await this.admin!.fetchTopicOffsetsByTimestamp(topic, start.timestamp);
        for (const { partition, offset } of found) this.startOffsets.set(tpKey(topic, partition), Number(offset));
      } else {
        const found = await this.admin!.fetchTopicOffsets(topic);
        for (const { partition, low, high } of found)
          this.startOffsets.set(tpKey(topic, partition), Number(start === 'earliest' ? low : high));
      }
    }
  }

  private onAssignment(memberAssignment: Record<string, number[]>): void {
    const next = new Set<string>();
    for (const [topic, partitions] of Object.entries(memberAssignment))
      for (const p of partitions) next.add(tpKey(topic, p));
    const previous = this.assigned;
    this.assigned = next;
    if (previous) {
      for (const tp of previous) {
        if (next.has(tp)) continue;
        // Another member owns it now and continues from the group's committed offset.
        this.fetched.delete(tp);
        this.positions.delete(tp);
        this.maxTimestamp.delete(tp);
        this.lastActive.delete(tp);
        this.highWatermarks.delete(tp);
        const [topic, partition] = splitTp(tp);
        this.lagGauge?.remove({ ...this.lagLabels(), topic, partition: String(partition) });
      }
      this.dropUnassigned();
    }
    const now = Date.now();
    for (const tp of next) {
      if (!this.lastActive.has(tp)) this.lastActive.set(tp, now);
      const [topic, partition] = splitTp(tp);
      // A new group generation makes kafkajs restart every partition at the committed offset;
      // continuing where this reader stopped avoids re-reading what it already has.
      let offset = this.fetched.get(tp);
      if (offset === undefined) offset = this.restored?.get(tp);
      if (offset === undefined && this.restored === undefined && !this.everAssigned.has(tp))
        offset = this.startOffsets.get(tp);
      this.everAssigned.add(tp);
      if (offset === undefined) continue;
      if (!this.positions.has(tp)) this.positions.set(tp, offset);
      this.fetched.set(tp, offset);
      this.consumer!.seek({ topic, partition, offset: String(offset) });
    }
    this.context.signalAvailable();
  }

  private dropUnassigned(): void {
    const assigned = this.assigned!;
    let kept = 0;
    for (let i = 0; i < this.buffer.length; i++) {
      const b = this.buffer[i]!;
      if (assigned.has(b.tp)) this.buffer[kept++] = b;
      else this.buffered -= b.messages.length - b.next;
    }
    this.buffer.length = kept;
  }

  private async onBatch({ batch }: EachBatchPayload): Promise<void> {
    if (this.closed || batch.messages.length === 0) return;
    const tp = tpKey(batch.topic, batch.partition);
    if (this.assigned !== undefined && !this.assigned.has(tp)) return;
    this.highWatermarks.set(tp, Number(batch.highWatermark));
    let messages = batch.messages;
    const expected = this.fetched.get(tp);
    if (expected !== undefined && Number(messages[0]!.offset) < expected) {
      // A batch fetched from before a seek took effect: keep only what is new.
      messages = messages.filter((m) => Number(m.offset) >= expected);
      if (messages.length === 0) return;
    }
    this.fetched.set(tp, Number(messages[messages.length - 1]!.offset) + 1);
    this.buffer.push({ topic: batch.topic, partition: batch.partition, tp, messages, next: 0 });
    this.buffered += messages.length;
    if (!this.paused && this.buffered >= this.capacity) {
      this.paused = true;
      this.consumer!.pause(this.topics.map((topic) => ({ topic })));
    }
    this.context.signalAvailable();
  }

  poll(output: SourceOutput<T>, maxRecords: number): PollResult | Promise<PollResult> {
    if (this.failure) throw this.failure;
    let emitted = 0;
    const watermarks = this.options.watermarks !== undefined;
    while (emitted < maxRecords && this.buffer.length > 0) {
      const b = this.buffer[0]!;
      const messages = b.messages;
      const end = Math.min(messages.length, b.next + (maxRecords - emitted));
      let i = b.next;
      let maxTs = -Infinity;
      for (; i < end; i++) {
        const m = messages[i]!;
        let value: T;
        try {
          value = this.decode(m, b.topic, b.partition);
        } catch (error) {
          this.commitProgress(b, i, maxTs, emitted + (i - b.next));
          return this.undecodable(b, m, error);
        }
        const ts = Number(m.timestamp);
        if (ts > maxTs) maxTs = ts;
        output.collect(value, ts);
      }
      emitted += i - b.next;
      this.commitProgress(b, i, maxTs, 0);
      if (watermarks) this.lastActive.set(b.tp, Date.now());
    }
    if (this.paused && this.buffered <= this.resume && !this.closed) {
      this.paused = false;
      this.consumer!.resume(this.topics.map((topic) => ({ topic })));
    }
    if (watermarks) this.advanceWatermark(output);
    this.updateLag();
    return emitted > 0 ? 'more' : 'idle';
  }

  /** Records that messages[b.next, i) were emitted. */
  private commitProgress(b: BufferedBatch, i: number, maxTs: number, _emitted: number): void {
    if (i === b.next) return;
    this.positions.set(b.tp, Number(b.messages[i - 1]!.offset) + 1);
    this.buffered -= i - b.next;
    b.next = i;
    if (maxTs > (this.maxTimestamp.get(b.tp) ?? -Infinity)) this.maxTimestamp.set(b.tp, maxTs);
    if (i >= b.messages.length) this.buffer.shift();
  }

  private async undecodable(b: BufferedBatch, m: KafkaMessage, error: unknown): Promise<PollResult> {
    const where = `${b.topic}/${b.partition}@${m.offset}`;
    const reason = messageOf(error);
    const policy = this.options.onDecodeError ?? 'fail';
    if (policy === 'fail') {
      throw new ConnectorError(
        'KAFKA_UNDECODABLE_RECORD',
        `${this.what}: cannot decode record at ${where} (topic ${b.topic}, partition ${b.partition}, offset ${m.offset}): ${reason}`,
        {
          cause: error,
          retriable: false,
        },
      );
    }
    try {
      await this.deadLetter!.send({
        topic: policy.deadLetterTopic,
        messages: [
          {
            key: m.key,
            value: m.value,
            headers: {
              ...m.headers,
              'stormshift-error': reason,
              'stormshift-topic': b.topic,
              'stormshift-partition': String(b.partition),
              'stormshift-offset': m.offset,
            },
          },
        ],
      });
    } catch (sendError) {
      throw new ConnectorError(
        'KAFKA_DEAD_LETTER_FAILED',
        `${this.what}: record at ${where} is undecodable (${reason}) and could not be written to dead-letter topic '${policy.deadLetterTopic}': ${messageOf(sendError)}`,
        {
          cause: sendError,
          retriable: true,
        },
      );
    }
    this.deadLettered?.inc({ topic: b.topic });
    // Only now is the record accounted for: a crash before this point re-reads it.
    this.commitProgress(b, b.next + 1, -Infinity, 0);
    return 'more';
  }

  private advanceWatermark(output: SourceOutput<T>): void {
    if (!this.assigned || this.assigned.size === 0) return;
    const now = Date.now();
    let min = Infinity;
    let any = false;
    for (const tp of this.assigned) {
      const ts = this.maxTimestamp.get(tp);
      const idle =
        now - (this.lastActive.get(tp) ?? now) >= this.idleTimeoutMs && !this.buffer.some((b) => b.tp === tp);
      if (idle) continue;
      if (ts === undefined) return;
      any = true;
      if (ts < min) min = ts;
    }
    if (!any) return;
    const wm = min - this.bound;
    if (wm > this.lastWatermark) {
      this.lastWatermark = wm;
      output.emitWatermark(wm);
    }
  }

  private lagLabels(): { job_name: string; operator: string } {
    return { job_name: this.context.jobName, operator: this.context.operatorName };
  }

  private updateLag(): void {
    if (!this.lagGauge) return;
    const now = Date.now();
    if (now - this.lastLagUpdate < 200) return;
    this.lastLagUpdate = now;
    for (const [tp, high] of this.highWatermarks) {
      const position = this.positions.get(tp);
      if (position === undefined) continue;
      const [topic, partition] = splitTp(tp);
      this.lagGauge.set({ ...this.lagLabels(), topic, partition: String(partition) }, Math.max(0, high - position));
    }
  }

  snapshotState(checkpointId: number): KafkaSourceState {
    const offsets: Record<string, string> = {};
    // Until the first assignment, restored positions are still this reader's to hand on.
    if (this.assigned === undefined && this.restored) for (const [tp, o] of this.restored) offsets[tp] = String(o);
    for (const [tp, o] of this.positions) offsets[tp] = String(o);
    if (this.options.commitOffsets ?? true) this.pendingCommits.set(checkpointId, offsets);
    return { offsets };
  }

  restoreState(state: KafkaSourceState): void {
    this.restored = new Map(Object.entries(state.offsets ?? {}).map(([tp, o]) => [tp, Number(o)]));
  }

  async notifyCheckpointComplete(checkpointId: number): Promise<void> {
    const offsets = this.pendingCommits.get(checkpointId);
    for (const id of this.pendingCommits.keys()) if (id <= checkpointId) this.pendingCommits.delete(id);
    if (!offsets || !this.consumer || this.closed) return;
    const commits: Array<{ topic: string; partition: number; offset: string }> = [];
    for (const [tp, offset] of Object.entries(offsets)) {
      if (this.assigned && !this.assigned.has(tp)) continue;
      const [topic, partition] = splitTp(tp);
      commits.push({ topic, partition, offset });
    }
    if (commits.length === 0) return;
    try {
      await this.consumer.commitOffsets(commits);
    } catch {
      // The checkpoint holds the offsets; a refused commit (typically a rebalance in progress)
      // only delays what lag tools see, and the next checkpoint commits again.
      for (const c of commits) this.commitFailures?.inc({ topic: c.topic });
    }
  }

  async commitOffsets(
    offsets: ReadonlyArray<{ topic: string; partition: number; offset: number | string }>,
  ): Promise<void> {
    if (!this.consumer || this.closed || offsets.length === 0) return;
    await this.consumer.commitOffsets(
      offsets.map(({ topic, partition, offset }) => ({ topic, partition, offset: String(offset) })),
    );
  }

  seek(topic: string, partition: number, offset: number): void {
    const tp = tpKey(topic, partition);
    let kept = 0;
    for (let i = 0; i < this.buffer.length; i++) {
      const b = this.buffer[i]!;
      if (b.tp !== tp) this.buffer[kept++] = b;
      else this.buffered -= b.messages.length - b.next;
    }
    this.buffer.length = kept;
    this.fetched.set(tp, offset);
    this.positions.set(tp, offset);
    if (this.assigned?.has(tp)) this.consumer?.seek({ topic, partition, offset: String(offset) });
    else (this.restored ??= new Map()).set(tp, offset);
  }

  assignedPartitions(): string[] {
    return [...(this.assigned ?? [])];
  }

  async partitionOffsets(): Promise<KafkaPartitionOffsets[]> {
    if (this.admin === undefined || this.closed) return [];
    const owned = this.assigned ?? new Set<string>();
    const result: KafkaPartitionOffsets[] = [];
    for (const topic of this.topics) {
      // The head comes from the brokers, not from the last fetched batch: a paused or idle
      // consumer would otherwise report a stale head and understate the lag.
      for (const p of await this.admin.fetchTopicOffsets(topic)) {
        const tp = tpKey(topic, p.partition);
        if (!owned.has(tp)) continue;
        result.push({ topic, partition: p.partition, logHeadOffset: Number(p.high), position: this.positions.get(tp) });
      }
    }
    return result;
  }

  private fail(error: unknown, fromConsumer: boolean): void {
    if (this.failure) return;
    this.failure = new ConnectorError(
      'KAFKA_CONSUMER_FAILED',
      `${this.what}: consumer of ${this.topics.join(',')} on ${this.options.brokers.join(',')} failed${fromConsumer ? ' for good' : ''}: ${messageOf(error)}`,
      { cause: error, retriable: true },
    );
    this.context.signalAvailable();
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled([this.consumer?.disconnect(), this.deadLetter?.disconnect(), this.admin?.disconnect()]);
  }
}

function fastDecoder<T>(spec: DeserializerSpec<T> | undefined): FastDecode<T> {
  switch (spec ?? 'string') {
    case 'string':
      return ((m: KafkaMessage) => (m.value === null ? null : m.value.toString('utf8'))) as unknown as FastDecode<T>;
    case 'bytes':
      return ((m: KafkaMessage) => m.value) as unknown as FastDecode<T>;
    case 'json':
      return ((m: KafkaMessage) => {
        if (m.value === null) throw new Error('value is null (a tombstone), not JSON');
        return JSON.parse(m.value.toString('utf8')) as unknown;
      }) as FastDecode<T>;
    default: {
      const fn = resolveDeserializer(spec);
      return (m: KafkaMessage, topic: string, partition: number): T => {
        const record: KafkaConsumerRecord = {
          topic,
          partition,
          offset: m.offset,
          timestamp: Number(m.timestamp),
          key: m.key ?? null,
          value: m.value,
          headers: m.headers ?? {},
        };
        return fn(record);
      };
    }
  }
}
