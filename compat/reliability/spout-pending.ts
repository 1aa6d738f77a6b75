import { RootTable } from './root-table.ts';

/** What a spout task remembers about a tracked tuple until its verdict (§7.1). */
export interface PendingTuple<M = unknown> {
  readonly root: bigint;
  readonly msgId: M;
  readonly stream: string;
  readonly values: readonly unknown[];
  /** ms since epoch (or whatever clock the executor uses), for complete-latency. */
  readonly emitTime: number;
}

/**
 * The spout side of §7: tracked tuples by root id, in Storm's two-bucket rotating map. The executor
 * rotates it every T seconds from the spout task's own queue; whatever falls out timed out and must
 * be failed, so a tuple fails between T and 2T after emit (or after its last resetTimeout).
 * `getPendingCount()` is what `SpoutOutputCollector.getPendingCount()` and max-spout-pending gating read.
 */
export class SpoutPendingMap<M = unknown> {
  // Storm's two-bucket RotatingMap, as two root tables: a rotation swaps them and empties the old.
  private newest = new RootTable<PendingTuple<M>>();
  private older = new RootTable<PendingTuple<M>>();

  /**
   * @param timeoutsEnabled `topology.enable.message.timeouts`; when false `rotate()` never expires anything.
   */
  constructor(private readonly timeoutsEnabled = true) {}

  add(root: bigint, msgId: M, stream: string, values: readonly unknown[], emitTime: number): PendingTuple<M> {
    const p: PendingTuple<M> = { root, msgId, stream, values, emitTime };
    this.put(root, p);
    return p;
  }

  /** Puts into the newest bucket, so re-putting an entry restarts its expiry. */
  private put(root: bigint, p: PendingTuple<M>): void {
    this.newest.set(root, p);
    if (this.older.size !== 0) this.older.remove(root);
  }

  /**
   * Removes and returns the entry for a verdict from the tracker; `null` means the verdict is late
   * (already timed out, or from before a restart) and must be ignored (§7.5, §7.7).
   */
  take(root: bigint): PendingTuple<M> | null {
    return this.newest.remove(root) ?? (this.older.size === 0 ? undefined : this.older.remove(root)) ?? null;
  }

  has(root: bigint): boolean {
    return this.newest.has(root) || this.older.has(root);
  }

  /** Restarts the timeout of `root` (moves it to the newest bucket); false if it is not pending. */
  resetTimeout(root: bigint): boolean {
    const p = this.newest.get(root) ?? this.older.get(root);
    if (p === undefined) return false;
    this.put(root, p);
    return true;
  }

  /** One timeout period passed: returns the tuples that timed out, which the executor fails in order. */
  rotate(): PendingTuple<M>[] {
    if (!this.timeoutsEnabled) return [];
    const dead = this.older;
    const timedOut = dead.size === 0 ? [] : dead.valuesInOrder();
    dead.clear();
    this.older = this.newest;
    this.newest = dead;
    return timedOut;
  }

  getPendingCount(): number {
    return this.newest.size + this.older.size;
  }

  /** Max-spout-pending gate: `max` null/undefined/≤0 means unlimited. */
  reachedMaxPending(max: number | null | undefined): boolean {
    return max != null && max > 0 && this.getPendingCount() >= max;
  }

  /** Forgets everything (task restart: a restarted spout gets no verdicts for its predecessor's roots). */
  clear(): void {
    this.newest.clear();
    this.older.clear();
  }
}
