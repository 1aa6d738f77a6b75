/**
 * Lambda components (§12). Closures cannot be cloned (R9), so variables a lambda captures are
 * shared by all its tasks — unlike Java, which serializes a copy per task.
 */
import type { Conf } from '../component/config.ts';
import { BaseBasicBolt, BaseRichSpout } from '../component/base.ts';
import type { BasicOutputCollector, SpoutOutputCollector } from '../component/collectors.ts';
import type { TopologyContext } from '../component/context.ts';
import { Fields } from '../component/fields.ts';
import type { MaybePromise, OutputFieldsDeclarer } from '../component/interfaces.ts';
import type { Tuple } from '../component/tuple.ts';
import { isThenable } from '../component/thenable.ts';

export type SerializableSupplier<T = unknown> = () => T | Promise<T>;
export type SerializableBiConsumer = (tuple: Tuple, collector: BasicOutputCollector) => unknown;
export type SerializableConsumer = (tuple: Tuple) => unknown;

/** Calls the supplier each `nextTuple`; null/undefined ⇒ nothing, else emits `[value]` unanchored on "lambda". */
export class LambdaSpout extends BaseRichSpout {
  private readonly supplier: SerializableSupplier;
  private collector: SpoutOutputCollector | null = null;

  constructor(supplier: SerializableSupplier) {
    super();
    this.supplier = supplier;
  }

  open(_conf: Conf, _context: TopologyContext, collector: SpoutOutputCollector): void {
    this.collector = collector;
  }

  nextTuple(): MaybePromise {
    const value = this.supplier();
    if (isThenable(value)) return Promise.resolve(value).then((v) => this.emitValue(v));
    this.emitValue(value);
  }

  private emitValue(value: unknown): void {
    if (value !== null && value !== undefined) this.collector!.emit([value]);
  }

  declareOutputFields(declarer: OutputFieldsDeclarer): void {
    declarer.declare(new Fields('lambda'));
  }
}

/** A basic bolt running `(tuple, collector) => …`, declaring `fields` on "default" (if any). */
export class LambdaBiConsumerBolt extends BaseBasicBolt {
  private readonly biConsumer: SerializableBiConsumer;
  private readonly fields: readonly string[];

  constructor(biConsumer: SerializableBiConsumer, fields: readonly string[]) {
    super();
    this.biConsumer = biConsumer;
    this.fields = [...fields];
  }

  execute(input: Tuple, collector: BasicOutputCollector): MaybePromise {
    const r = this.biConsumer(input, collector);
    if (isThenable(r)) return Promise.resolve(r).then(() => undefined);
  }

  declareOutputFields(declarer: OutputFieldsDeclarer): void {
    if (this.fields.length > 0) declarer.declare(new Fields([...this.fields]));
  }
}

/** A basic bolt running `(tuple) => …`, declaring nothing. */
export class LambdaConsumerBolt extends BaseBasicBolt {
  private readonly consumer: SerializableConsumer;

  constructor(consumer: SerializableConsumer) {
    super();
    this.consumer = consumer;
  }

  // Two parameters on purpose: R2 classifies `execute.length ≥ 2` as basic.
  execute(input: Tuple, _collector: BasicOutputCollector): MaybePromise {
    const r = this.consumer(input);
    if (isThenable(r)) return Promise.resolve(r).then(() => undefined);
  }

  declareOutputFields(_declarer: OutputFieldsDeclarer): void {}
}
