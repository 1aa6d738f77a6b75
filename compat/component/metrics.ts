/** Metrics v1 value holders (§4 registerMetric). */
import type { ICombiner, IMetric, IReducer } from './interfaces.ts';

export class CountMetric implements IMetric {
  private value = 0;

  incr(): void {
    this.value++;
  }

  incrBy(incrementBy: number | bigint): void {
    this.value += Number(incrementBy);
  }

  getValueAndReset(): number {
    const v = this.value;
    this.value = 0;
    return v;
  }
}

/** `registerMetric(name, reducer, secs)` wraps the reducer in this. */
export class ReducedMetric<T = unknown> implements IMetric {
  private readonly reducer: IReducer<T>;
  private accumulator: T;

  constructor(reducer: IReducer<T>) {
    this.reducer = reducer;
    this.accumulator = reducer.init();
  }

  update(value: unknown): void {
    this.accumulator = this.reducer.reduce(this.accumulator, value);
  }

  getValueAndReset(): unknown {
    const ret = this.reducer.extractResult(this.accumulator);
    this.accumulator = this.reducer.init();
    return ret;
  }
}

/** `registerMetric(name, combiner, secs)` wraps the combiner in this. */
export class CombinedMetric<T = unknown> implements IMetric {
  private readonly combiner: ICombiner<T>;
  private value: T;

  constructor(combiner: ICombiner<T>) {
    this.combiner = combiner;
    this.value = combiner.identity();
  }

  update(value: T): void {
    this.value = this.combiner.combine(this.value, value);
  }

  getValueAndReset(): T {
    const ret = this.value;
    this.value = this.combiner.identity();
    return ret;
  }
}

/** Storm's `MeanReducer`: mean of numeric updates, null when none. */
export class MeanReducer implements IReducer<{ count: number; sum: number }> {
  init(): { count: number; sum: number } {
    return { count: 0, sum: 0 };
  }
  reduce(acc: { count: number; sum: number }, input: unknown): { count: number; sum: number } {
    acc.count++;
    acc.sum += Number(input);
    return acc;
  }
  extractResult(acc: { count: number; sum: number }): number | null {
    return acc.count > 0 ? acc.sum / acc.count : null;
  }
}
