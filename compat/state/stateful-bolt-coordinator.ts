import type { Tuple } from '../component/tuple.ts';
import type { State } from './state.ts';
import type { IStatefulComponent } from './stateful-bolt.ts';

/** The real collector operations the coordinator releases deferred acks and fails through. */
export interface AckDelegate<I> {
  ack(input: I): void;
  fail(input: I): void;
}

/** Result of a PREPARE. */
export type PrepareResult =
  /** State staged; the checkpoint may proceed. */
  | 'prepared'
  /** `initState` has not run yet: Storm fails this checkpoint (which triggers recovery). */
  | 'not-initialized'
  /** txid older than the last handled one: ignored, as Storm does with replayed checkpoint tuples. */
  | 'stale';

export interface StatefulCoordinatorSnapshot {
  readonly lastCommittedTxid: number;
}

type Hooks<S extends State> = Pick<IStatefulComponent<S>, 'initState' | 'prePrepare' | 'preCommit' | 'preRollback'>;

/**
 * §10's stateful-bolt protocol (Storm's StatefulBoltExecutor) as a state machine with no I/O of its
 * own. The executor calls:
 *  - data tuple: `onTuple(t)`; `true` ⇒ execute it now, `false` ⇒ it was buffered (before `initState`).
 *  - the bolt's `collector.ack(t)` ⇒ `ack(t)` (deferred until commit); `collector.fail(t)` ⇒ `fail(t)`.
 *  - after prepare/restore: `initState()` (await its result if it is a Promise), then execute every
 *    tuple of `drainPending()` in order before any new input.
 *  - barrier (checkpoint n): `prepare(txid)`, then snapshot the state (`InMemoryKeyValueState.snapshot()`)
 *    and `snapshot()` of this object; when the checkpoint completes everywhere: `commit(txid)`;
 *    if it is aborted: `rollback()`.
 * Hook exceptions propagate: the executor treats them as Storm does (fail the checkpoint, reportError).
 */
export class StatefulBoltCoordinator<S extends State = State, I = Tuple> {
  private initialized = false;
  private pendingTuples: I[] = [];
  /** Acked by the bolt since the last PREPARE; released only after a later commit. */
  private ackedTuples: I[] = [];
  /** Acked before the staged PREPARE; released by its COMMIT. */
  private preparedTuples: I[] = [];
  private lastTxid = Number.NEGATIVE_INFINITY;
  private committedTxid = -1;

  constructor(
    private readonly bolt: Hooks<S>,
    private readonly state: S,
    private readonly delegate: AckDelegate<I>,
  ) {}

  isInitialized(): boolean {
    return this.initialized;
  }

  getState(): S {
    return this.state;
  }

  onTuple(input: I): boolean {
    if (this.initialized) return true;
    this.pendingTuples.push(input);
    return false;
  }

  /** Runs `bolt.initState(state)` once; later calls do nothing (Storm ignores repeated INITSTATE). */
  initState(): void | Promise<void> {
    if (this.initialized) return;
    this.initialized = true;
    return this.bolt.initState(this.state);
  }

  /** Tuples that arrived before `initState`, in arrival order; the executor runs them next. */
  drainPending(): I[] {
    const out = this.pendingTuples;
    this.pendingTuples = [];
    return out;
  }

  ack(input: I): void {
    this.ackedTuples.push(input);
  }

  fail(input: I): void {
    this.delegate.fail(input);
  }

  /** The txid the next checkpoint uses: 0 at first start, last committed + 1 after recovery. */
  nextTxid(): number {
    return Math.max(this.committedTxid, this.lastTxid === Number.NEGATIVE_INFINITY ? -1 : this.lastTxid) + 1;
  }

  lastCommittedTxid(): number {
    return this.committedTxid;
  }

  /** Acks recorded but not yet released (waiting for a prepare + commit). */
  deferredAckCount(): number {
    return this.ackedTuples.length + this.preparedTuples.length;
  }

  prepare(txid: number = this.nextTxid()): PrepareResult {
    if (txid < this.lastTxid) return 'stale';
    if (!this.initialized) return 'not-initialized';
    this.bolt.prePrepare(txid);
    this.state.prepareCommit(txid);
    for (const t of this.ackedTuples) this.preparedTuples.push(t);
    this.ackedTuples = [];
    this.lastTxid = txid;
    return 'prepared';
  }

  /** Second phase: commit the staged state and release the acks deferred up to its PREPARE. */
  commit(txid: number = this.lastTxid): boolean {
    if (txid < this.lastTxid) return false;
    this.bolt.preCommit(txid);
    this.state.commit(txid);
    const release = this.preparedTuples;
    this.preparedTuples = [];
    for (const t of release) this.delegate.ack(t);
    this.lastTxid = txid;
    this.committedTxid = txid;
    return true;
  }

  /** Back to the last committed state; every deferred input (prepared or not) is failed for replay. */
  rollback(): void {
    this.bolt.preRollback();
    this.state.rollback();
    const prepared = this.preparedTuples;
    const acked = this.ackedTuples;
    this.preparedTuples = [];
    this.ackedTuples = [];
    for (const t of prepared) this.delegate.fail(t);
    for (const t of acked) this.delegate.fail(t);
    // Storm rewinds to txid − 1 so the same txid can be prepared again.
    this.lastTxid = this.committedTxid;
  }

  snapshot(): StatefulCoordinatorSnapshot {
    // Taken at the barrier after prepare(txid): that txid becomes the committed one once the checkpoint completes.
    const staged = this.lastTxid === Number.NEGATIVE_INFINITY ? -1 : this.lastTxid;
    return { lastCommittedTxid: Math.max(this.committedTxid, staged) };
  }

  /** Recovery, before `initState`: txids continue after the restored checkpoint. */
  restore(s: StatefulCoordinatorSnapshot): void {
    this.committedTxid = s.lastCommittedTxid;
    this.lastTxid = s.lastCommittedTxid;
    this.ackedTuples = [];
    this.preparedTuples = [];
  }
}
