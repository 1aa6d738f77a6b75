import type { Admin, CompressionTypes, Message, Producer, TopicMessages, Transaction } from 'kafkajs';
import type { Counter, Gauge } from 'prom-client';
import type { Sink, SinkContext, SinkWriter } from '../../api/sink.ts';
import { ConfigError, ConnectorError } from '../../errors.ts';
import type { RuntimeMetrics } from '../../metrics/index.ts';
import { systemClock, type Clock } from '../../time/clock.ts';
import {
  checkConnection,
  connectAdmin,
  createKafka,
  isKafkaRetriable,
  messageOf,
  resolveTopics,
  type KafkaConnectionOptions,
} from './client.ts';
import { resolveSerializer, type SerializerSpec } from './serde.ts';

export type KafkaDeliveryGuarantee = 'none' | 'at-least-once' | 'exactly-once';

export interface KafkaSinkOptions<T> extends KafkaConnectionOptions {
  /** Target topic, or a function of the record (every topic it returns must exist). */
  topic: string | ((value: T) => string);
  /** Record key; `null`/`undefined` = no key. */
  key?: (value: T) => string | Buffer | null | undefined;
  /** Explicit partition choice; without it kafkajs hashes the key (or spreads keyless records). */
  partitioner?: (value: T, partitionCount: number, topic: string) => number;
  serializer?: SerializerSpec<T>;
  headers?: (value: T) => Record<string, string | Buffer>;
  /**
   * 'at-least-once' (default): every send of a checkpoint is acknowledged before the checkpoint
   * completes. 'exactly-once': one Kafka transaction per checkpoint, committed when the checkpoint
   * completes (consumers must read with isolation read_committed). 'none': fire and forget.
   */
  guarantee?: KafkaDeliveryGuarantee;
  /** Exactly-once only: transactional id is `<prefix>-<subtask>`; keep it unique per job and sink. */
  transactionalIdPrefix?: string;
  /** Exactly-once only; must exceed the checkpoint interval. Default 60 000 ms. */
  transactionTimeoutMs?: number;
  /** -1 = all in-sync replicas (default), 1 = leader, 0 = none. */
  acks?: -1 | 0 | 1;
  compression?: CompressionTypes;
  /** Use kafkajs's idempotent producer (no duplicates from its own retries). Default false. */
  idempotent?: boolean;
  /** Records per send. Default 1000. */
  batchRecords?: number;
  /** A partial batch waits at most this long. Default 5 ms. */
  lingerMs?: number;
  /**
   * Retries of a failed send (broker down, leader moving), on top of kafkajs's own quick ones:
   * exponential from `initialMs` to `maxMs`, giving up after `maxElapsedMs` (the job then fails
   * and restarts from its last checkpoint). Defaults 200 ms, 5 s, 120 s.
   */
  retry?: { initialMs?: number; maxMs?: number; maxElapsedMs?: number };
  /** Where send/retry counters go; pass `env.config.metrics` in a job. */
  metrics?: RuntimeMetrics;
}

/** What an exactly-once sink stores in a checkpoint for its open transaction. */
export interface KafkaTransactionCommittable {
  transactionalId: string;
  checkpointId: number;
  /** Which writer incarnation opened it; a different one cannot resume the transaction. */
  incarnation: string;
  records: number;
}

export function kafkaSink<T>(options: KafkaSinkOptions<T>): Sink<T, KafkaTransactionCommittable> {
  checkConnection('kafka sink', options);
  if (typeof options.topic !== 'string' && typeof options.topic !== 'function')
    throw new ConfigError("kafka sink: 'topic' must be a topic name or a function");
  const guarantee = options.guarantee ?? 'at-least-once';
  if (!['none', 'at-least-once', 'exactly-once'].includes(guarantee)) {
    throw new ConfigError(
      `kafka sink: 'guarantee' must be 'none', 'at-least-once' or 'exactly-once', got ${JSON.stringify(guarantee)}`,
    );
  }
  if (
    guarantee === 'exactly-once' &&
    !(typeof options.transactionalIdPrefix === 'string' && options.transactionalIdPrefix.length > 0)
  ) {
    throw new ConfigError("kafka sink: 'exactly-once' needs a 'transactionalIdPrefix' (unique per job and sink)");
  }
  for (const name of ['batchRecords', 'lingerMs'] as const) {
    const v = options[name];
    if (v !== undefined && !(Number.isInteger(v) && v >= (name === 'lingerMs' ? 0 : 1)))
      throw new ConfigError(
        `kafka sink: '${name}' must be a ${name === 'lingerMs' ? 'non-negative' : 'positive'} integer, got ${String(v)}`,
      );
  }
  resolveSerializer(options.serializer);
  return { createWriter: (context) => new KafkaSinkWriter<T>(options, context) };
}

interface Pending<T> {
  topic: string;
  message: Message;
  value: T;
}

let incarnations = 0;

class KafkaSinkWriter<T> implements SinkWriter<T, KafkaTransactionCommittable> {
  private readonly what: string;
  private readonly guarantee: KafkaDeliveryGuarantee;
  private readonly serialize: (value: T) => Buffer | string | null;
  private readonly batchRecords: number;
  private readonly lingerMs: number;
  private readonly fixedTopic: string | undefined;
  private readonly transactionalId: string | undefined;
  private readonly incarnation = `${process.pid}-${Date.now()}-${++incarnations}`;

  private producer: Producer | undefined;
  private admin: Admin | undefined;
  private readonly partitionCounts = new Map<string, number>();

  private pending: Array<Pending<T>> = [];
  private readonly inflight = new Set<Promise<void>>();
  /** Cancels the armed linger timer. Linger and retry back-off run on the job's clock. */
  private linger: (() => void) | undefined;
  private readonly clock: Clock;
  private error: Error | undefined;

  /** Exactly-once: the transaction records go to now, and one sealed at a barrier awaiting its checkpoint. */
  private transaction: Transaction | undefined;
  private transactionRecords = 0;
  private sealed: { checkpointId: number; transaction: Transaction; committing: boolean } | undefined;
  /** Begins the open transaction once, however many sends race for it. */
  private beginning: Promise<Transaction> | undefined;
  private committed: (() => void) | undefined;
  private committedPromise: Promise<void> | undefined;

  private sent: Counter<string> | undefined;
  private retries: Counter<string> | undefined;
  private failures: Counter<string> | undefined;
  private retrying: Gauge<string> | undefined;
  private transactions: Counter<string> | undefined;

  constructor(
    private readonly options: KafkaSinkOptions<T>,
    private readonly context: SinkContext,
  ) {
    this.what = `kafka sink '${context.operatorName}' (subtask ${context.subtaskIndex})`;
    this.guarantee = options.guarantee ?? 'at-least-once';
    this.serialize = resolveSerializer(options.serializer);
    this.batchRecords = options.batchRecords ?? 1000;
    this.lingerMs = options.lingerMs ?? 5;
    this.clock = context.clock ?? systemClock;
    this.fixedTopic = typeof options.topic === 'string' ? options.topic : undefined;
    if (this.guarantee === 'exactly-once')
      this.transactionalId = `${options.transactionalIdPrefix}-${context.subtaskIndex}`;
    const metrics = (context as SinkContext & { runtimeMetrics?: RuntimeMetrics }).runtimeMetrics ?? options.metrics;
    if (metrics) {
      this.sent = metrics.counter('kafka_producer_records_total', 'Records the Kafka sink got acknowledged', ['topic']);
      this.retries = metrics.counter('kafka_producer_retries_total', 'Kafka sends retried after a retriable failure', [
        'operator',
      ]);
      this.failures = metrics.counter('kafka_producer_send_failures_total', 'Kafka sends that failed for good', [
        'operator',
      ]);
      this.retrying = metrics.gauge('kafka_producer_retrying', '1 while the Kafka sink is retrying a failed send', [
        'operator',
        'subtask',
      ]);
      this.transactions = metrics.counter('kafka_producer_transactions_total', 'Kafka transactions by outcome', [
        'operator',
        'outcome',
      ]);
    }
  }

  async open(): Promise<void> {
    const options = this.options;
    // Fail fast, naming brokers and topic, instead of letting the first send retry for minutes.
    this.admin = await connectAdmin(this.what, options);
    if (this.fixedTopic !== undefined) await resolveTopics(this.what, this.admin, this.fixedTopic, options.brokers);
    if (!options.partitioner) {
      await this.admin.disconnect();
      this.admin = undefined;
    }
    const kafka = createKafka(options, `stormshift-${this.context.jobName}`, {
      retries: 3,
      initialRetryTime: 100,
      maxRetryTime: 1000,
    });
    const transactional = this.transactionalId !== undefined;
    this.producer = kafka.producer({
      allowAutoTopicCreation: false,
      idempotent: transactional || (options.idempotent ?? false),
      ...(transactional || options.idempotent ? { maxInFlightRequests: 1 } : {}),
      ...(transactional
        ? { transactionalId: this.transactionalId, transactionTimeout: options.transactionTimeoutMs ?? 60_000 }
        : {}),
    });
    try {
      // For a transactional producer this is InitProducerId: it fences any older writer with the
      // same transactional id and makes the coordinator abort that writer's open transaction.
      await this.producer.connect();
    } catch (error) {
      throw new ConnectorError(
        'KAFKA_PRODUCER_FAILED',
        `${this.what}: cannot connect a producer to ${options.brokers.join(',')}: ${messageOf(error)}`,
        {
          cause: error,
          retriable: true,
        },
      );
    }
  }

  write(value: T, timestamp: number): void | Promise<void> {
    if (this.error) throw this.error;
    const topic = this.fixedTopic ?? (this.options.topic as (value: T) => string)(value);
    const message: Message = { value: this.serialize(value) };
    if (this.options.key) {
      const key = this.options.key(value);
      if (key !== undefined && key !== null) message.key = key;
    }
    if (this.options.headers) message.headers = this.options.headers(value);
    if (Number.isFinite(timestamp) && timestamp >= 0) message.timestamp = String(Math.trunc(timestamp));
    this.pending.push({ topic, message, value });
    if (this.sealed) {
      // Exactly-once between a barrier and its checkpoint's completion: the next transaction
      // cannot begin yet, so records wait; past a batch the job waits with them.
      return this.pending.length >= this.batchRecords ? this.committedPromise : undefined;
    }
    if (this.pending.length >= this.batchRecords) return this.flush();
    if (this.linger === undefined) {
      this.linger = this.clock.setTimer(this.clock.now() + this.lingerMs, () => {
        this.linger = undefined;
        if (!this.sealed) this.flush().catch(() => {});
      });
    }
    return undefined;
  }

  /** Sends what is pending; the promise settles when the broker acknowledged it. */
  private flush(): Promise<void> {
    if (this.linger !== undefined) {
      this.linger();
      this.linger = undefined;
    }
    if (this.pending.length === 0) return Promise.resolve();
    const batch = this.pending;
    this.pending = [];
    const sending = this.send(batch).catch((error: unknown) => {
      this.error ??= error instanceof Error ? error : new Error(String(error));
      throw this.error;
    });
    const tracked = sending.finally(() => this.inflight.delete(tracked)).catch(() => {});
    this.inflight.add(tracked);
    return sending;
  }

  private async send(batch: Array<Pending<T>>): Promise<void> {
    const byTopic = new Map<string, Message[]>();
    for (const { topic, message, value } of batch) {
      if (this.options.partitioner) {
        const count = await this.partitionCount(topic);
        const p = this.options.partitioner(value, count, topic);
        if (!(Number.isInteger(p) && p >= 0 && p < count)) {
          throw new ConnectorError(
            'KAFKA_BAD_PARTITION',
            `${this.what}: partitioner chose partition ${String(p)} of topic '${topic}', which has ${count}`,
            { retriable: false },
          );
        }
        message.partition = p;
      }
      let list = byTopic.get(topic);
      if (!list) byTopic.set(topic, (list = []));
      list.push(message);
    }
    const topicMessages: TopicMessages[] = [...byTopic].map(([topic, messages]) => ({ topic, messages }));
    const request = {
      topicMessages,
      acks: this.options.acks ?? -1,
      ...(this.options.compression !== undefined ? { compression: this.options.compression } : {}),
    };
    if (this.transactionalId !== undefined) {
      // Inside a transaction a failed send poisons it; the job restarts from the checkpoint and
      // the coordinator aborts what this transaction held.
      // While a sealed transaction waits for its checkpoint, records are only flushed by the next
      // barrier's prepareCommit (that checkpoint never completed): they join the sealed
      // transaction, which is then re-sealed under the newer checkpoint that subsumes it.
      // A sealed transaction that is being committed takes nothing more: wait for its commit.
      if (this.sealed?.committing) await this.committedPromise;
      const transaction =
        this.sealed?.transaction ?? (this.transaction ??= await (this.beginning ??= this.producer!.transaction()));
      this.transactionRecords += batch.length;
      try {
        await transaction.sendBatch(request);
      } catch (error) {
        this.failures?.inc({ operator: this.context.operatorName });
        throw new ConnectorError(
          'KAFKA_SEND_FAILED',
          `${this.what}: transactional send to ${byTopic.size === 1 ? `topic '${[...byTopic.keys()][0]}'` : 'topics ' + [...byTopic.keys()].join(',')} failed: ${messageOf(error)}`,
          {
            cause: error,
            retriable: true,
          },
        );
      }
      for (const [topic, messages] of byTopic) this.sent?.inc({ topic }, messages.length);
      return;
    }
    const retry = this.options.retry ?? {};
    const started = this.clock.now();
    let delay = retry.initialMs ?? 200;
    for (;;) {
      try {
        await this.producer!.sendBatch(request);
        this.retrying?.set({ operator: this.context.operatorName, subtask: String(this.context.subtaskIndex) }, 0);
        for (const [topic, messages] of byTopic) this.sent?.inc({ topic }, messages.length);
        return;
      } catch (error) {
        const elapsed = this.clock.now() - started;
        if (!isKafkaRetriable(error) || elapsed >= (retry.maxElapsedMs ?? 120_000)) {
          this.failures?.inc({ operator: this.context.operatorName });
          throw new ConnectorError(
            'KAFKA_SEND_FAILED',
            `${this.what}: send of ${batch.length} records to ${[...byTopic.keys()].join(',')} on ${this.options.brokers.join(',')} failed after ${elapsed} ms: ${messageOf(error)}`,
            { cause: error, retriable: true },
          );
        }
        this.retries?.inc({ operator: this.context.operatorName });
        this.retrying?.set({ operator: this.context.operatorName, subtask: String(this.context.subtaskIndex) }, 1);
        await new Promise<void>((resolve) => this.clock.setTimer(this.clock.now() + delay, resolve));
        delay = Math.min(delay * 2, retry.maxMs ?? 5000);
      }
    }
  }

  private async partitionCount(topic: string): Promise<number> {
    let count = this.partitionCounts.get(topic);
    if (count === undefined) {
      await resolveTopics(this.what, this.admin!, topic, this.options.brokers);
      const { topics } = await this.admin!.fetchTopicMetadata({ topics: [topic] });
      count = topics[0]!.partitions.length;
      this.partitionCounts.set(topic, count);
    }
    return count;
  }

  private async drain(): Promise<void> {
    const flushing = this.flush();
    await Promise.allSettled([flushing, ...this.inflight]);
    if (this.error) throw this.error;
  }

  async prepareCommit(checkpointId: number): Promise<KafkaTransactionCommittable | undefined> {
    if (this.guarantee === 'none') {
      if (this.error) throw this.error;
      return undefined;
    }
    if (this.sealed?.committing) await this.committedPromise;
    await this.drain();
    if (this.transactionalId === undefined) return undefined;
    if (this.sealed) {
      this.sealed.checkpointId = checkpointId;
    } else {
      if (this.transaction === undefined) return undefined;
      this.sealed = { checkpointId, transaction: this.transaction, committing: false };
      this.committedPromise = new Promise((resolve) => (this.committed = resolve));
    }
    const committable: KafkaTransactionCommittable = {
      transactionalId: this.transactionalId,
      checkpointId,
      incarnation: this.incarnation,
      records: this.transactionRecords,
    };
    this.transaction = undefined;
    this.beginning = undefined;
    return committable;
  }

  async commit(committables: KafkaTransactionCommittable[]): Promise<void> {
    for (const c of committables) {
      const sealed = this.sealed;
      if (sealed && c.incarnation === this.incarnation && c.checkpointId < sealed.checkpointId) continue; // re-sealed under a later checkpoint
      if (sealed && c.incarnation === this.incarnation && c.checkpointId === sealed.checkpointId) {
        sealed.committing = true;
        try {
          await sealed.transaction.commit();
        } catch (error) {
          throw new ConnectorError(
            'KAFKA_COMMIT_FAILED',
            `${this.what}: commit of transaction '${c.transactionalId}' for checkpoint ${c.checkpointId} failed: ${messageOf(error)}`,
            {
              cause: error,
              retriable: true,
            },
          );
        }
        this.transactions?.inc({ operator: this.context.operatorName, outcome: 'committed' });
        this.sealed = undefined;
        this.transactionRecords = 0;
        const wake = this.committed;
        this.committed = undefined;
        wake?.();
        if (this.pending.length > 0) await this.flush();
      } else if (c.incarnation !== this.incarnation) {
        // Sealed by an earlier incarnation that died before committing. kafkajs cannot resume a
        // transaction of another producer session, and this writer's InitProducerId (at open)
        // already made the coordinator abort it; see README: the records are not replayed.
        this.transactions?.inc({ operator: this.context.operatorName, outcome: 'aborted-on-restore' });
      }
    }
  }

  async finish(): Promise<void> {
    if (!this.sealed) await this.drain();
  }

  async close(): Promise<void> {
    this.linger?.();
    // An open (never sealed) transaction holds records a restore will replay: abort it.
    await this.transaction?.abort().catch(() => {});
    await Promise.allSettled([this.producer?.disconnect(), this.admin?.disconnect()]);
  }
}
