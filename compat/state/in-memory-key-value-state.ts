import { RuntimeException } from '../component/exceptions.ts';
import { canonicalKey } from '../component/canonical.ts';
import type { KeyValueEntry, KeyValueState } from './state.ts';

/** Entries are arrays (so `for (const [k, v] of state)` works) with Map.Entry's getters on the prototype. */
class Entry<K, V> extends Array<K | V> {
  static override get [Symbol.species](): ArrayConstructor {
    return Array;
  }

  getKey(): K {
    return this[0] as K;
  }

  getValue(): V {
    return this[1] as V;
  }
}

function entry<K, V>(k: K, v: V): KeyValueEntry<K, V> {
  const e = new Entry<K, V>();
  e.push(k, v);
  return e as unknown as KeyValueEntry<K, V>;
}

/** canonical key → [original key, value]; the original key is what iteration yields. */
type Content<K, V> = Map<string, [K, V]>;

interface TxIdState<K, V> {
  txid: number;
  content: Content<K, V>;
}

/** Storm's txid for `commit()` without a transaction. */
const DEFAULT_TXID = -1;

/** Plain-data image of committed (or staged) content, for the runtime's checkpoints. */
export interface KeyValueStateSnapshot<K = unknown, V = unknown> {
  readonly txid: number;
  readonly entries: [K, V][];
}

/**
 * Storm's InMemoryKeyValueState: a working map plus a committed copy and at most one prepared copy.
 * - `prepareCommit(txid)` copies the working map as prepared; a higher txid while one is pending throws.
 * - `commit(txid)` promotes the prepared copy, which must carry that txid, else throws.
 * - `commit()` copies the working map as committed directly.
 * - `rollback()` drops the prepared copy and restores the committed content (empty if none).
 * One deliberate difference: Storm's rollback reuses the committed map as the working map, so later
 * puts leak into the "committed" copy and a second rollback cannot undo them; here it is copied,
 * which exactly-once recovery (§10) depends on.
 */
export class InMemoryKeyValueState<K = unknown, V = unknown> implements KeyValueState<K, V> {
  private committed: TxIdState<K, V> | null = null;
  private prepared: TxIdState<K, V> | null = null;
  private state: Content<K, V> = new Map();

  put(key: K, value: V): void {
    this.state.set(canonicalKey(key), [key, value]);
  }

  get(key: K): V | null;
  get(key: K, defaultValue: V): V;
  get(key: K, defaultValue?: V): V | null {
    const e = this.state.get(canonicalKey(key));
    const v = e === undefined ? null : e[1];
    if (v != null) return v;
    return arguments.length >= 2 ? (defaultValue as V) : null;
  }

  delete(key: K): V | null {
    const k = canonicalKey(key);
    const e = this.state.get(k);
    if (e === undefined) return null;
    this.state.delete(k);
    return e[1];
  }

  *[Symbol.iterator](): Iterator<KeyValueEntry<K, V>> {
    for (const [k, v] of this.state.values()) yield entry(k, v);
  }

  /** Number of keys in the working content. */
  size(): number {
    return this.state.size;
  }

  prepareCommit(txid: number): void {
    if (this.prepared !== null && txid > this.prepared.txid) {
      throw new RuntimeException('Cannot prepare a new txn while there is a pending txn');
    }
    this.prepared = { txid, content: new Map(this.state) };
  }

  commit(txid?: number): void {
    if (txid === undefined) {
      this.committed = { txid: DEFAULT_TXID, content: new Map(this.state) };
      return;
    }
    if (this.prepared !== null && txid === this.prepared.txid) {
      this.committed = this.prepared;
      this.prepared = null;
    } else {
      throw new RuntimeException(
        `Invalid prepared state for commit, preparedState ${describe(this.prepared)} txid ${txid}`,
      );
    }
  }

  rollback(): void {
    this.prepared = null;
    this.state = this.committed !== null ? new Map(this.committed.content) : new Map();
  }

  /** txid of the committed content; null if nothing was ever committed. */
  committedTxid(): number | null {
    return this.committed === null ? null : this.committed.txid;
  }

  /** txid staged by `prepareCommit`, if any. */
  preparedTxid(): number | null {
    return this.prepared === null ? null : this.prepared.txid;
  }

  /**
   * The content a checkpoint must persist: the prepared copy if one is staged (taken at the barrier,
   * right after `prepareCommit`, it is exactly what `commit(txid)` will make current), else the
   * committed copy. Values are shared, not cloned: the runtime's checkpoint codec serializes them.
   */
  snapshot(): KeyValueStateSnapshot<K, V> {
    const src = this.prepared ?? this.committed;
    if (src === null) return { txid: DEFAULT_TXID, entries: [] };
    return { txid: src.txid, entries: Array.from(src.content.values(), ([k, v]) => [k, v] as [K, V]) };
  }

  /** Restores a snapshot as both committed and working content (recovery, before `initState`). */
  restore(snapshot: KeyValueStateSnapshot<K, V>): void {
    const content: Content<K, V> = new Map();
    for (const [k, v] of snapshot.entries) content.set(canonicalKey(k), [k, v]);
    this.committed = { txid: snapshot.txid, content };
    this.prepared = null;
    this.state = new Map(content);
  }

  toString(): string {
    return `InMemoryKeyValueState{commitedState=${describe(this.committed)}, preparedState=${describe(this.prepared)}, state=${mapString(this.state)}}`;
  }
}

function mapString<K, V>(m: Content<K, V>): string {
  return '{' + Array.from(m.values(), ([k, v]) => `${String(k)}=${String(v)}`).join(', ') + '}';
}

function describe<K, V>(s: TxIdState<K, V> | null): string {
  return s === null ? 'null' : `TxIdState{txid=${s.txid}, state=${mapString(s.content)}}`;
}
