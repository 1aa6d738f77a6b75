/**
 * The state interfaces operators program against. Every handle is scoped to the backend's current
 * key: the same handle object reads and writes a different entry after setCurrentKey().
 */
export interface ValueState<T> {
  /** the value for the current key, or the descriptor's default */
  value(): T | undefined;
  /** `undefined` clears, so "absent" and "set to undefined" are one state */
  update(value: T | undefined): void;
  clear(): void;
}

export interface ListState<T> {
  /** The live list for the current key (empty if none). Read it; change it through add/update. */
  get(): T[];
  add(value: T): void;
  addAll(values: Iterable<T>): void;
  update(values: Iterable<T>): void;
  clear(): void;
}

/**
 * Map keys are compared as JS Map keys: use primitives (strings, numbers). An object used as a map
 * key is matched by identity, which does not survive a checkpoint round trip.
 */
export interface MapState<K, V> {
  get(key: K): V | undefined;
  put(key: K, value: V): void;
  has(key: K): boolean;
  delete(key: K): boolean;
  entries(): IterableIterator<[K, V]>;
  keys(): IterableIterator<K>;
  values(): IterableIterator<V>;
  isEmpty(): boolean;
  clear(): void;
}

export interface ReducingState<T> {
  get(): T | undefined;
  add(value: T): void;
  clear(): void;
}

export interface AggregatingState<IN, OUT> {
  get(): OUT | undefined;
  add(value: IN): void;
  clear(): void;
}
