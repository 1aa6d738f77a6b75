/**
 * User function types of the native API. Functions are plain TypeScript functions rather than
 * Flink's one-interface-per-function classes: a closure is the idiomatic way to pass behaviour here.
 */

/** Event timestamp carried beside a record when it has none (Flink's Long.MIN_VALUE). */
export const NO_TIMESTAMP = -Infinity;

export type MapFunction<IN, OUT> = (value: IN) => OUT;
/** Emits zero or more values through `out`; a callback, not a returned array, so nothing is allocated per record. */
export type FlatMapFunction<IN, OUT> = (value: IN, out: (value: OUT) => void) => void;
export type FilterFunction<T> = (value: T) => boolean;
export type KeySelector<T, K> = (value: T) => K;
export type ReduceFunction<T> = (accumulator: T, value: T) => T;

export interface AggregateFunction<IN, ACC, OUT> {
  createAccumulator(): ACC;
  add(value: IN, accumulator: ACC): ACC;
  getResult(accumulator: ACC): OUT;
  /** Needed for session windows and local-global aggregation, where partial accumulators meet. */
  merge?(a: ACC, b: ACC): ACC;
}

/** Names a side output. The id must be unique within a job. */
export class OutputTag<T> {
  declare readonly _type: T;
  constructor(readonly id: string) {
    if (!id) throw new TypeError('OutputTag needs a non-empty id');
  }
}
