import type { Admin, CompressionTypes, Kafka, Message, Producer, TopicMessages, Transaction } from 'kafkajs';
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
import { lowerMarker, markerGroup, readMarker, sendMarker } from './markers.ts';
import { resolveSerializer, type SerializerSpec } from './serde.ts';
import {
  AbortFailed,
  abortOpenTransactions,
  issuedIdentity,
  observeProducerIds,
  resumeCommit,
  type ProducerIdentity,
} from './transactions.ts';

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
  /**
   * Exactly-once only: each transaction's id is `<prefix>-<subtask>-<n>`, n = 1 + the checkpoint
   * before it; keep the prefix unique per job and sink.
   */
  transactionalIdPrefix?: string;
  /**
   * Exactly-once only; must exceed the checkpoint interval plus the longest time the job may be
   * down: a transaction the broker aborts for age cannot be committed on restore. Default 60 000 ms.
   */
  transactionTimeoutMs?: number;
  /**
   * Exactly-once only: at open, the ids after the restored checkpoint up to this many past the
   * newest checkpoint of the job's directory are re-initialised, aborting what a crashed
   * incarnation left open under them (read_committed readers wait at an open transaction). The
   * sink never opens a transaction under an id further than this past the newest checkpoint it
   * knows complete, so the ids a restore re-initialises cover every id it may have used: when
   * that many checkpoints in a row fail to complete, it fails the job (KAFKA_TRANSACTIONS_BACKLOG,
   * retriable) and the restore fences them. Default 10.
   */
  lingeringTransactions?: number;
  /**
   * Exactly-once only. Each transaction also commits the id of its checkpoint as a marker (offset of
   * partition 0 of `markerTopic` for the consumer group `<prefix>-<subtask>.committed-checkpoint`).
   * A restore from checkpoint C that finds a marker above C (the run that died had committed output
   * of a later checkpoint, which the replay would write again: the newest checkpoint was unreadable
   * or `--restore` chose an older one) fails with KAFKA_COMMITTED_AFTER_RESTORE (not retriable).
   * `true` restores anyway and accepts those duplicates. Default false.
   */
  acceptDuplicatesOnRestore?: boolean;
  /**
   * Exactly-once only: the existing topic whose partition 0 carries the checkpoint markers (Kafka
   * accepts offsets of existing topics only). Default: `topic` when it is a name; a sink whose
   * `topic` is a function and that sets no `markerTopic` writes no markers and cannot tell.
   */
  markerTopic?: string;
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

/** One sealed transaction: enough to commit it from another producer session. */
export interface KafkaSealedTransaction extends ProducerIdentity {
  transactionalId: string;
  /** The checkpoint whose barrier sealed it. */
  checkpointId: number;
  records: number;
}

/** What an exactly-once sink stores in a checkpoint: its sealed, not yet committed transactions. */
export interface KafkaTransactionCommittable {
  checkpointId: number;
  /**
   * The subtask that sealed them and the sink's parallelism then: a restore with fewer subtasks
   * cleans up after the removed ones. Absent in checkpoints of earlier versions.
   */
  subtask?: number;
  parallelism?: number;
  /** The writer incarnation that sealed them; another one commits them by producer id and epoch. */
  incarnation: string;
  /** Oldest first: one per checkpoint since the last completed one. */
  transactions: KafkaSealedTransaction[];
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
  if (options.markerTopic !== undefined && !(typeof options.markerTopic === 'string' && options.markerTopic.length > 0))
    throw new ConfigError(`kafka sink: 'markerTopic' must be a topic name, got ${JSON.stringify(options.markerTopic)}`);
  if (options.acceptDuplicatesOnRestore !== undefined && typeof options.acceptDuplicatesOnRestore !== 'boolean')
    throw new ConfigError(
      `kafka sink: 'acceptDuplicatesOnRestore' must be true or false, got ${JSON.stringify(options.acceptDuplicatesOnRestore)}`,
    );
  const lingering = options.lingeringTransactions;
  if (lingering !== undefined && !(Number.isInteger(lingering) && lingering >= 2))
    throw new ConfigError(
      `kafka sink: 'lingeringTransactions' must be an integer of at least 2 (the sealed transaction and the next), got ${String(lingering)}`,
    );
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

/** A transaction of the exactly-once sink, with its own producer (its own transactional id). */
interface OpenTransaction extends ProducerIdentity {
  transactionalId: string;
  producer: Producer;
  transaction: Transaction;
  records: number;
}

let incarnations = 0;

class KafkaSinkWriter<T> implements SinkWriter<T, KafkaTransactionCommittable> {
  private readonly what: string;
  private readonly guarantee: KafkaDeliveryGuarantee;
  private readonly serialize: (value: T) => Buffer | string | null;
  private readonly batchRecords: number;
  private readonly lingerMs: number;
  private readonly fixedTopic: string | undefined;
  private readonly transactional: boolean;
  /** Exactly-once: where the checkpoint markers go; undefined = no markers (see markerTopic). */
  private readonly markerTopic: string | undefined;
  /**
   * Old subtasks whose restored committables this writer was handed besides its own (a restore
   * with fewer subtasks), and the parallelism the restored checkpoint was taken with.
   */
  private readonly removedSubtasks = new Set<number>();
  private restoredParallelism: number | undefined;
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

  /**
   * Exactly-once: the transaction records go to now, and those sealed at barriers whose
   * checkpoints have not completed. Each has its own id, so a restore can commit exactly the
   * ones its checkpoint sealed, by producer id and epoch, and nothing written after.
   */
  private readonly sealed: Array<OpenTransaction & { checkpointId: number }> = [];
  /**
   * The transaction records go to now, begun once however many sends race for it. A send is
   * bound to it when flushed, so a barrier can seal it while later records begin the next.
   */
  private beginning: Promise<OpenTransaction> | undefined;
  /** The last barrier this writer sealed at (or the restored checkpoint): names the next transaction. */
  private lastBarrier = 0;
  /**
   * The newest checkpoint this writer knows complete (at first, the newest an earlier incarnation
   * may have completed). A later restore re-initialises the ids up to the newest checkpoint in the
   * directory, which is at least this new, plus `lingeringTransactions`, so no transaction may be
   * opened under an id past this plus that window.
   */
  private lastCompleted = 0;
  /** The newest checkpoint an earlier incarnation may have completed (see the constructor). */
  private readonly newestEarlier: number;
  private closed = false;
  /** The newest barrier's seal; rejected for good once one failed (the job restarts then). */
  private sealing: Promise<void> = Promise.resolve();
  /** The sends of the transaction sealed last: the next transaction begins once they settled. */
  private earlierSends: Promise<void> = Promise.resolve();
  private kafka: Kafka | undefined;

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
    this.transactional = this.guarantee === 'exactly-once';
    this.markerTopic = this.transactional ? (options.markerTopic ?? this.fixedTopic) : undefined;
    this.lastBarrier = context.restoredCheckpointId ?? 0;
    // No checkpoint an earlier incarnation completed is newer than the one before this one's first,
    // even when the restore went back further (`--restore OLDER`, a newest checkpoint that is
    // unreadable). They may have used ids up to that plus the window, so open() fences as far;
    // and this writer's own ids may start from there, since a later restore fences at least as far.
    this.newestEarlier = Math.max(this.lastBarrier, (context.firstCheckpointId ?? this.lastBarrier + 1) - 1);
    this.lastCompleted = this.newestEarlier;
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
    if (this.markerTopic !== undefined && this.markerTopic !== this.fixedTopic)
      await resolveTopics(this.what, this.admin, this.markerTopic, options.brokers);
    const kafka = this.client();
    if (this.transactional) {
      const subtasks = this.earlierSubtasks();
      const finishedThrough = await this.readMarkers(this.admin, subtasks);
      await this.fenceEarlierIncarnations(kafka, subtasks, finishedThrough);
      // After the fencing: every transaction that could still commit a marker is aborted now.
      const markers = await this.readMarkers(this.admin, subtasks);
      this.refuseCommittedAfterRestore(subtasks, markers);
      await this.lowerOwnMarker(kafka, markers.get(this.context.subtaskIndex));
    }
    if (!options.partitioner) {
      await this.admin.disconnect();
      this.admin = undefined;
    }
    if (this.transactional) return;
    this.producer = kafka.producer({
      allowAutoTopicCreation: false,
      idempotent: options.idempotent ?? false,
      ...(options.idempotent ? { maxInFlightRequests: 1 } : {}),
    });
    try {
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

  /**
   * Earlier incarnations may have left transactions open under every id after the restored
   * checkpoint that they could use: up to the newest checkpoint they completed plus the window
   * (they never go further, see `begin`). read_committed readers wait at an open transaction
   * until the broker's timeout, and it holds records the restored sources replay. Re-initialising
   * each id aborts its open transaction and fences its producer. The restored checkpoint's own
   * transactions have ids up to the checkpoint and were committed (resumed) before open.
   */
  private async fenceEarlierIncarnations(
    kafka: Kafka,
    subtasks: readonly number[],
    finishedThrough: ReadonlyMap<number, number>,
  ): Promise<void> {
    const to = this.newestEarlier + this.lingeringWindow();
    // A committed marker M promises that no id of its subtask up to M is open (see lowerOwnMarker).
    const ranges = subtasks
      .map((subtask) => ({ subtask, from: Math.max(this.lastBarrier, finishedThrough.get(subtask) ?? 0) + 1 }))
      .filter((r) => r.from <= to);
    const ids: string[] = [];
    for (const { subtask, from } of ranges)
      for (let n = from; n <= to; n++) ids.push(this.transactionalIdFor(n, subtask));
    try {
      await abortOpenTransactions(kafka, ids, this.transactionTimeoutMs(), this.clock);
    } catch (error) {
      const cause = error instanceof AbortFailed ? (error.cause ?? error) : error;
      // The broker refusing the id for good (authorization, a bad timeout) will refuse it on every
      // restart too; a broker that is down or busy may not.
      const final =
        (cause as { name?: string }).name === 'KafkaJSProtocolError' &&
        (cause as { retriable?: boolean }).retriable === false;
      throw new ConnectorError(
        'KAFKA_PRODUCER_FAILED',
        `${this.what}: cannot abort the transactions earlier runs may have left open under ids ` +
          `${ranges
            .map(
              ({ subtask, from }) =>
                `'${this.transactionalIdFor(from, subtask)}' to '${this.transactionalIdFor(to, subtask)}'`,
            )
            .join(', ')} on ${this.options.brokers.join(',')}` +
          `${error instanceof AbortFailed ? ` ('${error.transactionalId}' failed)` : ''}: ${messageOf(cause)}`,
        { cause, retriable: !final },
      );
    }
  }

  /**
   * The subtasks whose ids this writer re-initialises at open: its own and, after a restore with
   * fewer subtasks, each removed subtask i with i % parallelism === this one (the runtime hands
   * this writer their committables; the parallelism the checkpoint names covers removed subtasks
   * whose committable is missing). Their transactions left open would hold read_committed readers
   * until the broker's timeout, and nobody else uses their ids any more.
   */
  private earlierSubtasks(): number[] {
    const { subtaskIndex, parallelism } = this.context;
    const subtasks = new Set([subtaskIndex, ...this.removedSubtasks]);
    for (let i = parallelism; i < (this.restoredParallelism ?? 0); i++)
      if (i % parallelism === subtaskIndex) subtasks.add(i);
    return [...subtasks].sort((a, b) => a - b);
  }

  /**
   * A restore from checkpoint C replays everything after C. When the run that died had committed
   * a transaction of a later checkpoint K, Kafka cannot take it back: the replay would write
   * checkpoints C+1..K's records a second time. The markers tell (they are final once the
   * fencing aborted every open transaction). A marker at or above this incarnation's first
   * checkpoint belongs to no checkpoint of this directory (another run under the same prefix).
   */
  /** Each subtask's committed marker (0 when none, or when this sink writes no markers). */
  private async readMarkers(admin: Admin, subtasks: readonly number[]): Promise<Map<number, number>> {
    const markers = new Map<number, number>();
    if (this.markerTopic === undefined) return markers;
    for (const subtask of subtasks) {
      const group = markerGroup(this.options.transactionalIdPrefix!, subtask);
      try {
        markers.set(subtask, (await readMarker(admin, group, this.markerTopic)) ?? 0);
      } catch (error) {
        throw new ConnectorError(
          'KAFKA_CONSUMER_FAILED',
          `${this.what}: cannot read the checkpoint marker of group '${group}' on ${this.options.brokers.join(',')}: ${messageOf(error)}`,
          { cause: error, retriable: true },
        );
      }
    }
    return markers;
  }

  private refuseCommittedAfterRestore(subtasks: readonly number[], markers: ReadonlyMap<number, number>): void {
    const restored = this.context.restoredCheckpointId;
    const topic = this.markerTopic;
    if (restored === undefined || topic === undefined) return;
    const first = this.context.firstCheckpointId ?? Number.POSITIVE_INFINITY;
    let newest: { subtask: number; checkpointId: number; group: string } | undefined;
    for (const subtask of subtasks) {
      const marker = markers.get(subtask) ?? 0;
      if (marker > restored && marker < first && marker > (newest?.checkpointId ?? 0))
        newest = { subtask, checkpointId: marker, group: markerGroup(this.options.transactionalIdPrefix!, subtask) };
    }
    if (newest === undefined) return;
    if (this.options.acceptDuplicatesOnRestore === true) return;
    const k = newest.checkpointId;
    throw new ConnectorError(
      'KAFKA_COMMITTED_AFTER_RESTORE',
      `${this.what}: restored from checkpoint ${restored}, but the output of checkpoint ${k} (subtask ${newest.subtask}) ` +
        `to topic '${this.fixedTopic ?? topic}' was already committed by an earlier run (marker group '${newest.group}'). ` +
        `Kafka cannot take a commit back: the replay would write the records of checkpoints ${restored + 1} to ${k} a second time. ` +
        `Restore from checkpoint ${k} if it is still in the checkpoint directory (--restore <dir>/chk-${String(k).padStart(9, '0')}.snap), ` +
        `or set the sink option acceptDuplicatesOnRestore: true to replay from checkpoint ${restored} and accept the duplicates.`,
      { retriable: false },
    );
  }

  /**
   * This writer opens ids from the restored checkpoint + 1 (1 on a fresh start). When its subtask's
   * committed marker lies above that (a fresh start, or a restore that accepted duplicates), the
   * marker's promise that no id up to it is open would no longer hold once this writer opens one,
   * so it lowers the marker first. The marker then bounds later fences from below, provably: a
   * transaction that commits marker M is committed after every transaction its writer sealed at
   * checkpoints up to M (commits go oldest first), every id up to M that writer used was sealed at
   * a checkpoint up to M (an id is 1 + the barrier before it, and the next barrier seals it), ids
   * of earlier writers up to M were fenced at that writer's open or already lay below its own
   * bound, and any later writer that opens an id up to M lowers the marker before it does.
   */
  private async lowerOwnMarker(kafka: Kafka, marker: number | undefined): Promise<void> {
    if (this.markerTopic === undefined || marker === undefined || marker <= this.lastBarrier) return;
    const subtask = this.context.subtaskIndex;
    const group = markerGroup(this.options.transactionalIdPrefix!, subtask);
    const transactionalId = `${this.options.transactionalIdPrefix}-${subtask}-marker`;
    try {
      await lowerMarker(kafka, transactionalId, group, this.markerTopic, this.lastBarrier, this.transactionTimeoutMs());
    } catch (error) {
      throw new ConnectorError(
        'KAFKA_COMMIT_FAILED',
        `${this.what}: cannot lower the checkpoint marker of group '${group}' from ${marker} to ${this.lastBarrier} (transaction '${transactionalId}'): ${messageOf(error)}`,
        { cause: error, retriable: true },
      );
    }
  }

  private client(): Kafka {
    this.kafka ??= createKafka(this.options, `stormshift-${this.context.jobName}`, {
      retries: 3,
      initialRetryTime: 100,
      maxRetryTime: 1000,
    });
    return this.kafka;
  }

  private lingeringWindow(): number {
    return this.options.lingeringTransactions ?? 10;
  }

  private transactionTimeoutMs(): number {
    return this.options.transactionTimeoutMs ?? 60_000;
  }

  private transactionalIdFor(n: number, subtask = this.context.subtaskIndex): string {
    return `${this.options.transactionalIdPrefix}-${subtask}-${n}`;
  }

  /** A new producer under the next id: InitProducerId fences and aborts anything older under it. */
  private async begin(): Promise<OpenTransaction> {
    const n = this.lastBarrier + 1;
    const transactionalId = this.transactionalIdFor(n);
    await this.earlierSends;
    if (this.closed)
      throw new ConnectorError(
        'KAFKA_PRODUCER_FAILED',
        `${this.what}: closed; no transaction '${transactionalId}' begins`,
        {
          retriable: true,
        },
      );
    const window = this.lingeringWindow();
    if (n > this.lastCompleted + window) {
      // A restore from the last completed checkpoint re-initialises only the `window` ids after it:
      // a transaction opened under this id and left open by a crash would stall read_committed
      // readers for good (a broker without transaction timeouts) or until the broker's timeout.
      throw new ConnectorError(
        'KAFKA_TRANSACTIONS_BACKLOG',
        `${this.what}: the ${n - 1 - this.lastCompleted} checkpoints since the last completed one (${this.lastCompleted}) did not complete; ` +
          `transaction '${transactionalId}' would be past the ${window} ids a restore re-initialises (lingeringTransactions), so the job restarts from its last checkpoint instead`,
        { retriable: true },
      );
    }
    observeProducerIds();
    const producer = this.client().producer({
      allowAutoTopicCreation: false,
      idempotent: true,
      maxInFlightRequests: 1,
      transactionalId,
      transactionTimeout: this.transactionTimeoutMs(),
    });
    let transaction: Transaction;
    try {
      await producer.connect();
      transaction = await producer.transaction();
    } catch (error) {
      await producer.disconnect().catch(() => {});
      throw new ConnectorError(
        'KAFKA_PRODUCER_FAILED',
        `${this.what}: cannot begin transaction '${transactionalId}' on ${this.options.brokers.join(',')}: ${messageOf(error)}`,
        { cause: error, retriable: true },
      );
    }
    const identity = issuedIdentity(transactionalId);
    if (!identity) {
      await producer.disconnect().catch(() => {});
      throw new ConnectorError(
        'KAFKA_PRODUCER_FAILED',
        `${this.what}: no producer id seen for transaction '${transactionalId}' (kafkajs internals changed?)`,
        { retriable: false },
      );
    }
    return { transactionalId, producer, transaction, records: 0, ...identity };
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
    if (this.pending.length >= this.batchRecords) return this.flush();
    if (this.linger === undefined) {
      this.linger = this.clock.setTimer(this.clock.now() + this.lingerMs, () => {
        this.linger = undefined;
        this.flush().catch(() => {});
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
    if (this.transactional) this.beginning ??= this.begin();
    const sending = this.send(batch, this.beginning).catch((error: unknown) => {
      this.error ??= error instanceof Error ? error : new Error(String(error));
      throw this.error;
    });
    const tracked = sending.finally(() => this.inflight.delete(tracked)).catch(() => {});
    this.inflight.add(tracked);
    return sending;
  }

  private async send(batch: Array<Pending<T>>, target: Promise<OpenTransaction> | undefined): Promise<void> {
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
    if (target) {
      // Inside a transaction a failed send poisons it; the job restarts from the checkpoint and
      // the next incarnation aborts it (its id is past the restored checkpoint).
      const open = await target;
      open.records += batch.length;
      try {
        await open.transaction.sendBatch(request);
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
    if (!this.transactional) {
      await this.drain();
      return undefined;
    }
    // The content is fixed now: what is pending joins the transaction being sealed; records
    // written while its sends finish begin the next transaction, under the next id.
    const draining = this.drain();
    const sealing = this.beginning;
    this.beginning = undefined;
    // Records of the next transaction go out through another producer: without this wait its
    // first send could land in the partition before the sealed one's last (a later count for a
    // key before an earlier one), and readers rely on a partition's order.
    this.earlierSends = draining.catch(() => {});
    this.lastBarrier = Math.max(this.lastBarrier, checkpointId);
    // Seals land in barrier order and a committable waits for every earlier seal. drain() already
    // waits for the earlier transactions' sends, so this holds today by the order in which
    // promises settle; the chain states it, since a committable missing an earlier transaction
    // would leave it open after a restore from it (its id is below the ids a restore re-initialises).
    const earlier = this.sealing;
    const sealed = (async () => {
      await earlier;
      await draining;
      if (!sealing) return;
      const transaction = await sealing;
      if (this.markerTopic !== undefined) await this.addMarker(transaction, checkpointId);
      this.sealed.push({ ...transaction, checkpointId });
    })();
    this.sealing = sealed;
    sealed.catch(() => {});
    await sealed;
    // Even with nothing sealed: its commit tells this writer the checkpoint completed, which
    // bounds the ids it may use next (see lastCompleted).
    return {
      checkpointId,
      subtask: this.context.subtaskIndex,
      parallelism: this.context.parallelism,
      incarnation: this.incarnation,
      transactions: this.sealed.map((t) => ({
        transactionalId: t.transactionalId,
        producerId: t.producerId,
        producerEpoch: t.producerEpoch,
        checkpointId: t.checkpointId,
        records: t.records,
      })),
    };
  }

  /** The checkpoint marker goes into the transaction last, after its records. */
  private async addMarker(transaction: OpenTransaction, checkpointId: number): Promise<void> {
    const group = markerGroup(this.options.transactionalIdPrefix!, this.context.subtaskIndex);
    try {
      await sendMarker(transaction.transaction, group, this.markerTopic!, checkpointId, transaction.transactionalId);
    } catch (error) {
      // Not sealed: listed in no committable, so nothing commits it; the job restarts and its ids are fenced.
      await transaction.transaction.abort().catch(() => {});
      await transaction.producer.disconnect().catch(() => {});
      throw new ConnectorError(
        'KAFKA_SEND_FAILED',
        `${this.what}: cannot add the checkpoint ${checkpointId} marker (group '${group}', topic '${this.markerTopic}') to transaction '${transaction.transactionalId}': ${messageOf(error)}`,
        { cause: error, retriable: true },
      );
    }
  }

  async commit(committables: KafkaTransactionCommittable[]): Promise<void> {
    for (const c of committables) {
      if (c.incarnation !== this.incarnation) {
        if (c.subtask !== undefined && c.subtask !== this.context.subtaskIndex) this.removedSubtasks.add(c.subtask);
        if (c.parallelism !== undefined)
          this.restoredParallelism = Math.max(this.restoredParallelism ?? 0, c.parallelism);
      }
      this.lastCompleted = Math.max(this.lastCompleted, c.checkpointId);
      for (const t of c.transactions ?? []) {
        const index = this.sealed.findIndex(
          (s) => s.transactionalId === t.transactionalId && s.producerId === t.producerId,
        );
        if (index >= 0) {
          const live = this.sealed[index]!;
          try {
            await live.transaction.commit();
          } catch (error) {
            throw new ConnectorError(
              'KAFKA_COMMIT_FAILED',
              `${this.what}: commit of transaction '${t.transactionalId}' for checkpoint ${t.checkpointId} failed: ${messageOf(error)}`,
              { cause: error, retriable: true },
            );
          }
          this.sealed.splice(index, 1);
          this.transactions?.inc({ operator: this.context.operatorName, outcome: 'committed' });
          await live.producer.disconnect().catch(() => {});
        } else if (c.incarnation !== this.incarnation) {
          // Sealed by an earlier incarnation (this is a restore): it died after the checkpoint
          // was durable, maybe before its commit. Commit it from here by producer id and epoch;
          // a transaction it did commit is committed again as a no-op.
          this.lastBarrier = Math.max(this.lastBarrier, c.checkpointId);
          try {
            await resumeCommit(this.client(), t.transactionalId, t, this.clock);
          } catch (error) {
            this.transactions?.inc({ operator: this.context.operatorName, outcome: 'lost-on-restore' });
            throw new ConnectorError(
              'KAFKA_COMMIT_FAILED',
              `${this.what}: transaction '${t.transactionalId}' (producer id ${t.producerId}, epoch ${t.producerEpoch}) sealed for checkpoint ${t.checkpointId} cannot be committed on restore: ${messageOf(error)}. ` +
                `If the broker aborted it (down longer than transactionTimeoutMs = ${this.transactionTimeoutMs()} ms), its ${t.records} records are lost to read_committed readers; restore an older checkpoint or raise transactionTimeoutMs.`,
              { cause: error, retriable: retriableCommit(error) },
            );
          }
          this.transactions?.inc({ operator: this.context.operatorName, outcome: 'resumed' });
        }
        // Else: this incarnation committed it already (a committable is handed over again).
      }
    }
  }

  async finish(): Promise<void> {
    await this.drain();
  }

  async close(): Promise<void> {
    // Nothing may begin after close: a transaction begun by a late write of a failed deployment
    // could race the restored writer's re-initialisation of the same id.
    this.closed = true;
    this.linger?.();
    this.linger = undefined;
    // An open (never sealed) transaction holds records a restore will replay: abort it. Sealed
    // ones stay open at the coordinator for the next incarnation to commit.
    const open = await this.beginning?.catch(() => undefined);
    await open?.transaction.abort().catch(() => {});
    await Promise.allSettled([
      this.producer?.disconnect(),
      this.admin?.disconnect(),
      open?.producer.disconnect(),
      ...this.sealed.map((t) => t.producer.disconnect()),
    ]);
  }
}

/** Fencing and state errors are final (the transaction is gone); a busy or moving coordinator is not. */
function retriableCommit(error: unknown): boolean {
  return (error as { retriable?: boolean }).retriable === true;
}
