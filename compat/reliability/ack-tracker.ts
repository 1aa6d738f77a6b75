import { hiOf, loOf } from '../component/id64.ts';
import { RotatingMap } from './rotating-map.ts';

/**
 * Where the tracker's verdicts go. Implementations must not deliver `ack`/`fail` to the spout inside
 * the call: §7.1 requires even a zero-target emit to be acked asynchronously, so a sink enqueues
 * into the emitting spout task's queue.
 */
export interface AckSink {
  /** Every edge of the tree rooted at `root` was acked. */
  onAck(root: bigint, spoutTask: number): void;
  /** Some tuple of the tree was failed. */
  onFail(root: bigint, spoutTask: number): void;
  /** Someone asked to restart the tree's timeout; the spout task must re-put its pending entry. */
  onResetTimeout(root: bigint, spoutTask: number): void;
}

/** The acker as tasks see it: one local tracker on a single thread, a routing one across threads. */
export interface Acker {
  init(root: bigint, val: bigint, spoutTask: number): void;
  ack(root: bigint, val: bigint): void;
  /** {@link init} with `val` as int32 halves (id64.ts): the executor's hot path, no bigint. */
  initPair(root: bigint, hi: number, lo: number, spoutTask: number): void;
  /** {@link ack} with `val` as int32 halves. */
  ackPair(root: bigint, hi: number, lo: number): void;
  fail(root: bigint): void;
  resetTimeout(root: bigint): void;
  rotate(): number;
  size(): number;
}

/** Storm's Acker keeps three timeout buckets: trees it never heard complete are forgotten after 2T–3T. */
export const TIMEOUT_BUCKET_NUM = 3;

class AckEntry {
  /** The XOR accumulator as int32 halves (id64.ts): an ack XORs two small integers, allocating nothing. */
  hi = 0;
  lo = 0;
  spoutTask = -1;
  failed = false;
}

/**
 * The `__acker` logic of §7.4–7.6 as a plain object, one XOR accumulator per root. Entries are
 * created on first touch because an edge's ack may overtake the spout's init. A verdict is only
 * reached once the init was seen (the spout task is known); then the entry is removed, so a root
 * gets at most one verdict from a tracker.
 *
 * The executor calls `rotate()` every T seconds (topology.message.timeout.secs) when timeouts are enabled.
 */
export class AckTracker implements Acker {
  private readonly pending = new RotatingMap<bigint, AckEntry>(TIMEOUT_BUCKET_NUM);
  // Acks of one tree tend to arrive back to back (a bolt acks the tuples one input produced in a
  // row), so the entry last looked up answers them without hashing the bigint root. Cleared
  // whenever an entry may leave the map.
  private lastRoot: bigint | null = null;
  private lastEntry: AckEntry | null = null;
  // The newest entry, kept outside `pending` until another entry is created or the buckets rotate.
  // In a chained topology a tree is often acked before the spout's emit returns, so its entry is
  // created and removed without touching the map: a Map that grows and shrinks by one entry per
  // tree reallocates its table every few trees. It counts as being in the newest bucket.
  private hotRoot: bigint | null = null;
  private hotEntry: AckEntry | null = null;

  constructor(private readonly sink: AckSink) {}

  private lookup(root: bigint): AckEntry | null {
    if (this.hotEntry !== null && this.hotRoot === root) return this.hotEntry;
    if (this.lastEntry !== null && this.lastRoot === root) return this.lastEntry;
    const e = this.pending.get(root);
    if (e !== null) {
      this.lastRoot = root;
      this.lastEntry = e;
    }
    return e;
  }

  /** The spout's init: XOR of every edge it sent for `root`. */
  init(root: bigint, val: bigint, spoutTask: number): void {
    this.initPair(root, hiOf(val), loOf(val), spoutTask);
  }

  initPair(root: bigint, hi: number, lo: number, spoutTask: number): void {
    const e = this.lookup(root) ?? this.create(root);
    e.hi ^= hi;
    e.lo ^= lo;
    e.spoutTask = spoutTask;
    this.settle(root, e, false);
  }

  /** A bolt acked a tuple: `val` = the tuple's edge for this root XOR its outAckVal. */
  ack(root: bigint, val: bigint): void {
    this.ackPair(root, hiOf(val), loOf(val));
  }

  ackPair(root: bigint, hi: number, lo: number): void {
    const e = this.lookup(root) ?? this.create(root);
    e.hi ^= hi;
    e.lo ^= lo;
    this.settle(root, e, false);
  }

  fail(root: bigint): void {
    const e = this.renew(root);
    e.failed = true;
    this.settle(root, e, false);
  }

  resetTimeout(root: bigint): void {
    this.settle(root, this.renew(root), true);
  }

  /** One timeout period passed; returns how many unfinished trees were forgotten (silently, §7.6). */
  rotate(): number {
    this.spill();
    this.forget();
    return this.pending.rotate().size;
  }

  /** Trees currently tracked (including entries touched by acks whose init never arrived). */
  size(): number {
    return this.pending.size() + (this.hotEntry === null ? 0 : 1);
  }

  /** A new entry for `root`, which has none: it becomes the hot one. */
  private create(root: bigint): AckEntry {
    this.spill();
    const e = new AckEntry();
    this.hotRoot = root;
    this.hotEntry = e;
    return e;
  }

  /** Moves the hot entry into the newest bucket, where it belongs. */
  private spill(): void {
    if (this.hotEntry === null) return;
    this.pending.put(this.hotRoot!, this.hotEntry);
    this.hotRoot = null;
    this.hotEntry = null;
  }

  /** Storm re-puts the entry on fail and resetTimeout, which moves it to the newest bucket. */
  private renew(root: bigint): AckEntry {
    if (this.hotEntry !== null && this.hotRoot === root) return this.hotEntry;
    const e = this.pending.get(root);
    if (e === null) return this.create(root);
    this.pending.put(root, e);
    return e;
  }

  private remove(root: bigint, e: AckEntry): void {
    if (e === this.hotEntry) {
      this.hotRoot = null;
      this.hotEntry = null;
    } else {
      this.pending.delete(root);
    }
    this.forget();
  }

  private forget(): void {
    this.lastRoot = null;
    this.lastEntry = null;
  }

  private settle(root: bigint, e: AckEntry, reset: boolean): void {
    const task = e.spoutTask;
    if (task < 0) return;
    // Storm checks completion before failure: a tree whose edges all cancelled is acked.
    if ((e.hi | e.lo) === 0) {
      this.remove(root, e);
      this.sink.onAck(root, task);
    } else if (e.failed) {
      this.remove(root, e);
      this.sink.onFail(root, task);
    } else if (reset) {
      this.sink.onResetTimeout(root, task);
    }
  }
}
