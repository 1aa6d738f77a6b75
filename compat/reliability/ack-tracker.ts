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
  fail(root: bigint): void;
  resetTimeout(root: bigint): void;
  rotate(): number;
  size(): number;
}

/** Storm's Acker keeps three timeout buckets: trees it never heard complete are forgotten after 2T–3T. */
export const TIMEOUT_BUCKET_NUM = 3;

/** `a ^ b` without allocating a bigint when one side is 0n (an entry's first touch). */
function xor(a: bigint, b: bigint): bigint {
  return a === 0n ? b : b === 0n ? a : a ^ b;
}

class AckEntry {
  val = 0n;
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

  constructor(private readonly sink: AckSink) {}

  private lookup(root: bigint): AckEntry | null {
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
    let e = this.lookup(root);
    if (e === null) {
      e = new AckEntry();
      this.pending.put(root, e);
    }
    e.val = xor(e.val, val);
    e.spoutTask = spoutTask;
    this.settle(root, e, false);
  }

  /** A bolt acked a tuple: `val` = the tuple's edge for this root XOR its outAckVal. */
  ack(root: bigint, val: bigint): void {
    let e = this.lookup(root);
    if (e === null) {
      e = new AckEntry();
      this.pending.put(root, e);
    }
    e.val = xor(e.val, val);
    this.settle(root, e, false);
  }

  fail(root: bigint): void {
    let e = this.pending.get(root);
    if (e === null) e = new AckEntry();
    e.failed = true;
    // Storm re-puts the entry, which also moves it to the newest bucket.
    this.pending.put(root, e);
    this.settle(root, e, false);
  }

  resetTimeout(root: bigint): void {
    let e = this.pending.get(root);
    if (e === null) e = new AckEntry();
    this.pending.put(root, e);
    this.settle(root, e, true);
  }

  /** One timeout period passed; returns how many unfinished trees were forgotten (silently, §7.6). */
  rotate(): number {
    this.forget();
    return this.pending.rotate().size;
  }

  /** Trees currently tracked (including entries touched by acks whose init never arrived). */
  size(): number {
    return this.pending.size();
  }

  private forget(): void {
    this.lastRoot = null;
    this.lastEntry = null;
  }

  private settle(root: bigint, e: AckEntry, reset: boolean): void {
    const task = e.spoutTask;
    if (task < 0) return;
    // Storm checks completion before failure: a tree whose edges all cancelled is acked.
    if (e.val === 0n) {
      this.pending.delete(root);
      this.forget();
      this.sink.onAck(root, task);
    } else if (e.failed) {
      this.pending.delete(root);
      this.forget();
      this.sink.onFail(root, task);
    } else if (reset) {
      this.sink.onResetTimeout(root, task);
    }
  }
}
