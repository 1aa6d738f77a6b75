/**
 * storm-kafka-client's KafkaSpout on the stormshift Kafka reader.
 *
 * Offset bookkeeping lives in plain data fields (`offsetState`, `retryState`, `committed`), so in
 * checkpoint mode the compat executor snapshots it with the spout's other fields at each barrier.
 * Live resources (the reader, fetched record payloads kept for retries, timers) hang off a
 * module-level WeakMap instead: they are neither cloned per task nor overwritten by a restore.
 * The configuration is a non-enumerable field for the same reason (see the constructor).
 */
import type { SourceOutput } from '../../runtime/index.ts';
import { kafkaReader, type KafkaConsumerRecord, type KafkaReader } from '../../runtime/index.ts';
import { BaseRichSpout } from '../component/base.ts';
import type { SpoutOutputCollector } from '../component/collectors.ts';
import type { Conf } from '../component/config.ts';
import type { TopologyContext } from '../component/context.ts';
import { IllegalArgumentException, IllegalStateException } from '../component/exceptions.ts';
import { Fields } from '../component/fields.ts';
// Storm's KafkaSpout reads Storm's Time for its commit period and retry back-off: simulated time drives them too.
import { Time } from '../component/time.ts';
import type { OutputFieldsDeclarer } from '../component/interfaces.ts';
import { KafkaOffsetMetric } from './kafka-offset-metric.ts';

export enum ProcessingGuarantee {
  AT_LEAST_ONCE = 'AT_LEAST_ONCE',
  AT_MOST_ONCE = 'AT_MOST_ONCE',
  NO_GUARANTEE = 'NO_GUARANTEE',
}

export enum FirstPollOffsetStrategy {
  EARLIEST = 'EARLIEST',
  LATEST = 'LATEST',
  UNCOMMITTED_EARLIEST = 'UNCOMMITTED_EARLIEST',
  UNCOMMITTED_LATEST = 'UNCOMMITTED_LATEST',
}

/** Kafka's ConsumerRecord as a translator sees it: Java accessors plus plain properties. */
export class ConsumerRecord<K = string | null, V = string | null> {
  constructor(
    readonly topicName: string,
    readonly partitionId: number,
    readonly offsetValue: number,
    readonly timestampValue: number,
    readonly keyValue: K,
    readonly valueValue: V,
  ) {}
  topic(): string {
    return this.topicName;
  }
  partition(): number {
    return this.partitionId;
  }
  offset(): number {
    return this.offsetValue;
  }
  timestamp(): number {
    return this.timestampValue;
  }
  key(): K {
    return this.keyValue;
  }
  value(): V {
    return this.valueValue;
  }
}

export const DEFAULT_STREAM_ID = 'default';

/** Turns a record into tuple values (`null` = skip the record) and says what it declares. */
export interface RecordTranslator<K = string | null, V = string | null> {
  apply(record: ConsumerRecord<K, V>): unknown[] | null;
  getFieldsFor(stream: string): Fields;
  streams(): string[];
}

/** storm-kafka-client's default: topic, partition, offset, key, value. */
export class DefaultRecordTranslator<K = string | null, V = string | null> implements RecordTranslator<K, V> {
  static readonly FIELDS = new Fields('topic', 'partition', 'offset', 'key', 'value');
  apply(r: ConsumerRecord<K, V>): unknown[] {
    return [r.topic(), r.partition(), r.offset(), r.key(), r.value()];
  }
  getFieldsFor(): Fields {
    return DefaultRecordTranslator.FIELDS;
  }
  streams(): string[] {
    return [DEFAULT_STREAM_ID];
  }
}

export class SimpleRecordTranslator<K = string | null, V = string | null> implements RecordTranslator<K, V> {
  constructor(
    private readonly func: (record: ConsumerRecord<K, V>) => unknown[] | null,
    private readonly fields: Fields,
    private readonly stream: string = DEFAULT_STREAM_ID,
  ) {}
  apply(r: ConsumerRecord<K, V>): unknown[] | null {
    return this.func(r);
  }
  getFieldsFor(): Fields {
    return this.fields;
  }
  streams(): string[] {
    return [this.stream];
  }
}

export class TimeInterval {
  private constructor(readonly lengthMs: number) {}
  static seconds(n: number): TimeInterval {
    return new TimeInterval(n * 1000);
  }
  static milliSeconds(n: number): TimeInterval {
    return new TimeInterval(n);
  }
  static microSeconds(n: number): TimeInterval {
    return new TimeInterval(n / 1000);
  }
}

export interface KafkaSpoutRetryService {
  /** Delay before retry number `numFails`, or -1 when the tuple must not be retried again. */
  delayMs(numFails: number): number;
}

/** Delay = initialDelay + delayPeriod · 2^(fails−1), capped at maxDelay; at most `maxRetries` retries. */
export class KafkaSpoutRetryExponentialBackoff implements KafkaSpoutRetryService {
  constructor(
    private readonly initialDelay: TimeInterval,
    private readonly delayPeriod: TimeInterval,
    private readonly maxRetries: number,
    private readonly maxDelay: TimeInterval,
  ) {}
  delayMs(numFails: number): number {
    if (numFails > this.maxRetries) return -1;
    return Math.min(
      this.initialDelay.lengthMs + this.delayPeriod.lengthMs * 2 ** (numFails - 1),
      this.maxDelay.lengthMs,
    );
  }
}

export interface KafkaSpoutConfig {
  readonly bootstrapServers: string[];
  readonly topics: string[] | RegExp;
  readonly props: Record<string, string>;
  readonly processingGuarantee: ProcessingGuarantee;
  readonly firstPollOffsetStrategy: FirstPollOffsetStrategy;
  readonly translator: RecordTranslator<unknown, unknown>;
  readonly retry: KafkaSpoutRetryService;
  readonly maxUncommittedOffsets: number;
  readonly offsetCommitPeriodMs: number;
}

class KafkaSpoutConfigBuilder {
  private readonly props: Record<string, string> = {};
  private processingGuarantee = ProcessingGuarantee.AT_LEAST_ONCE;
  private firstPollOffsetStrategy = FirstPollOffsetStrategy.UNCOMMITTED_EARLIEST;
  private translator: RecordTranslator<unknown, unknown> = new DefaultRecordTranslator();
  private retry: KafkaSpoutRetryService = new KafkaSpoutRetryExponentialBackoff(
    TimeInterval.seconds(0),
    TimeInterval.milliSeconds(2),
    Number.MAX_SAFE_INTEGER,
    TimeInterval.seconds(10),
  );
  private maxUncommittedOffsets = 10_000_000;
  private offsetCommitPeriodMs = 30_000;

  constructor(
    private readonly bootstrapServers: string,
    private readonly topics: string[] | RegExp,
  ) {}

  setProp(key: string, value: unknown): this {
    this.props[key] = String(value);
    return this;
  }
  setProcessingGuarantee(guarantee: ProcessingGuarantee): this {
    this.processingGuarantee = guarantee;
    return this;
  }
  setFirstPollOffsetStrategy(strategy: FirstPollOffsetStrategy): this {
    this.firstPollOffsetStrategy = strategy;
    return this;
  }
  setRecordTranslator(translator: RecordTranslator<any, any>): this;
  setRecordTranslator(
    func: (record: ConsumerRecord<any, any>) => unknown[] | null,
    fields: Fields,
    stream?: string,
  ): this;
  setRecordTranslator(
    a: RecordTranslator<any, any> | ((record: ConsumerRecord<any, any>) => unknown[] | null),
    fields?: Fields,
    stream?: string,
  ): this {
    if (typeof a === 'function') {
      if (!(fields instanceof Fields))
        throw new IllegalArgumentException('setRecordTranslator(func, fields): fields are required');
      this.translator = new SimpleRecordTranslator(a, fields, stream);
    } else {
      this.translator = a;
    }
    return this;
  }
  setRetry(retry: KafkaSpoutRetryService): this {
    this.retry = retry;
    return this;
  }
  setMaxUncommittedOffsets(n: number): this {
    this.maxUncommittedOffsets = n;
    return this;
  }
  setOffsetCommitPeriodMs(ms: number): this {
    this.offsetCommitPeriodMs = ms;
    return this;
  }
  build(): KafkaSpoutConfig {
    const servers = this.bootstrapServers
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    if (servers.length === 0) throw new IllegalArgumentException('bootstrap servers must not be empty');
    return {
      bootstrapServers: servers,
      topics: this.topics,
      props: { ...this.props },
      processingGuarantee: this.processingGuarantee,
      firstPollOffsetStrategy: this.firstPollOffsetStrategy,
      translator: this.translator,
      retry: this.retry,
      maxUncommittedOffsets: this.maxUncommittedOffsets,
      offsetCommitPeriodMs: this.offsetCommitPeriodMs,
    };
  }
}

export const KafkaSpoutConfig = {
  builder(bootstrapServers: string, ...topics: Array<string | string[] | RegExp>): KafkaSpoutConfigBuilder {
    if (topics.length === 1 && topics[0] instanceof RegExp)
      return new KafkaSpoutConfigBuilder(bootstrapServers, topics[0]);
    const names = topics.flat().filter((t): t is string => typeof t === 'string');
    if (names.length === 0) throw new IllegalArgumentException('KafkaSpoutConfig.builder needs at least one topic');
    return new KafkaSpoutConfigBuilder(bootstrapServers, names);
  },
};

/** The message id of a tracked tuple (Storm's KafkaSpoutMessageId). */
export interface KafkaSpoutMessageId {
  topic: string;
  partition: number;
  offset: number;
  numFails: number;
}

interface PartitionOffsets {
  /** Emitted and neither acked nor given up on, ascending. */
  pending: number[];
  /** The offset after the highest emitted. */
  next: number;
}

interface Live {
  reader: KafkaReader<ConsumerRecord<unknown, unknown>>;
  /** Payloads of emitted, unacked records, for retries. */
  records: Map<string, ConsumerRecord<unknown, unknown>>;
  lastCommit: number;
  committing: Promise<void> | undefined;
  /** The offset state object open() started with; a different one means a restore replaced it. */
  openedWith: Record<string, PartitionOffsets>;
  stream: string;
  checkpointMode: boolean;
  /** Per `topic:partition`: the first offset read by this incarnation (the committed offset before a commit). */
  startedAt: Map<string, number>;
}

const live = new WeakMap<KafkaSpout, Live>();
const idKey = (topic: string, partition: number, offset: number): string => `${topic}:${partition}:${offset}`;

export class KafkaSpout extends BaseRichSpout {
  /** Per `topic:partition`: what is emitted and pending. Plain data: snapshotted in checkpoint mode. */
  offsetState: Record<string, PartitionOffsets> = {};
  /** Failed tuples waiting for their retry time. */
  retryState: Record<string, { id: KafkaSpoutMessageId; dueAt: number }> = {};
  /** Per `topic:partition`: the offset last committed to the group. */
  committed: Record<string, number> = {};
  declare private collector: SpoutOutputCollector | undefined;
  declare private readonly kafkaSpoutConfig: KafkaSpoutConfig;

  constructor(kafkaSpoutConfig: KafkaSpoutConfig) {
    super();
    // Non-enumerable: R9's per-task clone copies it, but checkpoint snapshots (enumerable data
    // fields only) leave it alone, so a restore cannot swap the translator for a prototype-less copy.
    Object.defineProperty(this, 'kafkaSpoutConfig', { value: kafkaSpoutConfig, enumerable: false, writable: false });
    Object.defineProperty(this, 'collector', { value: undefined, enumerable: false, writable: true });
  }

  declareOutputFields(declarer: OutputFieldsDeclarer): void {
    for (const stream of this.kafkaSpoutConfig.translator.streams())
      declarer.declareStream(stream, this.kafkaSpoutConfig.translator.getFieldsFor(stream));
  }

  async open(conf: Conf, context: TopologyContext, collector: SpoutOutputCollector): Promise<void> {
    this.collector = collector;
    const c = this.kafkaSpoutConfig;
    const first = c.firstPollOffsetStrategy;
    const componentId = context.getThisComponentId();
    const bytes = (cls: string | undefined): boolean => cls !== undefined && /ByteArray|Bytes/.test(cls);
    const keyBytes = bytes(c.props['key.deserializer']);
    const valueBytes = bytes(c.props['value.deserializer']);
    const reader = kafkaReader<ConsumerRecord<unknown, unknown>>(
      {
        brokers: c.bootstrapServers,
        topics: c.topics,
        groupId: c.props['group.id'] ?? `stormshift-kafka-spout-${componentId}`,
        ...(c.props['client.id'] ? { clientId: c.props['client.id'] } : {}),
        // storm-kafka-client 2.x assigns partitions round-robin over the spout's tasks by default.
        assignment: 'static',
        startFrom:
          first === FirstPollOffsetStrategy.EARLIEST
            ? 'earliest'
            : first === FirstPollOffsetStrategy.LATEST
              ? 'latest'
              : 'committed',
        resetTo:
          first === FirstPollOffsetStrategy.UNCOMMITTED_LATEST || c.props['auto.offset.reset'] === 'latest'
            ? 'latest'
            : 'earliest',
        commitOffsets: false,
        deserializer: (r: KafkaConsumerRecord) =>
          new ConsumerRecord<unknown, unknown>(
            r.topic,
            r.partition,
            Number(r.offset),
            r.timestamp,
            r.key === null ? null : keyBytes ? r.key : r.key.toString('utf8'),
            r.value === null ? null : valueBytes ? r.value : r.value.toString('utf8'),
          ),
        consumer: {
          ...(c.props['session.timeout.ms'] ? { sessionTimeout: Number(c.props['session.timeout.ms']) } : {}),
          ...(c.props['heartbeat.interval.ms'] ? { heartbeatInterval: Number(c.props['heartbeat.interval.ms']) } : {}),
          ...(c.props['fetch.max.wait.ms'] ? { maxWaitTimeInMs: Number(c.props['fetch.max.wait.ms']) } : {}),
        },
      },
      {
        jobName: String(conf['topology.name'] ?? 'topology'),
        operatorName: componentId,
        subtaskIndex: Math.max(0, context.getThisTaskIndex()),
        parallelism: Math.max(1, context.getComponentTasks(componentId).length),
        signalAvailable() {},
      },
    );
    await reader.start();
    live.set(this, {
      reader,
      records: new Map(),
      lastCommit: Time.currentTimeMillis(),
      committing: undefined,
      openedWith: this.offsetState,
      stream: c.translator.streams()[0] ?? DEFAULT_STREAM_ID,
      checkpointMode: conf['stormshift.reliability'] === 'checkpoint',
      startedAt: new Map(),
    });
    // storm-kafka-client registers its offsets as "kafkaOffset"; Storm UI's lag endpoint reads them.
    if (typeof context.registerMetric === 'function') {
      const metric = new KafkaOffsetMetric({
        partitionOffsets: () => reader.partitionOffsets(),
        committed: () => this.committed,
        emittedNext: () => Object.fromEntries(Object.entries(this.offsetState).map(([tp, o]) => [tp, o.next])),
        startedAt: () => live.get(this)?.startedAt ?? new Map(),
      });
      context.registerMetric('kafkaOffset', metric, 60);
    }
  }

  private state(): Live {
    const l = live.get(this);
    if (!l) throw new IllegalStateException('KafkaSpout used before open()');
    if (l.openedWith !== this.offsetState) this.afterRestore(l);
    return l;
  }

  /**
   * The executor replaced the offset fields with a checkpoint's. Everything emitted before that
   * barrier is covered by the checkpoint (its acks will not come), so each partition continues
   * right after its highest emitted offset.
   */
  private afterRestore(l: Live): void {
    l.openedWith = this.offsetState;
    l.records.clear();
    this.retryState = {};
    for (const [tp, o] of Object.entries(this.offsetState)) {
      o.pending = [];
      const at = tp.lastIndexOf(':');
      l.reader.seek(tp.slice(0, at), Number(tp.slice(at + 1)), o.next);
    }
  }

  /**
   * Synchronous unless at-most-once has to commit before emitting: the reader's poll is
   * synchronous, and a Promise that settles without I/O would make the task poll again in a
   * microtask chain that never lets kafkajs's sockets run.
   */
  nextTuple(): void | Promise<void> {
    const l = this.state();
    const c = this.kafkaSpoutConfig;
    const now = Time.currentTimeMillis();
    if (
      c.processingGuarantee !== ProcessingGuarantee.AT_MOST_ONCE &&
      now - l.lastCommit >= c.offsetCommitPeriodMs &&
      l.committing === undefined
    ) {
      l.lastCommit = now;
      l.committing = this.commit(l).finally(() => (l.committing = undefined));
    }
    for (const [key, retry] of Object.entries(this.retryState)) {
      if (retry.dueAt > now) continue;
      delete this.retryState[key];
      const record = l.records.get(key);
      if (!record) continue;
      this.emit(l, record, retry.id);
      return;
    }
    if (c.processingGuarantee === ProcessingGuarantee.AT_LEAST_ONCE && this.uncommitted() >= c.maxUncommittedOffsets)
      return;
    let record: ConsumerRecord<unknown, unknown> | undefined;
    const output: SourceOutput<ConsumerRecord<unknown, unknown>> = {
      collect: (r) => void (record = r),
      emitWatermark() {},
    };
    const polled = l.reader.poll(output, 1);
    // Only a dead-letter send makes the reader's poll async; the spout configures none.
    if (typeof polled !== 'string') return polled.then(() => undefined);
    if (!record) return;
    const r = record as ConsumerRecord<unknown, unknown>;
    const tp = `${r.topic()}:${r.partition()}`;
    const o = (this.offsetState[tp] ??= { pending: [], next: r.offset() });
    if (!l.startedAt.has(tp)) l.startedAt.set(tp, r.offset());
    o.next = r.offset() + 1;
    const id: KafkaSpoutMessageId = { topic: r.topic(), partition: r.partition(), offset: r.offset(), numFails: 0 };
    if (c.processingGuarantee === ProcessingGuarantee.AT_MOST_ONCE) {
      // Committed before it is emitted: a crash can lose it but never replays it.
      return l.reader.commitOffsets([{ topic: r.topic(), partition: r.partition(), offset: o.next }]).then(() => {
        this.committed[tp] = o.next;
        this.emit(l, r, id);
      });
    }
    this.emit(l, r, id);
  }

  private emit(l: Live, record: ConsumerRecord<unknown, unknown>, id: KafkaSpoutMessageId): void {
    const values = this.kafkaSpoutConfig.translator.apply(record);
    const tracked = this.kafkaSpoutConfig.processingGuarantee === ProcessingGuarantee.AT_LEAST_ONCE;
    if (values === null) {
      // The translator skipped it: as good as acked.
      if (tracked) this.done(l, id);
      return;
    }
    if (!tracked) {
      this.collector!.emit(l.stream, values);
      return;
    }
    const o = this.offsetState[`${id.topic}:${id.partition}`]!;
    if (id.numFails === 0) insertSorted(o.pending, id.offset);
    l.records.set(idKey(id.topic, id.partition, id.offset), record);
    this.collector!.emit(l.stream, values, { ...id });
  }

  private uncommitted(): number {
    let n = 0;
    for (const o of Object.values(this.offsetState)) n += o.pending.length;
    return n;
  }

  override ack(msgId: unknown): void {
    const l = this.state();
    this.done(l, msgId as KafkaSpoutMessageId);
  }

  private done(l: Live, id: KafkaSpoutMessageId): void {
    const key = idKey(id.topic, id.partition, id.offset);
    l.records.delete(key);
    delete this.retryState[key];
    const o = this.offsetState[`${id.topic}:${id.partition}`];
    if (!o) return;
    const i = o.pending.indexOf(id.offset);
    if (i >= 0) o.pending.splice(i, 1);
  }

  override fail(msgId: unknown): void {
    const l = this.state();
    const id = msgId as KafkaSpoutMessageId;
    const numFails = id.numFails + 1;
    const delay = this.kafkaSpoutConfig.retry.delayMs(numFails);
    if (delay < 0) {
      // Out of retries: storm-kafka-client acks it so the partition can move on.
      this.done(l, id);
      return;
    }
    this.retryState[idKey(id.topic, id.partition, id.offset)] = {
      id: { ...id, numFails },
      dueAt: Time.currentTimeMillis() + delay,
    };
  }

  /** Commits, per partition, the offset below which everything emitted is acked. */
  private async commit(l: Live): Promise<void> {
    const offsets: Array<{ topic: string; partition: number; offset: number }> = [];
    for (const [tp, o] of Object.entries(this.offsetState)) {
      const offset = o.pending.length > 0 ? o.pending[0]! : o.next;
      if (offset <= (this.committed[tp] ?? -1)) continue;
      const at = tp.lastIndexOf(':');
      offsets.push({ topic: tp.slice(0, at), partition: Number(tp.slice(at + 1)), offset });
    }
    if (offsets.length === 0) return;
    try {
      await l.reader.commitOffsets(offsets);
      for (const { topic, partition, offset } of offsets) this.committed[`${topic}:${partition}`] = offset;
    } catch (error) {
      // Committing again next period is the retry; a rebalance in progress is the usual cause.
      this.collector?.reportError(error);
    }
  }

  override close(): void {
    const l = live.get(this);
    live.delete(this);
    if (!l) return;
    const final =
      this.kafkaSpoutConfig.processingGuarantee === ProcessingGuarantee.AT_MOST_ONCE
        ? Promise.resolve()
        : (l.committing ?? Promise.resolve()).then(() => this.commit(l));
    void final.finally(() => l.reader.close());
  }

  override deactivate(): void {
    const l = live.get(this);
    if (
      l &&
      l.committing === undefined &&
      this.kafkaSpoutConfig.processingGuarantee !== ProcessingGuarantee.AT_MOST_ONCE
    ) {
      l.committing = this.commit(l).finally(() => (l.committing = undefined));
    }
  }
}

function insertSorted(list: number[], value: number): void {
  let i = list.length;
  while (i > 0 && list[i - 1]! > value) i--;
  list.splice(i, 0, value);
}
