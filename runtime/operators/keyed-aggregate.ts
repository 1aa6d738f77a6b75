import { NO_TIMESTAMP, type AggregateFunction, type KeySelector } from '../api/functions.ts';
import { StreamOperator } from '../api/operator.ts';
import type { ValueState } from '../state/index.ts';
import { ValueStateDescriptor } from '../state/index.ts';
import { userError } from './user-error.ts';

export interface MiniBatchOptions {
  /** Records buffered (across keys) before state is updated. */
  size: number;
  /** Longest a record waits in the buffer. */
  intervalMs: number;
}

/**
 * Rolling keyed aggregation: keeps an accumulator per key in keyed state and emits the updated
 * result. With a mini-batch, records are first folded in a per-key buffer and state is touched
 * once per key per batch, which is what makes hot keys cheap.
 */
export class KeyedAggregateOperator<K, IN, ACC, OUT> extends StreamOperator<IN, OUT> {
  private state!: ValueState<ACC>;
  private buffer: Map<unknown, { key: K; acc: ACC; timestamp: number }> | undefined;
  private buffered = 0;
  private cancelFlush: (() => void) | undefined;

  constructor(
    private readonly aggregate: AggregateFunction<IN, ACC, OUT>,
    private readonly keySelector: KeySelector<IN, K>,
    private readonly miniBatch: MiniBatchOptions | undefined,
    /** Input records are partial accumulators from a local pre-aggregation stage. */
    private readonly inputIsPartial: boolean,
  ) {
    super();
  }

  override open(): void {
    this.state = this.context.keyedState!.getState(new ValueStateDescriptor<ACC>('aggregate'));
    if (this.miniBatch) this.buffer = new Map();
  }

  processElement(value: IN, timestamp: number): void {
    let key: K;
    try {
      key = this.keySelector(value);
    } catch (error) {
      throw userError(this.context.operatorName, value, error);
    }
    if (this.buffer === undefined) {
      this.context.keyedState!.setCurrentKey(key);
      const acc = this.fold(this.state.value(), value);
      this.state.update(acc);
      this.emit(acc, timestamp, value);
      return;
    }
    const slot = this.buffer.get(key);
    if (slot === undefined) this.buffer.set(key, { key, acc: this.fold(undefined, value), timestamp });
    else {
      slot.acc = this.fold(slot.acc, value);
      if (timestamp > slot.timestamp) slot.timestamp = timestamp;
    }
    if (++this.buffered >= this.miniBatch!.size) this.flush();
    else if (this.cancelFlush === undefined) {
      this.cancelFlush = this.context.processingTime.schedule(
        this.context.processingTime.now() + this.miniBatch!.intervalMs,
        () => {
          this.cancelFlush = undefined;
          this.flush();
        },
      );
    }
  }

  private fold(acc: ACC | undefined, value: IN): ACC {
    try {
      if (this.inputIsPartial) {
        const partial = value as unknown as ACC;
        return acc === undefined ? partial : this.merge(acc, partial);
      }
      return this.aggregate.add(value, acc === undefined ? this.aggregate.createAccumulator() : acc);
    } catch (error) {
      throw userError(this.context.operatorName, value, error);
    }
  }

  private merge(a: ACC, b: ACC): ACC {
    if (!this.aggregate.merge)
      throw new Error(`operator '${this.context.operatorName}': local-global aggregation needs merge()`);
    return this.aggregate.merge(a, b);
  }

  private emit(acc: ACC, timestamp: number, record: unknown): void {
    let result: OUT;
    try {
      result = this.aggregate.getResult(acc);
    } catch (error) {
      throw userError(this.context.operatorName, record, error);
    }
    this.output.collect(result, timestamp);
  }

  /** Applies the buffered partial accumulators to keyed state and emits one result per key. */
  flush(): void {
    const buffer = this.buffer;
    if (buffer === undefined || buffer.size === 0) return;
    this.cancelFlush?.();
    this.cancelFlush = undefined;
    this.buffer = new Map();
    this.buffered = 0;
    const backend = this.context.keyedState!;
    for (const slot of buffer.values()) {
      backend.setCurrentKey(slot.key);
      const current = this.state.value();
      let acc: ACC;
      try {
        acc = current === undefined ? slot.acc : this.merge(current, slot.acc);
      } catch (error) {
        // A flush runs for many records at once (often from a timer): name the key it failed on.
        throw userError(this.context.operatorName, slot.key, error);
      }
      this.state.update(acc);
      this.emit(acc, slot.timestamp, slot.key);
    }
  }

  override prepareSnapshotPreBarrier(): void {
    this.flush();
  }

  override endInput(): void {
    this.flush();
  }

  override close(): void {
    this.cancelFlush?.();
  }
}

/**
 * The local half of local-global aggregation: chained before the shuffle, it folds records per key
 * into partial accumulators and ships one partial per key per batch, cutting shuffle volume on hot keys.
 */
export class LocalAggregateOperator<K, IN, ACC> extends StreamOperator<IN, ACC> {
  private buffer = new Map<unknown, { acc: ACC; timestamp: number }>();
  private buffered = 0;
  private cancelFlush: (() => void) | undefined;

  constructor(
    private readonly aggregate: AggregateFunction<IN, ACC, unknown>,
    private readonly keySelector: KeySelector<IN, K>,
    private readonly batch: MiniBatchOptions,
  ) {
    super();
  }

  processElement(value: IN, timestamp: number): void {
    let key: K;
    let slot: { acc: ACC; timestamp: number } | undefined;
    try {
      key = this.keySelector(value);
      slot = this.buffer.get(key);
      if (slot === undefined)
        this.buffer.set(key, { acc: this.aggregate.add(value, this.aggregate.createAccumulator()), timestamp });
      else {
        slot.acc = this.aggregate.add(value, slot.acc);
        if (timestamp > slot.timestamp) slot.timestamp = timestamp;
      }
    } catch (error) {
      throw userError(this.context.operatorName, value, error);
    }
    if (++this.buffered >= this.batch.size) this.flush();
    else if (this.cancelFlush === undefined) {
      this.cancelFlush = this.context.processingTime.schedule(
        this.context.processingTime.now() + this.batch.intervalMs,
        () => {
          this.cancelFlush = undefined;
          this.flush();
        },
      );
    }
  }

  flush(): void {
    if (this.buffer.size === 0) return;
    this.cancelFlush?.();
    this.cancelFlush = undefined;
    const buffer = this.buffer;
    this.buffer = new Map();
    this.buffered = 0;
    for (const slot of buffer.values())
      this.output.collect(slot.acc, slot.timestamp === -Infinity ? NO_TIMESTAMP : slot.timestamp);
  }

  override prepareSnapshotPreBarrier(): void {
    this.flush();
  }

  override endInput(): void {
    this.flush();
  }

  override close(): void {
    this.cancelFlush?.();
  }
}

/** A reduce function seen as an aggregate whose accumulator is the value itself. */
export function reduceAsAggregate<T>(reduce: (a: T, b: T) => T): AggregateFunction<T, T, T> {
  const EMPTY = undefined as unknown as T;
  return {
    createAccumulator: () => EMPTY,
    add: (value, acc) => (acc === EMPTY ? value : reduce(acc, value)),
    getResult: (acc) => acc,
    // Local-global starts the global accumulator empty and merges partials into it, so an empty
    // side must not reach the user's reduce (it would see `undefined`).
    merge: (a, b) => (a === EMPTY ? b : b === EMPTY ? a : reduce(a, b)),
  };
}
