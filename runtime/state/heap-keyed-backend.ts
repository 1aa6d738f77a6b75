/**
 * Keyed state kept on the heap: one Map per state name from key to that key's value. The runtime
 * calls setCurrentKey() for every record, so it does the least work possible: a primitive key is
 * used directly as the Map key; only object and array keys pay for a canonical string (so two
 * structurally equal keys share state, as they would after a checkpoint round trip anyway).
 */
import { ConfigError, StormshiftError } from '../errors.ts';
import type {
  AggregatingStateDescriptor,
  ListStateDescriptor,
  MapStateDescriptor,
  ReducingStateDescriptor,
  StateDescriptor,
  StateKind,
  ValueStateDescriptor,
} from './descriptors.ts';
import { canonicalKey } from './key-hash.ts';
import type { AggregatingState, ListState, MapState, ReducingState, ValueState } from './state-handles.ts';

/** Plain data: what one subtask's keyed state looks like inside a checkpoint. */
export interface KeyedStateSnapshot {
  version: 1;
  states: Record<string, { kind: StateKind; entries: Array<[key: unknown, value: unknown]> }>;
}

/** Prefix that cannot start an ordinary string key without being escaped (see toInternalKey). */
const OBJECT_MARK = '\u0001';

interface StateTable {
  kind: StateKind;
  data: Map<unknown, unknown>;
  handle: unknown;
  descriptor: StateDescriptor | undefined;
}

const NO_KEY = Symbol('no current key');
/**
 * `currentKey` when the key as given is `current` itself (a primitive key, the common case): the
 * per-record path then stores the key once. A young key string stored into the long-lived backend
 * costs a write-barrier call, so a second store of it would cost as much again on every record.
 */
const SAME_AS_INTERNAL = Symbol('key is the internal key');

export class HeapKeyedStateBackend {
  private readonly tables = new Map<string, StateTable>();
  /** internal key of composite keys -> the original key, so snapshots keep keys as users wrote them */
  private readonly originals = new Map<string, unknown>();
  /** The key as given, or SAME_AS_INTERNAL when that is `current`. */
  private currentKey: unknown = undefined;
  /** @internal read by handles on every access */
  current: unknown = NO_KEY;

  setCurrentKey(key: unknown): void {
    if (typeof key !== 'object' || key === null) {
      if (typeof key === 'string' && key.charCodeAt(0) === 1) {
        this.setEscapedKey(key);
        return;
      }
      this.current = key;
      this.currentKey = SAME_AS_INTERNAL;
      return;
    }
    this.setCompositeKey(key);
  }

  /** Out of line: keeps setCurrentKey small enough to inline into every keyed operator. */
  private setEscapedKey(key: string): void {
    this.current = OBJECT_MARK + 's' + key;
    this.currentKey = key;
  }

  /** Out of line, as setEscapedKey. */
  private setCompositeKey(key: object): void {
    // No identity cache: a key object may be mutated between records, so its content decides.
    const internal = OBJECT_MARK + canonicalKey(key);
    // A copy, once per distinct key: the caller may reuse and mutate its key object afterwards.
    if (!this.originals.has(internal)) this.originals.set(internal, structuredClone(key));
    this.current = internal;
    this.currentKey = key;
  }

  getCurrentKey(): unknown {
    return this.currentKey === SAME_AS_INTERNAL ? this.current : this.currentKey;
  }

  getState<T>(desc: ValueStateDescriptor<T>): ValueState<T> {
    return this.handleFor(desc, (t) => new HeapValueState<T>(this, t.data, desc.defaultValue));
  }

  getListState<T>(desc: ListStateDescriptor<T>): ListState<T> {
    return this.handleFor(desc, (t) => new HeapListState<T>(this, t.data));
  }

  getMapState<K, V>(desc: MapStateDescriptor<K, V>): MapState<K, V> {
    return this.handleFor(desc, (t) => new HeapMapState<K, V>(this, t.data));
  }

  getReducingState<T>(desc: ReducingStateDescriptor<T>): ReducingState<T> {
    return this.handleFor(desc, (t) => new HeapReducingState<T>(this, t.data, desc.reduce));
  }

  getAggregatingState<IN, ACC, OUT>(desc: AggregatingStateDescriptor<IN, ACC, OUT>): AggregatingState<IN, OUT> {
    return this.handleFor(desc, (t) => new HeapAggregatingState<IN, ACC, OUT>(this, t.data, desc.aggregate));
  }

  /** Keys (as originally given) that hold state under `stateName`. */
  *keys(stateName: string): IterableIterator<unknown> {
    const table = this.tables.get(stateName);
    if (table === undefined) return;
    for (const internal of table.data.keys()) yield this.originalOf(internal);
  }

  /**
   * Runs `fn` once per key holding state under `stateName`, with that key current, then restores the
   * previous current key. Safe to clear or update state from `fn`.
   */
  applyToAllKeys<S>(stateName: string, fn: (key: unknown, state: S) => void): void {
    const table = this.tables.get(stateName);
    if (table === undefined) return;
    if (table.handle === undefined) {
      throw new ConfigError(
        `state '${stateName}' has no descriptor registered yet; call getState/getListState/... first`,
      );
    }
    const saved = this.current;
    const savedKey = this.currentKey;
    try {
      for (const internal of [...table.data.keys()]) {
        this.current = internal;
        this.currentKey = this.originalOf(internal);
        fn(this.currentKey, table.handle as S);
      }
    } finally {
      this.current = saved;
      this.currentKey = savedKey;
    }
  }

  /**
   * A deep copy: the operator keeps mutating its state while the checkpoint is written out, and the
   * snapshot must not change under the writer. Values must be structured-cloneable; class
   * instances come back as plain objects, exactly as they would after a restore.
   */
  snapshot(): KeyedStateSnapshot {
    const states: KeyedStateSnapshot['states'] = {};
    // The current key stays live: the operator may write to it right after the snapshot.
    const live = new Set<unknown>([this.current]);
    for (const [name, table] of this.tables) {
      const entries: Array<[unknown, unknown]> = [];
      for (const [internal, value] of table.data) {
        if (typeof internal === 'string' && internal.charCodeAt(0) === 1 && internal.charCodeAt(1) !== 115 /* 's' */)
          live.add(internal);
        entries.push([this.originalOf(internal), value]);
      }
      states[name] = { kind: table.kind, entries };
    }
    // Drop composite keys whose state has all been cleared, so `originals` does not grow forever.
    for (const internal of this.originals.keys()) if (!live.has(internal)) this.originals.delete(internal);
    try {
      return structuredClone({ version: 1, states });
    } catch (error) {
      throw new StormshiftError(
        'STATE_NOT_SERIALIZABLE',
        `keyed state cannot be snapshotted: ${(error as Error).message}`,
        { cause: error },
      );
    }
  }

  /**
   * Replaces all state with the union of `snapshots` (one per old subtask), keeping only keys that
   * `keyFilter` accepts: on rescale every new subtask reads all old snapshots and keeps its own keys.
   */
  restore(snapshots: KeyedStateSnapshot[], keyFilter?: (key: unknown) => boolean): void {
    for (const table of this.tables.values()) table.data.clear();
    this.originals.clear();
    for (const snap of snapshots) {
      if (snap === undefined || snap === null) continue;
      if (snap.version !== 1 || typeof snap.states !== 'object') {
        throw new StormshiftError(
          'STATE_RESTORE_FAILED',
          `keyed state snapshot has unsupported version ${String((snap as { version?: unknown }).version)}`,
        );
      }
      for (const [name, { kind, entries }] of Object.entries(snap.states)) {
        const table = this.tableFor(name, kind);
        for (let [key, value] of entries) {
          if (keyFilter !== undefined && !keyFilter(key)) continue;
          const internal = this.internalOf(key);
          // Copied: the caller may hand the same decoded snapshot to several subtasks or restore
          // from it twice, and list/map state is mutated in place.
          value = structuredClone(value);
          const existing = table.data.get(internal);
          table.data.set(internal, existing === undefined ? value : merge(kind, existing, value));
        }
      }
    }
    const key = this.getCurrentKey();
    this.current = key === undefined && this.current === NO_KEY ? NO_KEY : this.internalOf(key);
  }

  private internalOf(key: unknown): unknown {
    if (typeof key !== 'object' || key === null) {
      return typeof key === 'string' && key.charCodeAt(0) === 1 ? OBJECT_MARK + 's' + key : key;
    }
    const internal = OBJECT_MARK + canonicalKey(key);
    if (!this.originals.has(internal)) this.originals.set(internal, key);
    return internal;
  }

  private originalOf(internal: unknown): unknown {
    if (typeof internal !== 'string' || internal.charCodeAt(0) !== 1) return internal;
    if (internal.charCodeAt(1) === 115 /* 's' */) return internal.slice(2);
    return this.originals.get(internal);
  }

  private tableFor(name: string, kind: StateKind): StateTable {
    let table = this.tables.get(name);
    if (table === undefined) {
      table = { kind, data: new Map(), handle: undefined, descriptor: undefined };
      this.tables.set(name, table);
    } else if (table.kind !== kind) {
      throw new ConfigError(
        `state '${name}' is ${article(table.kind)} ${table.kind} state; it cannot also be used as ${article(kind)} ${kind} state`,
      );
    }
    return table;
  }

  private handleFor<H>(desc: StateDescriptor, create: (table: StateTable) => H): H {
    if (desc === null || typeof desc !== 'object' || typeof desc.name !== 'string')
      throw new ConfigError('a state descriptor is required');
    const table = this.tableFor(desc.name, desc.kind);
    if (table.handle === undefined) {
      table.handle = create(table);
      table.descriptor = desc;
    }
    return table.handle as H;
  }
}

function article(kind: string): string {
  return kind === 'aggregating' ? 'an' : 'a';
}

/** The same key from two old subtasks only happens with a non-deterministic key; keep both halves. */
function merge(kind: StateKind, a: unknown, b: unknown): unknown {
  if (kind === 'list') return [...(a as unknown[]), ...(b as unknown[])];
  if (kind === 'map') return new Map([...(a as Map<unknown, unknown>), ...(b as Map<unknown, unknown>)]);
  return b;
}

function noKey(): never {
  throw new StormshiftError(
    'STATE_NO_CURRENT_KEY',
    'keyed state used outside a keyed context (no current key); keyed state needs a keyBy() upstream',
  );
}

class HeapValueState<T> implements ValueState<T> {
  constructor(
    private readonly backend: HeapKeyedStateBackend,
    private readonly data: Map<unknown, unknown>,
    private readonly defaultValue: T | undefined,
  ) {}
  value(): T | undefined {
    const k = this.backend.current;
    if (k === NO_KEY) noKey();
    const v = this.data.get(k);
    return v === undefined ? this.defaultValue : (v as T);
  }
  update(value: T | undefined): void {
    const k = this.backend.current;
    if (k === NO_KEY) noKey();
    if (value === undefined) this.data.delete(k);
    else this.data.set(k, value);
  }
  clear(): void {
    this.data.delete(this.backend.current);
  }
}

class HeapListState<T> implements ListState<T> {
  constructor(
    private readonly backend: HeapKeyedStateBackend,
    private readonly data: Map<unknown, unknown>,
  ) {}
  get(): T[] {
    const k = this.backend.current;
    if (k === NO_KEY) noKey();
    return (this.data.get(k) as T[] | undefined) ?? [];
  }
  add(value: T): void {
    const k = this.backend.current;
    if (k === NO_KEY) noKey();
    const list = this.data.get(k) as T[] | undefined;
    if (list === undefined) this.data.set(k, [value]);
    else list.push(value);
  }
  addAll(values: Iterable<T>): void {
    const k = this.backend.current;
    if (k === NO_KEY) noKey();
    const list = this.data.get(k) as T[] | undefined;
    if (list === undefined) {
      const fresh = [...values];
      if (fresh.length > 0) this.data.set(k, fresh);
    } else {
      for (const v of values) list.push(v);
    }
  }
  update(values: Iterable<T>): void {
    const k = this.backend.current;
    if (k === NO_KEY) noKey();
    const fresh = [...values];
    if (fresh.length === 0) this.data.delete(k);
    else this.data.set(k, fresh);
  }
  clear(): void {
    this.data.delete(this.backend.current);
  }
}

/** shared by every empty read; never written to */
const EMPTY = new Map<never, never>();

class HeapMapState<K, V> implements MapState<K, V> {
  constructor(
    private readonly backend: HeapKeyedStateBackend,
    private readonly data: Map<unknown, unknown>,
  ) {}
  private inner(): Map<K, V> | undefined {
    const k = this.backend.current;
    if (k === NO_KEY) noKey();
    return this.data.get(k) as Map<K, V> | undefined;
  }
  get(key: K): V | undefined {
    return this.inner()?.get(key);
  }
  put(key: K, value: V): void {
    const k = this.backend.current;
    if (k === NO_KEY) noKey();
    const m = this.data.get(k) as Map<K, V> | undefined;
    if (m === undefined) this.data.set(k, new Map([[key, value]]));
    else m.set(key, value);
  }
  has(key: K): boolean {
    return this.inner()?.has(key) ?? false;
  }
  delete(key: K): boolean {
    const m = this.inner();
    if (m === undefined) return false;
    const deleted = m.delete(key);
    // An empty map is no state: keeps keys()/snapshots free of keys with nothing in them.
    if (m.size === 0) this.data.delete(this.backend.current);
    return deleted;
  }
  entries(): IterableIterator<[K, V]> {
    return (this.inner() ?? (EMPTY as unknown as Map<K, V>)).entries();
  }
  keys(): IterableIterator<K> {
    return (this.inner() ?? (EMPTY as unknown as Map<K, V>)).keys();
  }
  values(): IterableIterator<V> {
    return (this.inner() ?? (EMPTY as unknown as Map<K, V>)).values();
  }
  isEmpty(): boolean {
    return this.inner() === undefined;
  }
  clear(): void {
    this.data.delete(this.backend.current);
  }
}

class HeapReducingState<T> implements ReducingState<T> {
  constructor(
    private readonly backend: HeapKeyedStateBackend,
    private readonly data: Map<unknown, unknown>,
    private readonly reduce: (a: T, b: T) => T,
  ) {}
  get(): T | undefined {
    const k = this.backend.current;
    if (k === NO_KEY) noKey();
    return this.data.get(k) as T | undefined;
  }
  add(value: T): void {
    const k = this.backend.current;
    if (k === NO_KEY) noKey();
    const current = this.data.get(k) as T | undefined;
    this.data.set(k, current === undefined ? value : this.reduce(current, value));
  }
  clear(): void {
    this.data.delete(this.backend.current);
  }
}

class HeapAggregatingState<IN, ACC, OUT> implements AggregatingState<IN, OUT> {
  constructor(
    private readonly backend: HeapKeyedStateBackend,
    private readonly data: Map<unknown, unknown>,
    private readonly fn: { createAccumulator(): ACC; add(value: IN, acc: ACC): ACC; getResult(acc: ACC): OUT },
  ) {}
  get(): OUT | undefined {
    const k = this.backend.current;
    if (k === NO_KEY) noKey();
    const acc = this.data.get(k) as ACC | undefined;
    return acc === undefined ? undefined : this.fn.getResult(acc);
  }
  add(value: IN): void {
    const k = this.backend.current;
    if (k === NO_KEY) noKey();
    const acc = this.data.get(k) as ACC | undefined;
    this.data.set(k, this.fn.add(value, acc === undefined ? this.fn.createAccumulator() : acc));
  }
  clear(): void {
    this.data.delete(this.backend.current);
  }
}
