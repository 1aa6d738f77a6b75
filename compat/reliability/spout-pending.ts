import { RotatingMap } from './rotating-map.ts';

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
  private readonly map = new RotatingMap<bigint, PendingTuple<M>>(2);

  /**
   * @param timeoutsEnabled `topology.enable.message.timeouts`; when false `rotate()` never expires anything.
   */
  constructor(private readonly timeoutsEnabled = true) {}

  add(root: bigint, msgId: M, stream: string, values: readonly unknown[], emitTime: number): PendingTuple<M> {
    const p: PendingTuple<M> = { root, msgId, stream, values, emitTime };
    this.map.put(root, p);
    return p;
  }

  /**
   * Removes and returns the entry for a verdict from the tracker; `null` means the verdict is late
   * (already timed out, or from before a restart) and must be ignored (§7.5, §7.7).
   */
  take(root: bigint): PendingTuple<M> | null {
    return this.map.remove(root);
  }

  has(root: bigint): boolean {
    return this.map.containsKey(root);
  }

  /** Restarts the timeout of `root` (moves it to the newest bucket); false if it is not pending. */
  resetTimeout(root: bigint): boolean {
    const p = this.map.get(root);
    if (p === null) return false;
    this.map.put(root, p);
    return true;
  }

  /** One timeout period passed: returns the tuples that timed out, which the executor fails in order. */
  rotate(): PendingTuple<M>[] {
    if (!this.timeoutsEnabled) return [];
    const dead = this.map.rotate();
    return dead.size === 0 ? [] : Array.from(dead.values());
  }

  getPendingCount(): number {
    return this.map.size();
  }

  /** Max-spout-pending gate: `max` null/undefined/≤0 means unlimited. */
  reachedMaxPending(max: number | null | undefined): boolean {
    return max != null && max > 0 && this.map.size() >= max;
  }

  /** Forgets everything (task restart: a restarted spout gets no verdicts for its predecessor's roots). */
  clear(): void {
    while (this.map.size() > 0) this.map.rotate();
  }
}
