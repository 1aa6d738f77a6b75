/**
 * Keyed timers for one operator subtask and one time domain (processing or event time). A timer is
 * identified by (key, timestamp, namespace); registering it twice is a no-op, which is what lets a
 * process function call registerTimer() on every record without flooding the queue.
 *
 * A binary min-heap orders by timestamp; a Set holds the live ids. delete() only removes the id and
 * leaves the heap entry to be skipped when it surfaces (lazy deletion): O(1) delete, and the heap is
 * compacted when stale entries outnumber live ones.
 */
import { ConfigError, StormshiftError } from '../errors.ts';
import { canonicalKey } from '../state/key-hash.ts';

export interface TimerQueueSnapshot {
  version: 1;
  /** [key, timestamp, namespace], keys as originally given so a restore can redistribute them */
  timers: Array<[key: unknown, timestamp: number, namespace: unknown]>;
}

interface Timer {
  key: unknown;
  ts: number;
  namespace: unknown;
  id: string;
  /** registration order breaks timestamp ties, so equal-time timers fire in a deterministic order */
  seq: number;
}

const COMPACT_MIN = 64;

function part(v: unknown): string {
  if (typeof v === 'string') return `s${v}`;
  if (typeof v === 'number') return `n${v === 0 ? 0 : v}`;
  if (v === undefined) return 'u';
  return `c${canonicalKey(v)}`;
}

function timerId(key: unknown, ts: number, namespace: unknown): string {
  const ns = part(namespace);
  // The namespace is length-prefixed so no namespace/key split can alias another.
  return `${ts}:${ns.length}:${ns}${part(key)}`;
}

function before(a: Timer, b: Timer): boolean {
  return a.ts < b.ts || (a.ts === b.ts && a.seq < b.seq);
}

export class TimerQueue {
  private heap: Timer[] = [];
  private readonly live = new Set<string>();
  private seq = 0;

  get size(): number {
    return this.live.size;
  }

  /** @returns false if the same timer was already registered */
  register(key: unknown, ts: number, namespace?: unknown): boolean {
    if (typeof ts !== 'number' || Number.isNaN(ts))
      throw new ConfigError(`timer timestamp must be a number, got ${String(ts)}`);
    const id = timerId(key, ts, namespace);
    if (this.live.has(id)) return false;
    this.live.add(id);
    // Object keys are copied once per new timer: the caller may reuse and mutate its key object,
    // and the timer must fire with the key it was registered for.
    const k = typeof key === 'object' && key !== null ? structuredClone(key) : key;
    const ns = typeof namespace === 'object' && namespace !== null ? structuredClone(namespace) : namespace;
    this.push({ key: k, ts, namespace: ns, id, seq: this.seq++ });
    return true;
  }

  /** @returns false if no such timer was registered */
  delete(key: unknown, ts: number, namespace?: unknown): boolean {
    const deleted = this.live.delete(timerId(key, ts, namespace));
    if (deleted && this.heap.length > COMPACT_MIN && this.heap.length > 2 * this.live.size) this.compact();
    return deleted;
  }

  has(key: unknown, ts: number, namespace?: unknown): boolean {
    return this.live.has(timerId(key, ts, namespace));
  }

  peekTimestamp(): number | undefined {
    this.dropStaleTop();
    return this.heap.length === 0 ? undefined : this.heap[0]!.ts;
  }

  /**
   * Fires, in timestamp order, every timer with ts <= upTo, each once. Timers registered by `fire`
   * with ts <= upTo fire in the same call. If `fire` throws, that timer counts as fired and the
   * error propagates; the rest stay queued.
   */
  pollDue(upTo: number, fire: (key: unknown, ts: number, namespace: unknown) => void): number {
    let fired = 0;
    for (;;) {
      this.dropStaleTop();
      const top = this.heap[0];
      if (top === undefined || top.ts > upTo) return fired;
      this.pop();
      this.live.delete(top.id);
      fired++;
      fire(top.key, top.ts, top.namespace);
    }
  }

  clear(): void {
    this.heap = [];
    this.live.clear();
  }

  /** Live timers in firing order, as a deep copy. */
  snapshot(): TimerQueueSnapshot {
    const timers: TimerQueueSnapshot['timers'] = [];
    const seen = new Set<string>();
    for (const t of [...this.heap].sort((a, b) => a.ts - b.ts || a.seq - b.seq)) {
      // A deleted-then-re-registered timer leaves two heap entries with one id; keep one.
      if (!this.live.has(t.id) || seen.has(t.id)) continue;
      seen.add(t.id);
      timers.push([t.key, t.ts, t.namespace]);
    }
    try {
      return structuredClone({ version: 1, timers });
    } catch (error) {
      throw new StormshiftError(
        'STATE_NOT_SERIALIZABLE',
        `timer keys cannot be snapshotted: ${(error as Error).message}`,
        { cause: error },
      );
    }
  }

  /** Replaces all timers with the union of `snaps`, keeping only keys that `keyFilter` accepts. */
  restore(snaps: TimerQueueSnapshot[], keyFilter?: (key: unknown) => boolean): void {
    this.clear();
    for (const snap of snaps) {
      if (snap === undefined || snap === null) continue;
      if (snap.version !== 1 || !Array.isArray(snap.timers)) {
        throw new StormshiftError(
          'STATE_RESTORE_FAILED',
          `timer snapshot has unsupported version ${String((snap as { version?: unknown }).version)}`,
        );
      }
      for (const [key, ts, namespace] of snap.timers) {
        if (keyFilter !== undefined && !keyFilter(key)) continue;
        this.register(key, ts, namespace);
      }
    }
  }

  private dropStaleTop(): void {
    while (this.heap.length > 0) {
      const top = this.heap[0]!;
      if (this.live.has(top.id)) return;
      this.pop();
    }
  }

  private compact(): void {
    const seen = new Set<string>();
    const kept: Timer[] = [];
    for (const t of this.heap) {
      if (this.live.has(t.id) && !seen.has(t.id)) {
        seen.add(t.id);
        kept.push(t);
      }
    }
    this.heap = kept;
    for (let i = (kept.length >> 1) - 1; i >= 0; i--) this.siftDown(i);
  }

  private push(t: Timer): void {
    const h = this.heap;
    let i = h.length;
    h.push(t);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(t, h[parent]!)) break;
      h[i] = h[parent]!;
      i = parent;
    }
    h[i] = t;
  }

  private pop(): void {
    const h = this.heap;
    const last = h.pop()!;
    if (h.length === 0) return;
    h[0] = last;
    this.siftDown(0);
  }

  private siftDown(i: number): void {
    const h = this.heap;
    const t = h[i]!;
    const n = h.length;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && before(h[child + 1]!, h[child]!)) child++;
      if (!before(h[child]!, t)) break;
      h[i] = h[child]!;
      i = child;
    }
    h[i] = t;
  }
}
