/**
 * One spout task as a runtime `SourceReader` (§5.1, §7). Each poll is one iteration of Storm's
 * spout loop: deliver queued verdicts and timeout ticks, then — when active, under max spout
 * pending and not backing off after `Utils.sleep` — call `nextTuple`, a few times per poll. A
 * callback that returns a Promise holds the task until it settles (R6).
 */
import { NO_TIMESTAMP, type SourceOutput, type SourceReader } from '../../runtime/index.ts';
import { CONFIG_KEYS } from '../component/config-keys.ts';
import { confInt, type Conf } from '../component/config.ts';
import type { TopologyContext } from '../component/context.ts';
import { SpoutOutputCollector, type ISpoutOutputCollector } from '../component/collectors.ts';
import type { ISpout, ITaskHook } from '../component/interfaces.ts';
import { MessageId } from '../component/message-id.ts';
import { every } from '../component/time.ts';
import { randHalves, randWord } from '../reliability/rand64.ts';
import { StatsSampler } from './stats-sampler.ts';
import { SpoutPendingMap, type PendingTuple } from '../reliability/spout-pending.ts';
import { cloneComponent } from '../topology/clone.ts';
import { effectiveComponentConf, topologyContextFor } from '../topology/tasks.ts';
import { EdgeOrigin, RoutedTuple } from './routed-tuple.ts';
import type { ComponentStats, SpoutTaskHandle, TopologyRun } from '../translate/topology-run.ts';
import { VERDICT_ACK, VERDICT_FAIL, VERDICT_RESET, type VerdictKind } from './feedback.ts';
import { ErrorReporter } from './error-reporter.ts';
import { attachShellTaskLogger } from '../multilang/shell-bolt.ts';
import { restoreFields, snapshotFields } from './instance-fields.ts';
import { TaskOutputs, exposed, frozenValues, type Outlet, type StreamOut } from './task-outputs.ts';
import { enterTask, exitTask, installSleepHook, isThenable, runLifecycle, type SleepAccount } from './task-sleep.ts';

/** `PendingTuple.emitTime` of a tuple the stats sampler passed over (no clock was read). */
const UNSAMPLED = Number.NEGATIVE_INFINITY;

const EV_ROTATE = 4;
const EV_TIMED_OUT = 5;
const EV_CHECKPOINT_ACK = 6;

/** nextTuple calls per poll: enough to amortise the poll, small enough to keep the loop fair. */
const NEXT_TUPLE_BUDGET = 64;

export interface SpoutSnapshot {
  fields: Record<string, unknown>;
}

type SpoutMethod = 'nextTuple' | 'ack' | 'fail' | 'activate' | 'deactivate';

export class SpoutTask
  implements SourceReader<RoutedTuple, SpoutSnapshot | undefined>, SpoutTaskHandle, SleepAccount, ISpoutOutputCollector
{
  readonly idleBackoffMs = 1;
  sleepUntil = 0;
  readonly taskId: number;
  private spout!: ISpout;
  private context!: TopologyContext;
  private collector!: SpoutOutputCollector;
  private outputs!: TaskOutputs;
  private readonly conf: Conf;
  private readonly stats: ComponentStats;
  private readonly pending: SpoutPendingMap;
  private readonly maxPending: number | null;
  private readonly reporter: ErrorReporter;
  private hooks: ITaskHook[] = [];
  /** `topology.debug`: log every emit, as Storm does. */
  private readonly debug: boolean;
  /** Picks the tracked tuples whose emit time is read, for complete latency (Storm's stats sampler). */
  private readonly sampler: StatsSampler;
  private out: SourceOutput<RoutedTuple> | null = null;
  /** Tuples emitted before the first poll (from `open`), sent once the output is known. */
  private early: RoutedTuple[] | null = null;
  private readonly evKinds: number[] = [];
  private readonly evPayloads: unknown[] = [];
  private evHead = 0;
  private inflight = false;
  private asyncError: { error: unknown } | null = null;
  private crashed = false;
  private warnedDead = false;
  private activated = false;
  private opened = false;
  private emits = 0;
  /** XOR of the edges the current tracked emit created, as int32 halves (see route). */
  private accHi = 0;
  private accLo = 0;
  private stopRotate: (() => void) | undefined;
  private restoredFields: Record<string, unknown> | undefined;
  // Checkpoint mode (§7a): tracked tuples by root until a completed checkpoint covers them (ack) or
  // an explicit fail arrives; the roots emitted since the last barrier, and per checkpoint.
  private readonly cpPending = new Map<bigint, unknown>();
  private sinceBarrier: bigint[] = [];
  private readonly byCheckpoint = new Map<number, bigint[]>();

  constructor(
    private readonly run: TopologyRun,
    readonly componentId: string,
    private readonly original: unknown,
    private readonly taskIndex: number,
    private readonly signal: () => void,
  ) {
    this.taskId = run.tasksOf(componentId)[taskIndex]!;
    const plannedConf = run.plan.components.get(componentId)!.componentConf;
    this.conf = effectiveComponentConf(run.conf, plannedConf, {
      topologyName: run.name,
      isSpout: true,
      ackers: run.ackers,
    });
    this.stats = run.statsOf(componentId);
    this.pending = new SpoutPendingMap(run.timeoutsEnabled);
    const max = confInt(this.conf, CONFIG_KEYS.TOPOLOGY_MAX_SPOUT_PENDING, null);
    this.maxPending = max !== null && max > 0 ? max : null;
    this.reporter = new ErrorReporter(run, componentId, this.taskId, this.conf);
    this.debug = this.conf[CONFIG_KEYS.TOPOLOGY_DEBUG] === true;
    this.sampler = new StatsSampler(run.statsSampleFrequency);
  }

  // --- lifecycle -------------------------------------------------------------------------------

  async start(): Promise<void> {
    installSleepHook();
    this.run.attachThread(this.taskIndex);
    this.spout = cloneComponent(this.original, 'Spout', this.componentId) as ISpout;
    attachShellTaskLogger(this.spout, (level, message) =>
      this.run.log(level, `${this.run.name}/${this.componentId}:${this.taskId}: ${message}`),
    );
    this.context = topologyContextFor(this.run.topology, this.run.conf, this.run.plan, this.run.stormId, this.taskId, {
      workerTasks: this.run.tasksOnWorkerOf(this.taskId),
    });
    this.hooks = this.context.hooks;
    this.outputs = new TaskOutputs(this.run, this.componentId, this.taskId, this.context);
    this.collector = new SpoutOutputCollector(this);
    // A restarted task replaces its predecessor: verdicts for the old roots find no pending entry.
    this.run.spoutTasks.set(this.taskId, this);
    await runLifecycle(
      this,
      () => this.spout.open(this.conf, this.context, this.collector),
      (error) => this.crash(error),
    );
    this.context.setOpenOrPrepareWasCalled(true);
    this.opened = true;
    if (this.restoredFields !== undefined) restoreFields(this.spout, this.restoredFields);
    if (this.run.ackers > 0 && this.run.timeoutsEnabled) {
      this.stopRotate = every(this.run.clock, this.run.timeoutSecs * 1000, () => this.enqueue(EV_ROTATE, null));
    }
    this.run.taskContexts.set(this.taskId, { componentId: this.componentId, context: this.context });
    this.run.taskOpened(this.taskId);
  }

  async close(): Promise<void> {
    this.stopRotate?.();
    this.stopRotate = undefined;
    if (this.run.spoutTasks.get(this.taskId) === this) this.run.spoutTasks.delete(this.taskId);
    for (const root of this.cpPending.keys()) this.run.checkpointRoots.delete(root);
    const wasOpen = this.opened;
    this.opened = false;
    this.crashed = true; // late emits from async callbacks are dropped from here on
    if (wasOpen) {
      try {
        this.spout.close?.();
      } catch (error) {
        this.run.log('warn', `${this.componentId}:${this.taskId} close() failed: ${String(error)}`);
      }
      for (const h of this.hooks) h.cleanup?.();
    }
  }

  queuedEvents(): number {
    return this.evKinds.length - this.evHead + (this.inflight ? 1 : 0);
  }

  // --- the spout loop --------------------------------------------------------------------------

  poll(output: SourceOutput<RoutedTuple>): 'more' | 'idle' {
    if (this.asyncError !== null) throw this.asyncError.error;
    if (this.out === null) {
      this.out = output;
      if (this.early !== null) for (const t of this.early) output.collect(t, NO_TIMESTAMP);
      this.early = null;
    }
    if (this.inflight || this.crashed) return 'idle';
    if (this.sleepUntil !== 0 && this.run.clock.now() < this.sleepUntil) return 'idle';
    if (!this.drainEvents()) return 'idle';

    if (!this.run.active) {
      if (this.activated) {
        this.activated = false;
        if (this.invoke('deactivate', undefined)) return 'idle';
      }
      return 'idle';
    }
    if (!this.activated) {
      this.activated = true;
      if (this.invoke('activate', undefined)) return 'idle';
    }
    let emitted = false;
    for (let i = 0; i < NEXT_TUPLE_BUDGET; i++) {
      if (this.pendingLimitReached()) break;
      const before = this.emits;
      if (this.invoke('nextTuple', undefined)) return 'idle';
      if (this.crashed) return 'idle';
      if (this.emits === before) break;
      emitted = true;
      if (this.sleepUntil !== 0 && this.run.clock.now() < this.sleepUntil) break;
    }
    return emitted ? 'more' : 'idle';
  }

  /** Step (1): every queued verdict; false when a callback went async and holds the task. */
  private drainEvents(): boolean {
    while (this.evHead < this.evKinds.length) {
      const i = this.evHead++;
      const kind = this.evKinds[i]!;
      const payload = this.evPayloads[i];
      this.evPayloads[i] = undefined;
      if (this.handleEvent(kind, payload)) return false;
      if (this.crashed) return false;
      if (this.sleepUntil !== 0 && this.run.clock.now() < this.sleepUntil) return false;
    }
    this.evKinds.length = 0;
    this.evPayloads.length = 0;
    this.evHead = 0;
    return true;
  }

  /** True when the callback it ran returned a pending Promise. */
  private handleEvent(kind: number, payload: unknown): boolean {
    switch (kind) {
      case VERDICT_ACK: {
        const p = this.pending.take(payload as bigint);
        if (p === null) return false;
        this.stats.acked++;
        const byStream = this.stats.streamCounts(p.stream);
        byStream.acked++;
        // As in Storm: only a sampled tree has a complete latency; hooks get null for the others.
        let latency: number | null = null;
        if (p.emitTime !== UNSAMPLED) {
          latency = this.run.clock.now() - p.emitTime;
          this.stats.completeSamples++;
          this.stats.completeMsTotal += latency;
          byStream.completeSamples++;
          byStream.completeMsTotal += latency;
        }
        if (this.hooks.length > 0) {
          for (const h of this.hooks)
            h.spoutAck?.({ messageId: p.msgId, spoutTaskId: this.taskId, completeLatencyMs: latency });
        }
        return this.invoke('ack', p.msgId);
      }
      case VERDICT_FAIL:
        if (this.run.mode === 'checkpoint') return this.failCheckpointed(payload as bigint);
        return this.failPending(this.pending.take(payload as bigint));
      case VERDICT_RESET:
        this.pending.resetTimeout(payload as bigint);
        return false;
      case EV_ROTATE:
        for (const p of this.pending.rotate()) this.enqueue(EV_TIMED_OUT, p);
        return false;
      case EV_TIMED_OUT:
        return this.failPending(payload as PendingTuple);
      case EV_CHECKPOINT_ACK: {
        const root = payload as bigint;
        if (!this.cpPending.has(root)) return false; // failed meanwhile
        const msgId = this.cpPending.get(root);
        this.cpPending.delete(root);
        this.run.checkpointRoots.delete(root);
        this.stats.acked++;
        return this.invoke('ack', msgId);
      }
      default:
        return false;
    }
  }

  private failPending(p: PendingTuple | null): boolean {
    if (p === null) return false;
    this.stats.failed++;
    this.stats.streamCounts(p.stream).failed++;
    if (this.hooks.length > 0) {
      const latency = p.emitTime === UNSAMPLED ? null : this.run.clock.now() - p.emitTime;
      for (const h of this.hooks)
        h.spoutFail?.({ messageId: p.msgId, spoutTaskId: this.taskId, failLatencyMs: latency });
    }
    return this.invoke('fail', p.msgId);
  }

  private failCheckpointed(root: bigint): boolean {
    if (!this.cpPending.has(root)) return false;
    const msgId = this.cpPending.get(root);
    this.cpPending.delete(root);
    this.stats.failed++;
    return this.invoke('fail', msgId);
  }

  private pendingLimitReached(): boolean {
    if (this.maxPending === null) return false;
    if (this.run.mode === 'checkpoint') return this.cpPending.size >= this.maxPending;
    return this.run.ackers > 0 && this.pending.reachedMaxPending(this.maxPending);
  }

  /** Runs one spout callback; true when it returned a pending Promise (the task then waits for it). */
  private invoke(method: SpoutMethod, arg: unknown): boolean {
    // Ported spouts that are plain objects may leave out the no-op callbacks BaseRichSpout provides.
    const fn = (this.spout as unknown as Record<SpoutMethod, ((a: unknown) => unknown) | undefined>)[method];
    if (typeof fn !== 'function') return false;
    const prev = enterTask(this);
    let r: unknown;
    try {
      r = fn.call(this.spout, arg);
    } catch (error) {
      exitTask(prev);
      throw this.crash(error);
    }
    exitTask(prev);
    if (!isThenable(r)) return false;
    this.inflight = true;
    r.then(
      () => {
        this.inflight = false;
        this.signal();
      },
      (error: unknown) => {
        this.inflight = false;
        this.asyncError = { error: this.crash(error) };
        this.signal();
      },
    );
    return true;
  }

  /** §5.5: report, then let the runtime fail over (the thrown error reaches the source loop). */
  private crash(error: unknown): unknown {
    if (!this.crashed) {
      this.crashed = true;
      this.reporter.report(error);
      this.run.taskCrashed(error);
    }
    return error;
  }

  isActivated(): boolean {
    return this.activated && !this.crashed;
  }

  // --- verdict queue ---------------------------------------------------------------------------

  enqueueVerdict(kind: VerdictKind, root: bigint): void {
    this.enqueue(kind, root);
  }

  private enqueue(kind: number, payload: unknown): void {
    this.evKinds.push(kind);
    this.evPayloads.push(payload);
    this.signal();
  }

  // --- collector back end ----------------------------------------------------------------------

  getPendingCount(): number {
    if (this.run.mode === 'checkpoint') return this.cpPending.size;
    return this.run.ackers > 0 ? this.pending.getPendingCount() : 0;
  }

  reportError(error: unknown): void {
    this.reporter.report(error);
  }

  emit(streamId: string, values: readonly unknown[], messageId: unknown): number[] {
    return this.emitTo(streamId, values, messageId, -1);
  }

  emitDirect(taskId: number, streamId: string, values: readonly unknown[], messageId: unknown): void {
    this.emitTo(streamId, values, messageId, taskId);
  }

  flush(): void {}

  /** `emit`/`emitDirect` (§5.3, §7.1–7.2, §7.8); `directTask` < 0 = regular emit. */
  private emitTo(streamId: string, values: readonly unknown[], messageId: unknown, directTask: number): number[] {
    if (this.crashed) {
      if (!this.warnedDead) {
        this.warnedDead = true;
        this.run.log('warn', `${this.componentId}:${this.taskId}: emit from a closed or crashed task dropped`);
      }
      return [];
    }
    const so = directTask < 0 ? this.outputs.regular(streamId) : this.outputs.stream(streamId);
    const frozen = frozenValues(so, values);
    const tracked = messageId !== null && messageId !== undefined;
    const targets: number[] = [];
    this.emits++;
    this.stats.emitted++;
    so.counts.emitted++;
    if (tracked && this.run.ackers > 0) {
      const root = this.run.newRoot();
      this.pending.add(root, messageId, streamId, frozen, this.sampler.check() ? this.run.clock.now() : UNSAMPLED);
      this.route(so, frozen, directTask, root, targets);
      this.run.tracker!.initPair(root, this.accHi, this.accLo, this.taskId);
    } else if (tracked && this.run.mode === 'checkpoint') {
      const root = this.run.newRoot();
      this.cpPending.set(root, messageId);
      this.run.checkpointRoots.set(root, this.taskId);
      this.sinceBarrier.push(root);
      this.route(so, frozen, directTask, root, targets);
    } else {
      this.route(so, frozen, directTask, null, targets);
      if (tracked) {
        // Zero ackers (§7.8): acked synchronously inside emit, re-entrant in nextTuple.
        this.stats.acked++;
        so.counts.acked++;
        const r = typeof this.spout.ack === 'function' ? (this.spout.ack(messageId) as unknown) : undefined;
        if (isThenable(r)) r.then(undefined, (e: unknown) => (this.asyncError = { error: this.crash(e) }));
      }
    }
    if (this.debug)
      this.run.log(
        'info',
        `Emitting: ${this.componentId} ${streamId} [${frozen.map(String).join(', ')}] to ${JSON.stringify(targets)}`,
      );
    if (this.hooks.length > 0) {
      for (const h of this.hooks)
        h.emit?.({ values: exposed(frozen), stream: streamId, taskId: this.taskId, outTasks: targets.slice() });
    }
    return targets;
  }

  /**
   * Sends one tuple per target; leaves the XOR of the edges created for `root` in accHi/accLo
   * (int32 halves, id64.ts; 0 when untracked).
   */
  private route(
    so: StreamOut,
    frozen: readonly unknown[],
    directTask: number,
    root: bigint | null,
    targets: number[],
  ): void {
    this.accHi = 0;
    this.accLo = 0;
    if (directTask >= 0) {
      const outlet = this.outputs.direct(so, directTask);
      if (outlet !== null) this.sendTo(outlet, directTask, so, frozen, root, targets);
      return;
    }
    const outlets = so.outlets;
    for (let o = 0; o < outlets.length; o++) {
      const outlet = outlets[o]!;
      const grouper = outlet.grouper;
      if (grouper.chooseTask !== undefined) {
        const task = grouper.chooseTask(this.taskId, frozen);
        if (task >= 0) this.sendTo(outlet, task, so, frozen, root, targets);
        continue;
      }
      const tasks = grouper.chooseTasks(this.taskId, exposed(frozen));
      for (let i = 0; i < tasks.length; i++) this.sendTo(outlet, tasks[i]!, so, frozen, root, targets);
    }
  }

  /** Sends one tuple; a tracked one draws a fresh edge and XORs it into accHi/accLo. */
  private sendTo(
    outlet: Outlet,
    target: number,
    so: StreamOut,
    frozen: readonly unknown[],
    root: bigint | null,
    targets: number[],
  ): void {
    const edge = (outlet.origin ??= new EdgeOrigin(
      this.context,
      this.componentId,
      this.taskId,
      so.streamId,
      (so.tupleFields ??= this.context.getComponentOutputFields(this.componentId, so.streamId)),
      outlet.tag,
    ));
    let tuple: RoutedTuple;
    if (root === null) {
      tuple = new RoutedTuple(edge, frozen, MessageId.makeUnanchored(), target - outlet.firstTask);
    } else {
      const w = 2 * randWord();
      const hi = randHalves[w]!;
      const lo = randHalves[w + 1]!;
      this.accHi ^= hi;
      this.accLo ^= lo;
      tuple = new RoutedTuple(edge, frozen, MessageId.makeUnanchored(), target - outlet.firstTask, root, hi, lo);
    }
    targets.push(target);
    this.stats.transferred++;
    so.counts.transferred++;
    if (this.out !== null) this.out.collect(tuple, NO_TIMESTAMP);
    else (this.early ??= []).push(tuple);
  }

  // --- checkpoint mode (§7a) -------------------------------------------------------------------

  snapshotState(checkpointId: number): SpoutSnapshot | undefined {
    if (this.run.mode !== 'checkpoint') return undefined;
    if (this.sinceBarrier.length > 0) {
      this.byCheckpoint.set(checkpointId, this.sinceBarrier);
      this.sinceBarrier = [];
    }
    if (!this.opened) return this.restoredFields === undefined ? undefined : { fields: this.restoredFields };
    return { fields: snapshotFields(this.spout, new Set<unknown>([this.collector, this.context])) };
  }

  restoreState(state: SpoutSnapshot | undefined): void {
    if (state !== undefined) this.restoredFields = state.fields;
  }

  notifyCheckpointComplete(checkpointId: number): void {
    for (const [id, ids] of this.byCheckpoint) {
      if (id > checkpointId) continue;
      this.byCheckpoint.delete(id);
      for (const root of ids) this.enqueue(EV_CHECKPOINT_ACK, root);
    }
  }
}
