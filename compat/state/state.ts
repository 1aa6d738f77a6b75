/**
 * Storm's `State` (§10): the framework drives these; user code normally only reads and writes a
 * `KeyValueState`. Txids are small non-negative counters, so they are `number`s.
 */
export interface State {
  /** Stage the current content under `txid` (first phase). */
  prepareCommit(txid: number): void;
  /** Make the content staged under `txid` the committed one (second phase). */
  commit(txid: number): void;
  /** Commit the current content directly (no txid). */
  commit(): void;
  /** Drop uncommitted changes and go back to the last committed content. */
  rollback(): void;
}

/** A `[key, value]` pair that also reads like Java's `Map.Entry`. */
export interface KeyValueEntry<K, V> extends ReadonlyArray<K | V> {
  readonly 0: K;
  readonly 1: V;
  getKey(): K;
  getValue(): V;
}

/**
 * Storm's `KeyValueState<K, V>`. Keys compare by the §3.3 canonical encoding, so `5` and `5n`, or
 * two equal arrays, are the same key. `get` returns `null` for a missing key, as Java does.
 */
export interface KeyValueState<K = unknown, V = unknown> extends State, Iterable<KeyValueEntry<K, V>> {
  put(key: K, value: V): void;
  get(key: K): V | null;
  get(key: K, defaultValue: V): V;
  /** Removes the key; returns the old value or null. */
  delete(key: K): V | null;
}
