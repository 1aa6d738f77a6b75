/**
 * storm-kafka-client's KafkaBolt on kafkajs. Like Storm's (async) KafkaBolt, `execute` hands the
 * record to the producer and returns; the tuple is acked when the broker acknowledges the send
 * and failed (with reportError) when the send fails for good. Sends are batched per event-loop
 * turn, so a burst of tuples costs one request instead of one each.
 */
import type { Producer } from 'kafkajs';
import { createKafka } from '../../runtime/index.ts';
import { BaseTickTupleAwareRichBolt } from '../component/base.ts';
import type { OutputCollector } from '../component/collectors.ts';
import type { Conf } from '../component/config.ts';
import type { TopologyContext } from '../component/context.ts';
import { IllegalArgumentException } from '../component/exceptions.ts';
import type { OutputFieldsDeclarer } from '../component/interfaces.ts';
import type { Tuple } from '../component/tuple.ts';

export interface KafkaTopicSelector {
  /** The topic for a tuple; `null` skips it (acked, nothing sent). */
  getTopic(tuple: Tuple): string | null;
}

export class DefaultTopicSelector implements KafkaTopicSelector {
  constructor(private readonly topicName: string) {}
  getTopic(): string {
    return this.topicName;
  }
}

/** The topic named by a tuple field, or `defaultTopicName` when the tuple lacks it. */
export class FieldNameTopicSelector implements KafkaTopicSelector {
  constructor(
    private readonly fieldName: string,
    private readonly defaultTopicName: string | null = null,
  ) {}
  getTopic(tuple: Tuple): string | null {
    if (tuple.contains(this.fieldName)) {
      const topic = tuple.getValueByField(this.fieldName);
      if (topic !== null && topic !== undefined) return String(topic);
    }
    return this.defaultTopicName;
  }
}

export interface TupleToKafkaMapper<K = unknown, V = unknown> {
  getKeyFromTuple(tuple: Tuple): K;
  getMessageFromTuple(tuple: Tuple): V;
}

/** Key and message from tuple fields, 'key' and 'message' by default (Storm's BOLT_KEY / BOLT_MESSAGE). */
export class FieldNameBasedTupleToKafkaMapper<K = unknown, V = unknown> implements TupleToKafkaMapper<K, V> {
  static readonly BOLT_KEY = 'key';
  static readonly BOLT_MESSAGE = 'message';
  constructor(
    readonly boltKeyField: string = FieldNameBasedTupleToKafkaMapper.BOLT_KEY,
    readonly boltMessageField: string = FieldNameBasedTupleToKafkaMapper.BOLT_MESSAGE,
  ) {}
  getKeyFromTuple(tuple: Tuple): K {
    // A tuple without the key field sends a keyless record, as Storm does.
    return (tuple.contains(this.boltKeyField) ? tuple.getValueByField(this.boltKeyField) : null) as K;
  }
  getMessageFromTuple(tuple: Tuple): V {
    return tuple.getValueByField(this.boltMessageField) as V;
  }
}

interface Queued {
  tuple: Tuple;
  topic: string;
  key: string | Buffer | null;
  value: string | Buffer | null;
}

function toWire(v: unknown): string | Buffer | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string' || Buffer.isBuffer(v)) return v;
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

const live = new WeakMap<
  KafkaBolt,
  { producer: Producer; collector: OutputCollector; queue: Queued[]; scheduled: boolean; componentId: string }
>();

export class KafkaBolt<K = unknown, V = unknown> extends BaseTickTupleAwareRichBolt {
  declare private boltSpecifiedProperties: Record<string, string>;
  declare private topicSelector: KafkaTopicSelector | undefined;
  declare private mapper: TupleToKafkaMapper<K, V>;
  declare private fireAndForget: boolean;
  declare private async: boolean;

  constructor() {
    super();
    // Configuration, not state: non-enumerable so checkpoint snapshots (enumerable fields) skip it
    // while R9's per-task clone still copies it.
    const hidden = (key: string, value: unknown): void =>
      void Object.defineProperty(this, key, { value, enumerable: false, writable: true });
    hidden('boltSpecifiedProperties', {});
    hidden('topicSelector', undefined);
    hidden('mapper', new FieldNameBasedTupleToKafkaMapper<K, V>());
    hidden('fireAndForget', false);
    hidden('async', true);
  }

  withProducerProperties(props: Record<string, unknown>): this {
    this.boltSpecifiedProperties = Object.fromEntries(Object.entries(props).map(([k, v]) => [k, String(v)]));
    return this;
  }
  withTopicSelector(selector: KafkaTopicSelector | string): this {
    this.topicSelector = typeof selector === 'string' ? new DefaultTopicSelector(selector) : selector;
    return this;
  }
  withTupleToKafkaMapper(mapper: TupleToKafkaMapper<K, V>): this {
    this.mapper = mapper;
    return this;
  }
  /** Ack right after handing the record to the producer, without waiting for the broker. */
  setFireAndForget(fireAndForget: boolean): void {
    this.fireAndForget = fireAndForget;
  }
  /** Storm's async flag: false waits for each send before the next tuple (slow, strict order). */
  setAsync(async: boolean): void {
    this.async = async;
  }

  async prepare(_conf: Conf, context: TopologyContext, collector: OutputCollector): Promise<void> {
    if (!this.topicSelector) throw new IllegalArgumentException('KafkaBolt: withTopicSelector(...) is required');
    const props = this.boltSpecifiedProperties;
    const servers = (props['bootstrap.servers'] ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    if (servers.length === 0)
      throw new IllegalArgumentException("KafkaBolt: producer property 'bootstrap.servers' is required");
    const kafka = createKafka(
      { brokers: servers, ...(props['client.id'] ? { clientId: props['client.id'] } : {}) },
      'stormshift-kafka-bolt',
      { retries: 5, initialRetryTime: 100, maxRetryTime: 2000 },
    );
    const producer = kafka.producer({
      allowAutoTopicCreation: false,
      ...(props['enable.idempotence'] === 'true' ? { idempotent: true, maxInFlightRequests: 1 } : {}),
    });
    await producer.connect();
    live.set(this, { producer, collector, queue: [], scheduled: false, componentId: context.getThisComponentId() });
  }

  protected process(tuple: Tuple): void | Promise<void> {
    const l = live.get(this)!;
    const topic = this.topicSelector!.getTopic(tuple);
    if (topic === null) {
      l.collector.ack(tuple);
      return;
    }
    const queued: Queued = {
      tuple,
      topic,
      key: toWire(this.mapper.getKeyFromTuple(tuple)),
      value: toWire(this.mapper.getMessageFromTuple(tuple)),
    };
    if (!this.async) return this.send(l, [queued]);
    l.queue.push(queued);
    if (this.fireAndForget) l.collector.ack(tuple);
    if (!l.scheduled) {
      l.scheduled = true;
      setImmediate(() => {
        l.scheduled = false;
        const batch = l.queue;
        l.queue = [];
        void this.send(l, batch);
      });
    }
  }

  private async send(l: { producer: Producer; collector: OutputCollector }, batch: Queued[]): Promise<void> {
    const byTopic = new Map<string, Queued[]>();
    for (const q of batch) {
      let list = byTopic.get(q.topic);
      if (!list) byTopic.set(q.topic, (list = []));
      list.push(q);
    }
    const acks = Number(this.boltSpecifiedProperties['acks'] ?? -1);
    try {
      await l.producer.sendBatch({
        acks: acks === 0 || acks === 1 ? acks : -1,
        topicMessages: [...byTopic].map(([topic, qs]) => ({
          topic,
          messages: qs.map((q) => ({ key: q.key, value: q.value })),
        })),
      });
      if (!this.fireAndForget) for (const q of batch) l.collector.ack(q.tuple);
    } catch (error) {
      l.collector.reportError(error);
      if (!this.fireAndForget) for (const q of batch) l.collector.fail(q.tuple);
    }
  }

  override cleanup(): void {
    const l = live.get(this);
    live.delete(this);
    if (l) void l.producer.disconnect();
  }

  declareOutputFields(_declarer: OutputFieldsDeclarer): void {}
}
