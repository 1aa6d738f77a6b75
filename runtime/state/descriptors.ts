/**
 * State descriptors name a piece of state and say what shape it has. An operator asks the backend for
 * state by descriptor; the name is what a checkpoint stores, so renaming a descriptor loses its state.
 */
import { ConfigError } from '../errors.ts';

export type StateKind = 'value' | 'list' | 'map' | 'reducing' | 'aggregating';

function checkName(name: unknown): string {
  if (typeof name !== 'string' || name === '')
    throw new ConfigError(`state descriptor 'name' must be a non-empty string, got ${String(name)}`);
  return name;
}

export class ValueStateDescriptor<T> {
  readonly kind = 'value' as const;
  readonly name: string;
  /**
   * Returned by value() for keys without state. Handed out as-is, not copied, so use an immutable
   * value (a number, a string, a frozen object); mutating it would change it for every key.
   */
  readonly defaultValue: T | undefined;
  constructor(name: string, defaultValue?: T) {
    this.name = checkName(name);
    this.defaultValue = defaultValue;
  }
}

export class ListStateDescriptor<T> {
  readonly kind = 'list' as const;
  readonly name: string;
  /** phantom field so the element type takes part in type checking */
  declare readonly __element?: T;
  constructor(name: string) {
    this.name = checkName(name);
  }
}

export class MapStateDescriptor<K, V> {
  readonly kind = 'map' as const;
  readonly name: string;
  declare readonly __entry?: [K, V];
  constructor(name: string) {
    this.name = checkName(name);
  }
}

export class ReducingStateDescriptor<T> {
  readonly kind = 'reducing' as const;
  readonly name: string;
  readonly reduce: (a: T, b: T) => T;
  constructor(name: string, reduce: (a: T, b: T) => T) {
    this.name = checkName(name);
    if (typeof reduce !== 'function') throw new ConfigError(`reducing state '${name}' needs a 'reduce' function`);
    this.reduce = reduce;
  }
}

export interface AggregateFunction<IN, ACC, OUT> {
  createAccumulator(): ACC;
  add(value: IN, accumulator: ACC): ACC;
  getResult(accumulator: ACC): OUT;
}

export class AggregatingStateDescriptor<IN, ACC, OUT> {
  readonly kind = 'aggregating' as const;
  readonly name: string;
  readonly aggregate: AggregateFunction<IN, ACC, OUT>;
  constructor(name: string, aggregate: AggregateFunction<IN, ACC, OUT>) {
    this.name = checkName(name);
    for (const fn of ['createAccumulator', 'add', 'getResult'] as const) {
      if (typeof aggregate?.[fn] !== 'function')
        throw new ConfigError(`aggregating state '${name}' needs an '${fn}' function`);
    }
    this.aggregate = aggregate;
  }
}

export type StateDescriptor =
  | ValueStateDescriptor<any>
  | ListStateDescriptor<any>
  | MapStateDescriptor<any, any>
  | ReducingStateDescriptor<any>
  | AggregatingStateDescriptor<any, any, any>;
