/**
 * What a topology's tasks share when `topology.workers` spreads them over worker threads (§0,
 * DESIGN "Compat on worker threads"). Tuples cross threads through the runtime's own record
 * channels; this is the rest: the acker's XOR messages, checkpoint-mode fails, and the few
 * control facts the submitting thread needs (tasks opened, a task crashed) or gives (activation).
 *
 * Every root is owned by one worker, read from its low 16 bits, and a spout only mints roots its
 * own worker owns: the spout's init and the tree's verdict stay on the spout's thread, and only a
 * bolt on another thread sends its ack over. Acks of one sender reach the owner in order (one
 * ordered channel per sender and owner), which is all the XOR needs: a tuple's anchoring is in
 * the value its emitter sends when acking its input, so no tree can cancel out early (§7.4).
 */
import { BroadcastChannel } from 'node:worker_threads';
import { AckTracker, type AckSink, type Acker } from '../reliability/ack-tracker.ts';
export type { Acker };
import { rand64 } from '../reliability/rand64.ts';
import { pairToBigInt } from '../component/id64.ts';

const OP_ACK = 1n;
const OP_FAIL = 2n;
const OP_RESET = 3n;
const OP_FAIL_ROOT = 4n;
const OWNER_BITS = 16;

/** The worker owning a root (its acker entry and its spout task). */
export function ownerOf(root: bigint, workers: number): number {
  return Number(BigInt.asUintN(OWNER_BITS, root)) % workers;
}

/** A random root that `worker` owns: only the low 16 bits move, so it stays a signed 64-bit id. */
export function rootOwnedBy(worker: number, workers: number): bigint {
  const r = rand64();
  const low = Number(BigInt.asUintN(OWNER_BITS, r));
  let want = low - (low % workers) + worker;
  if (want >= 1 << OWNER_BITS) want -= workers;
  return r + BigInt(want - low);
}

/**
 * Ack-tracker ops bound for one owner, collected over one event-loop turn as (op, root, val)
 * triples written straight into the array that is sent.
 */
class OwnerQueue {
  ops = new BigInt64Array(3 * 256);
  length = 0;
  /** The root of the last triple when it is an ack: the next ack of that root folds into it. */
  lastAckRoot: bigint | null = null;

  push(op: bigint, root: bigint, val: bigint): void {
    // XOR is associative and the tracker only XORs an ack's value in, so back-to-back acks of one
    // root (a bolt acking the tuples one input produced) travel as one op: fewer ops to send and
    // fewer map lookups on the owner. Only adjacent acks fold, so acks keep their order around fails.
    if (op === OP_ACK && this.lastAckRoot === root) {
      this.ops[this.length - 1]! ^= val;
      return;
    }
    if (this.length + 3 > this.ops.length) {
      const grown = new BigInt64Array(this.ops.length * 2);
      grown.set(this.ops);
      this.ops = grown;
    }
    const ops = this.ops;
    const at = this.length;
    ops[at] = op;
    ops[at + 1] = root;
    ops[at + 2] = val;
    this.length = at + 3;
    this.lastAckRoot = op === OP_ACK ? root : null;
  }

  /** The collected ops, copied out; the queue starts over. */
  take(): BigInt64Array {
    const out = this.ops.slice(0, this.length);
    this.length = 0;
    this.lastAckRoot = null;
    return out;
  }
}

/** Messages from workers to the submitting thread. */
export type WorkerReport =
  | { opened: number }
  | { crashed: string }
  | { worker: number; stats: Array<[string, ...number[]]> };

/** Storm's per-component counters that cross to the submitting thread (status line, /metrics). */
export const SHARED_STATS = ['emitted', 'transferred', 'acked', 'failed', 'executed'] as const;
type SharedStats = Record<(typeof SHARED_STATS)[number], number>;
const STATS_INTERVAL_MS = 1000;
/** Messages from the submitting thread to workers. */
export type ControlMessage = { active: boolean };

export function channelNames(stormId: string): { control: string; reports: string; worker: (i: number) => string } {
  const prefix = `stormshift-compat:${stormId}`;
  return { control: `${prefix}/control`, reports: `${prefix}/reports`, worker: (i) => `${prefix}/w${i}` };
}

export interface CrossThreadHost extends AckSink {
  /** Checkpoint mode: a fail for a root this worker owns. */
  failOwnedRoot(root: bigint): void;
  /** Activation set by the submitting thread (`activate`/`deactivate`/kill). */
  setActive(active: boolean): void;
  readonly stats: ReadonlyMap<string, SharedStats>;
}

/**
 * One worker's end. `attach` is called by every task as it opens, with its subtask index: the
 * runtime places subtask i on worker i mod N, so that is how this thread learns which it is.
 */
export class CrossThread implements Acker {
  private readonly local: AckTracker;
  private me = -1;
  private receiver: BroadcastChannel | null = null;
  private control: BroadcastChannel | null = null;
  private readonly senders: Array<BroadcastChannel | null>;
  private readonly outgoing: OwnerQueue[];
  /** ownerOf() allocates a bigint; acks of one root come in runs, so the last answer is kept. */
  private lastOwnedRoot: bigint | null = null;
  private lastOwner = 0;
  private flushScheduled = false;
  private reports: BroadcastChannel | null = null;
  private closed = false;
  private statsTimer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly host: CrossThreadHost,
    private readonly stormId: string,
    readonly workers: number,
  ) {
    this.local = new AckTracker(host);
    this.senders = Array.from({ length: workers }, () => null);
    this.outgoing = Array.from({ length: workers }, () => new OwnerQueue());
  }

  get workerIndex(): number {
    return this.me;
  }

  attach(subtaskIndex: number): void {
    if (this.me >= 0 || this.closed) return;
    this.me = subtaskIndex % this.workers;
    const names = channelNames(this.stormId);
    // Listeners exist before the runtime's 'run': a worker reports ready only after its tasks opened.
    this.receiver = new BroadcastChannel(names.worker(this.me));
    this.receiver.onmessage = (event) => this.receive((event as MessageEvent).data as BigInt64Array);
    this.receiver.unref();
    this.control = new BroadcastChannel(names.control);
    this.control.onmessage = (event) => this.host.setActive(((event as MessageEvent).data as ControlMessage).active);
    this.control.unref();
    this.statsTimer = setInterval(() => this.reportStats(), STATS_INTERVAL_MS);
    this.statsTimer.unref();
  }

  private reportStats(): void {
    const stats: Array<[string, ...number[]]> = [];
    for (const [id, s] of this.host.stats) stats.push([id, ...SHARED_STATS.map((k) => s[k])]);
    this.report({ worker: this.me, stats });
  }

  report(message: WorkerReport): void {
    if (this.closed) return;
    if (this.reports === null) {
      this.reports = new BroadcastChannel(channelNames(this.stormId).reports);
      this.reports.unref();
    }
    this.reports.postMessage(message);
  }

  newRoot(): bigint {
    return rootOwnedBy(this.me, this.workers);
  }

  init(root: bigint, val: bigint, spoutTask: number): void {
    // The spout minted the root for this worker, so its init is always local.
    this.local.init(root, val, spoutTask);
  }

  initPair(root: bigint, hi: number, lo: number, spoutTask: number): void {
    this.local.initPair(root, hi, lo, spoutTask);
  }

  ack(root: bigint, val: bigint): void {
    const owner = this.ownerOf(root);
    if (owner === this.me) this.local.ack(root, val);
    else this.send(owner, OP_ACK, root, val);
  }

  ackPair(root: bigint, hi: number, lo: number): void {
    const owner = this.ownerOf(root);
    if (owner === this.me) this.local.ackPair(root, hi, lo);
    else this.send(owner, OP_ACK, root, pairToBigInt(hi, lo));
  }

  fail(root: bigint): void {
    const owner = this.ownerOf(root);
    if (owner === this.me) this.local.fail(root);
    else this.send(owner, OP_FAIL, root, 0n);
  }

  resetTimeout(root: bigint): void {
    const owner = this.ownerOf(root);
    if (owner === this.me) this.local.resetTimeout(root);
    else this.send(owner, OP_RESET, root, 0n);
  }

  failRoot(root: bigint): void {
    const owner = this.ownerOf(root);
    if (owner === this.me) this.host.failOwnedRoot(root);
    else this.send(owner, OP_FAIL_ROOT, root, 0n);
  }

  rotate(): number {
    return this.local.rotate();
  }

  size(): number {
    return this.local.size();
  }

  close(): void {
    this.flush();
    if (this.statsTimer !== undefined) clearInterval(this.statsTimer);
    if (this.me >= 0) this.reportStats();
    this.closed = true;
    for (const c of [this.receiver, this.control, this.reports, ...this.senders]) c?.close();
  }

  private ownerOf(root: bigint): number {
    if (root !== this.lastOwnedRoot) {
      this.lastOwner = ownerOf(root, this.workers);
      this.lastOwnedRoot = root;
    }
    return this.lastOwner;
  }

  private send(owner: number, op: bigint, root: bigint, val: bigint): void {
    this.outgoing[owner]!.push(op, root, val);
    // Acks of one turn of the event loop travel as one message.
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.closed) return;
    for (let w = 0; w < this.workers; w++) {
      const out = this.outgoing[w]!;
      if (out.length === 0) continue;
      let sender = this.senders[w];
      if (sender === null || sender === undefined) {
        sender = new BroadcastChannel(channelNames(this.stormId).worker(w));
        sender.unref();
        this.senders[w] = sender;
      }
      sender.postMessage(out.take());
    }
  }

  private receive(ops: BigInt64Array): void {
    for (let i = 0; i + 2 < ops.length; i += 3) {
      const op = ops[i]!;
      const root = ops[i + 1]!;
      if (op === OP_ACK) this.local.ack(root, ops[i + 2]!);
      else if (op === OP_FAIL) this.local.fail(root);
      else if (op === OP_RESET) this.local.resetTimeout(root);
      else if (op === OP_FAIL_ROOT) this.host.failOwnedRoot(root);
    }
  }
}

/**
 * The submitting thread's end: no task runs there, so the submission learns from the workers'
 * reports when every task opened (or one crashed first), and passes activation changes on.
 */
export class WorkerLink {
  private readonly reports: BroadcastChannel;
  private readonly control: BroadcastChannel;
  private readonly opened = new Set<number>();
  private closed = false;

  private readonly perWorker = new Map<number, Array<[string, ...number[]]>>();

  constructor(
    stormId: string,
    onOpened: (taskId: number) => void,
    onCrashed: (error: Error) => void,
    private readonly stats: ReadonlyMap<string, SharedStats>,
  ) {
    const names = channelNames(stormId);
    this.reports = new BroadcastChannel(names.reports);
    this.reports.onmessage = (event) => {
      const m = (event as MessageEvent).data as WorkerReport;
      if ('opened' in m) {
        if (!this.opened.has(m.opened)) {
          this.opened.add(m.opened);
          onOpened(m.opened);
        }
      } else if ('crashed' in m) onCrashed(new Error(m.crashed));
      else this.mergeStats(m.worker, m.stats);
    };
    this.reports.unref();
    this.control = new BroadcastChannel(names.control);
    this.control.unref();
  }

  /** Each worker reports its own totals; the submitting thread shows their sum. */
  private mergeStats(worker: number, stats: Array<[string, ...number[]]>): void {
    this.perWorker.set(worker, stats);
    for (const s of this.stats.values()) for (const k of SHARED_STATS) s[k] = 0;
    for (const rows of this.perWorker.values())
      for (const [id, ...values] of rows) {
        const s = this.stats.get(id);
        if (s !== undefined) SHARED_STATS.forEach((k, i) => (s[k] += values[i] ?? 0));
      }
  }

  setActive(active: boolean): void {
    if (!this.closed) this.control.postMessage({ active } satisfies ControlMessage);
  }

  close(): void {
    this.closed = true;
    this.reports.close();
    this.control.close();
  }
}
