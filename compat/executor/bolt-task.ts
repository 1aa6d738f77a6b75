/**
 * One bolt task as a runtime operator (§5.1–5.5, R6, §8). Input arrives as direct calls; the task
 * runs `execute` at once when idle and otherwise queues, so callbacks never overlap (or overlap up
 * to `stormshift.task.max.inflight`, keeping start order). Ticks and window timers go through the
 * same queue, FIFO with data. An uncaught error is reported, then the runtime fails over.
 */
import { NO_TIMESTAMP, StormshiftError, StreamOperator, UserFunctionError } from '../../runtime/index.ts';
import { CONFIG_KEYS } from '../component/config-keys.ts';
import { confInt, type Conf } from '../component/config.ts';
import { Constants } from '../component/constants.ts';
import type { TopologyContext } from '../component/context.ts';
import { UnsupportedOperationException } from '../component/exceptions.ts';
import type { IBasicBolt, IBolt, ITaskHook } from '../component/interfaces.ts';
import type { BoltKind } from '../component/kind.ts';
import { MessageId } from '../component/message-id.ts';
import { TupleImpl, type Tuple } from '../component/tuple.ts';
import { ackTuple, failTuple, resetTuple, tupleAnchoredMessageId, type AckableTuple } from '../reliability/edges.ts';
import { randHalves, randWord } from '../reliability/rand64.ts';
import { cloneComponent } from '../topology/clone.ts';
import { effectiveComponentConf, topologyContextFor } from '../topology/tasks.ts';
import { EdgeOrigin, RoutedTuple } from './routed-tuple.ts';
import { type InputCounts, TaskStats } from './task-stats.ts';
import type { ComponentStats, TopologyRun } from '../translate/topology-run.ts';
import { OutputCollector, type IOutputCollector } from '../component/collectors.ts';
import { BasicInvoker, RichInvoker, type BoltHost, type BoltInvoker } from './bolt-invoker.ts';
import { ErrorReporter } from './error-reporter.ts';
import { StatefulInvoker } from './stateful-invoker.ts';
import { WindowedInvoker } from './windowed-invoker.ts';
import type { IStatefulComponent } from '../state/stateful-bolt.ts';
import type { IWindowedBolt } from '../windowing/windowed-bolt.ts';
import { restoreFields, snapshotFields } from './instance-fields.ts';
import {
  TaskOutputs,
  checked,
  exposed,
  frozenValues,
  withTarget,
  type Outlet,
  type StreamOut,
} from './task-outputs.ts';
import { ShellInvoker } from '../multilang/shell-invoker.ts';
import type { ShellBolt } from '../multilang/shell-bolt.ts';
import { enterTask, exitTask, installSleepHook, isThenable, runLifecycle, type SleepAccount } from './task-sleep.ts';

const UNANCHORED = MessageId.makeUnanchored();

/** Component conf key: how many `execute` Promises may be pending at once (R6 opt-in). */
export const MAX_INFLIGHT_CONF = 'stormshift.task.max.inflight';
/** Storm's default `topology.executor.receive.buffer.size`. */
const DEFAULT_RECEIVE_BUFFER = 32768;

function nextPowerOfTwo(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}
/** One execute in this many is timed (two clock reads per tuple would show in the hot path). */
const LATENCY_SAMPLE_MASK = 15;
/** Sampled tuples waiting for their ack (process latency); a tuple never acked must not pin memory. */
const MAX_PROCESS_SAMPLES = 1024;

function isAckable(t: unknown): t is AckableTuple {
  return t !== null && typeof t === 'object' && typeof (t as AckableTuple).getAckVal === 'function';
}

export interface BoltSnapshot {
  fields?: Record<string, unknown>;
  invoker?: unknown;
}

export class BoltTaskOperator extends StreamOperator<Tuple, never> implements IOutputCollector, BoltHost, SleepAccount {
  sleepUntil = 0;
  taskId = 0;
  conf!: Conf;
  topologyContext!: TopologyContext;
  collector!: OutputCollector;
  private invoker!: BoltInvoker;
  private outputs!: TaskOutputs;
  private reporter!: ErrorReporter;
  private hooks: ITaskHook[] = [];
  /** `topology.debug`: log every emit, as Storm does. */
  private debug = false;
  private readonly stats: ComponentStats;
  private readonly queue: Tuple[] = [];
  private qHead = 0;
  private inflight = 0;
  private maxInflight = 1;
  /** False until prepare (and initState) finished: input waits in the queue. */
  private ready = false;
  private crashed = false;
  private warnedDead = false;
  private busy = false;
  private wakeScheduled = false;
  private idleWaiters: Array<() => void> = [];
  private restored: BoltSnapshot | undefined;
  private tickTuple: TupleImpl | null = null;
  private executions = 0;
  /**
   * Storm's process latency: from the start of a sampled tuple's execute to its ack, which a bolt
   * may send after execute returned (execute latency stops when execute returns).
   */
  private readonly processStarts = new Map<Tuple, number>();
  private sampled: Tuple | null = null;
  private sampledStart = 0;
  /** Queue length past which the task reports itself busy (sources pause, §5.4), and where it clears. */
  private queueHigh = DEFAULT_RECEIVE_BUFFER;
  private queueLow = DEFAULT_RECEIVE_BUFFER / 4;

  constructor(
    private readonly run: TopologyRun,
    readonly componentId: string,
    private readonly original: unknown,
    private readonly kind: BoltKind,
  ) {
    super();
    this.stats = run.statsOf(componentId);
  }

  /**
   * The input last counted, checked first: most bolts have one input, or get runs from one, so a
   * tuple's per-input counter costs two string compares rather than a lookup.
   */
  private lastInput: InputCounts | null = null;
  /** The tuple `lastInput` was last resolved for: its ack and its execute's end count on the same row. */
  private lastInputTuple: Tuple | null = null;

  /** This task's own execute counts (capacity is per executor); set once the task id is known. */
  private taskStats = new TaskStats();

  // --- lifecycle -------------------------------------------------------------------------------

  override async open(): Promise<void> {
    installSleepHook();
    this.taskId = this.run.tasksOf(this.componentId)[this.context.subtaskIndex]!;
    this.run.attachThread(this.context.subtaskIndex);
    this.taskStats = this.run.taskStatsOf(this.taskId);
    const planned = this.run.plan.components.get(this.componentId)!.componentConf;
    this.conf = effectiveComponentConf(this.run.conf, planned, { topologyName: this.run.name });
    this.maxInflight = Math.max(1, confInt(this.conf, MAX_INFLIGHT_CONF, 1));
    this.queueHigh = nextPowerOfTwo(
      Math.max(2, confInt(this.conf, CONFIG_KEYS.TOPOLOGY_EXECUTOR_RECEIVE_BUFFER_SIZE, DEFAULT_RECEIVE_BUFFER)),
    );
    this.queueLow = this.queueHigh / 4;
    this.reporter = new ErrorReporter(this.run, this.componentId, this.taskId, this.conf);
    this.run.boltTasks.set(this.taskId, this);
    this.debug = this.conf[CONFIG_KEYS.TOPOLOGY_DEBUG] === true;
    const instance = cloneComponent(this.original, 'Bolt', this.componentId) as object;
    const ctx = topologyContextFor(this.run.topology, this.run.conf, this.run.plan, this.run.stormId, this.taskId, {
      workerTasks: this.run.tasksOnWorkerOf(this.taskId),
    });
    this.topologyContext = ctx;
    this.hooks = ctx.hooks;
    this.outputs = new TaskOutputs(this.run, this.componentId, this.taskId, ctx);
    this.collector = new OutputCollector(this);
    this.invoker = this.createInvoker(instance);
    await runLifecycle(
      this,
      () => this.invoker.prepare(),
      (error) => this.crashError(error),
    );
    ctx.setOpenOrPrepareWasCalled(true);
    if (this.restored?.fields !== undefined) restoreFields(this.invoker.instance, this.restored.fields);
    if (this.restored?.invoker !== undefined) this.invoker.restore?.(this.restored.invoker);
    if (this.invoker.afterPrepare)
      await runLifecycle(
        this,
        () => this.invoker.afterPrepare!(),
        (error) => this.crashError(error),
      );
    this.startTicks();
    this.ready = true;
    this.run.taskContexts.set(this.taskId, { componentId: this.componentId, context: this.topologyContext });
    this.run.taskOpened(this.taskId);
    this.pump();
  }

  private createInvoker(instance: object): BoltInvoker {
    if (this.kind === 'windowed' || this.kind === 'stateful-windowed') {
      return new WindowedInvoker(instance as IWindowedBolt, this, this.kind === 'stateful-windowed');
    }
    if (this.kind === 'stateful') return new StatefulInvoker(instance as IBolt & IStatefulComponent, this);
    if (this.kind === 'basic') {
      return new BasicInvoker(instance as IBasicBolt, this);
    }
    // A dead subprocess fails the task from its I/O callback, not on the next tuple (§11).
    if (this.kind === 'shell' && typeof (instance as ShellBolt).inFlight === 'function') {
      return new ShellInvoker(instance as ShellBolt, this, (error) => this.crash(error));
    }
    if (this.kind !== 'rich' && this.kind !== 'shell') {
      throw new UnsupportedOperationException(
        `Bolt '${this.componentId}': ${this.kind} bolts are not supported by this executor`,
      );
    }
    return new RichInvoker(instance as IBolt, this);
  }

  /** prepare / initState: errors are reported and fail the task (the runtime restarts the job). */
  private startTicks(): void {
    const freq = confInt(this.conf, CONFIG_KEYS.TOPOLOGY_TICK_TUPLE_FREQ_SECS, 0);
    if (freq <= 0) return;
    this.context.processingTime.scheduleWithFixedDelay(freq * 1000, () => {
      this.tickTuple ??= new TupleImpl(
        this.topologyContext,
        [freq],
        Constants.SYSTEM_COMPONENT_ID,
        Constants.SYSTEM_TASK_ID,
        Constants.SYSTEM_TICK_STREAM_ID,
      );
      this.processElement(this.tickTuple);
    });
  }

  override async close(): Promise<void> {
    if (this.run.boltTasks.get(this.taskId) === this) this.run.boltTasks.delete(this.taskId);
    const wasReady = this.ready;
    this.ready = false;
    this.crashed = true;
    this.queue.length = 0;
    this.qHead = 0;
    if (this.busy) this.context.setBusy((this.busy = false));
    if (wasReady) {
      try {
        this.invoker.cleanup();
      } catch (error) {
        this.run.log('warn', `${this.componentId}:${this.taskId} cleanup() failed: ${String(error)}`);
      }
      for (const h of this.hooks) h.cleanup?.();
    }
    this.releaseIdleWaiters();
  }

  // --- input and serialization (R6) ------------------------------------------------------------

  processElement(tuple: Tuple): void {
    if (this.crashed) return;
    if (this.ready && this.inflight < this.maxInflight && this.qHead === this.queue.length && this.sleepUntil === 0) {
      this.runOne(tuple);
      return;
    }
    this.queue.push(tuple);
    if (!this.busy && this.queue.length - this.qHead >= this.queueHigh) this.context.setBusy((this.busy = true));
    if (this.ready && this.inflight < this.maxInflight) this.pump();
  }

  /** Runs queued input while the task may start callbacks. */
  private pump(): void {
    while (this.qHead < this.queue.length && this.ready && !this.crashed && this.inflight < this.maxInflight) {
      if (this.sleepUntil !== 0) {
        const now = this.context.processingTime.now();
        if (now < this.sleepUntil) {
          this.wakeAt(this.sleepUntil);
          return;
        }
        this.sleepUntil = 0;
      }
      const t = this.queue[this.qHead]!;
      (this.queue as unknown[])[this.qHead++] = undefined;
      this.runOne(t);
    }
    if (this.qHead === this.queue.length && this.qHead > 0) {
      this.queue.length = 0;
      this.qHead = 0;
    }
    if (this.busy && this.queue.length - this.qHead <= this.queueLow) this.context.setBusy((this.busy = false));
    if (this.inflight === 0 && this.qHead === this.queue.length) this.releaseIdleWaiters();
  }

  private wakeAt(at: number): void {
    if (this.wakeScheduled) return;
    this.wakeScheduled = true;
    this.context.processingTime.schedule(at, () => {
      this.wakeScheduled = false;
      this.pump();
    });
  }

  private runOne(t: Tuple): void {
    this.inflight++;
    const start = (++this.executions & LATENCY_SAMPLE_MASK) === 0 ? performance.now() : -1;
    if (start >= 0 && !(t instanceof TimerTuple)) {
      // The newest sample waits in a slot: a bolt usually acks its input before the next sample,
      // and a Map set and delete per sample showed in profiles. Older unacked samples go to the Map.
      const older = this.sampled;
      if (older !== null && older !== t) {
        if (this.processStarts.size >= MAX_PROCESS_SAMPLES)
          this.processStarts.delete(this.processStarts.keys().next().value!);
        this.processStarts.set(older, this.sampledStart);
      }
      this.sampled = t;
      this.sampledStart = start;
    }
    const prev = enterTask(this);
    let r: unknown;
    try {
      r = t instanceof TimerTuple ? t.run() : this.invoker.execute(t);
    } catch (error) {
      exitTask(prev);
      this.inflight--;
      this.finished(t, start, error, true);
      return;
    }
    exitTask(prev);
    if (isThenable(r)) {
      r.then(
        () => {
          this.inflight--;
          this.finished(t, start, undefined, false);
          this.pump();
        },
        (error: unknown) => {
          this.inflight--;
          this.finished(t, start, error, true);
          this.pump();
        },
      );
      return;
    }
    this.inflight--;
    this.finished(t, start, undefined, false);
    if (this.sleepUntil !== 0 || this.qHead !== this.queue.length) this.pump();
  }

  /** The per-input counter of a tuple (Storm's inputStats row: source component and stream). */
  private inputOf(t: Tuple): InputCounts {
    const last = this.lastInput;
    if (t === this.lastInputTuple) return last!;
    this.lastInputTuple = t;
    const component = t.getSourceComponent();
    const stream = t.getSourceStreamId();
    if (last !== null && last.component === component && last.stream === stream) return last;
    return (this.lastInput = this.stats.inputCounts(component, stream));
  }

  private finished(t: Tuple, start: number, error: unknown, threw: boolean): void {
    if (this.crashed) return;
    const stats = this.stats;
    stats.executed++;
    this.taskStats.executed++;
    const timer = t instanceof TimerTuple;
    if (timer || t === this.tickTuple) stats.systemExecuted++;
    const input = timer ? null : this.inputOf(t);
    if (input !== null) input.executed++;
    let ms: number | null = null;
    if (start >= 0) {
      ms = performance.now() - start;
      stats.executeSamples++;
      stats.executeMsTotal += ms;
      stats.busyMs += ms * (LATENCY_SAMPLE_MASK + 1);
      this.taskStats.busyMs += ms * (LATENCY_SAMPLE_MASK + 1);
      if (input !== null) {
        input.executeSamples++;
        input.executeMsTotal += ms;
      }
    }
    if (timer) {
      if (threw) this.crash(error);
      return;
    }
    if (threw) {
      if (this.invoker.handled?.(t, error)) return;
      if (this.divertPoison(error, t)) return;
      this.crash(error, t);
      return;
    }
    this.invoker.succeeded?.(t);
    if (this.hooks.length > 0) {
      for (const h of this.hooks) h.boltExecute?.({ tuple: t, executingTaskId: this.taskId, executeLatencyMs: ms });
    }
  }

  private crashError(error: unknown): unknown {
    if (!this.crashed) {
      this.crashed = true;
      this.reporter.report(error);
      this.run.taskCrashed(error);
    }
    return error;
  }

  /**
   * A tuple the job's poison policy diverts (policy 'skip'): it went to the dead-letter output, so
   * it is acked (its tree completes, the spout does not replay it) and the task carries on.
   */
  private divertPoison(error: unknown, tuple: Tuple): boolean {
    if (
      this.context.divertPoison === undefined ||
      !this.context.divertPoison(new UserFunctionError(this.componentId, tuple.getValues(), error))
    )
      return false;
    this.ack(tuple);
    return true;
  }

  /**
   * §5.5: reportError, then the runtime's failover (restart strategy ⇒ fresh clones). A failure
   * on a tuple names the component and the tuple's values to the runtime, so the job's poison
   * policy sees the same tuple failing in the same bolt restart after restart.
   */
  private crash(error: unknown, tuple?: Tuple): void {
    if (this.crashed) return;
    this.crashError(error);
    this.queue.length = 0;
    this.qHead = 0;
    this.releaseIdleWaiters();
    const nonRetriable = error instanceof StormshiftError && !error.retriable;
    this.context.fail(
      tuple === undefined || nonRetriable ? error : new UserFunctionError(this.componentId, tuple.getValues(), error),
    );
  }

  // --- BoltHost ----------------------------------------------------------------------------------

  get emitter(): IOutputCollector {
    return this;
  }

  log(level: 'info' | 'warn' | 'error', message: string): void {
    this.run.log(level, `${this.run.name}/${this.componentId}:${this.taskId}: ${message}`);
  }

  now(): number {
    return this.context.processingTime.now();
  }

  schedulePeriodic(periodMs: number, fn: () => unknown): void {
    this.context.processingTime.scheduleWithFixedDelay(periodMs, () => {
      if (this.crashed) return;
      this.processElement(new TimerTuple(fn) as unknown as Tuple);
    });
  }

  redeliver(tuples: readonly Tuple[]): void {
    for (const t of tuples) this.processElement(t);
  }

  // --- collector back end (§5.3, §5.4, §7.3–7.4) -------------------------------------------------

  emit(streamId: string, anchors: readonly Tuple[], values: readonly unknown[]): number[] {
    return this.emitTo(streamId, anchors, values, -1);
  }

  emitDirect(taskId: number, streamId: string, anchors: readonly Tuple[], values: readonly unknown[]): void {
    this.emitTo(streamId, anchors, values, taskId);
  }

  flush(): void {}

  /** `directTask` < 0 = regular emit. */
  emitTo(streamId: string, anchors: readonly Tuple[], values: readonly unknown[], directTask: number): number[] {
    if (this.crashed) {
      if (!this.warnedDead) {
        this.warnedDead = true;
        this.run.log('warn', `${this.componentId}:${this.taskId}: emit from a closed or crashed task dropped`);
      }
      return [];
    }
    const so = directTask < 0 ? this.outputs.regular(streamId) : this.outputs.stream(streamId);
    if (this.run.stateful && anchors.length === 0) {
      throw new UnsupportedOperationException('Bolts in a stateful topology must emit anchored tuples.');
    }
    // A stream nobody subscribes to (a terminal bolt's declared output) keeps nothing of the
    // values; without hooks or the debug log to show them, the copy would be garbage at once.
    const frozen =
      so.outlets.length === 0 && this.hooks.length === 0 && !this.debug
        ? checked(so, values)
        : frozenValues(so, values);
    let sent: number[] | null = null;
    this.stats.emitted++;
    so.counts.emitted++;
    // The anchors are read here, once: the executor's basic collector reuses its one-element list, and
    // a feedback edge may run the next input (setting that list) before this emit's loop ends.
    const tracked = this.run.tracksRoots && anchors.length > 0;
    const sole = tracked && anchors.length === 1 ? anchors[0]! : null;
    const anchored = sole !== null ? null : tracked ? anchors : null;
    if (directTask >= 0) {
      const outlet = this.outputs.direct(so, directTask);
      if (outlet !== null) {
        this.sendTo(outlet, directTask, so, frozen, sole, anchored);
        sent = [directTask];
      }
    } else {
      const outlets = so.outlets;
      for (let o = 0; o < outlets.length; o++) {
        const outlet = outlets[o]!;
        const grouper = outlet.grouper;
        if (grouper.chooseTask !== undefined) {
          const task = grouper.chooseTask(this.taskId, frozen);
          if (task >= 0) {
            this.sendTo(outlet, task, so, frozen, sole, anchored);
            sent = withTarget(sent, task);
          }
          continue;
        }
        const tasks = grouper.chooseTasks(this.taskId, exposed(frozen));
        for (let i = 0; i < tasks.length; i++) {
          this.sendTo(outlet, tasks[i]!, so, frozen, sole, anchored);
          sent = withTarget(sent, tasks[i]!);
        }
      }
    }
    const targets = sent ?? [];
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

  private sendTo(
    outlet: Outlet,
    target: number,
    so: StreamOut,
    frozen: readonly unknown[],
    /** The only anchor of a tracked emit, else null. */
    a0: Tuple | null,
    /** Two or more anchors of a tracked emit, else null. */
    anchors: readonly Tuple[] | null,
  ): void {
    const edge = (outlet.origin ??= new EdgeOrigin(
      this.topologyContext,
      this.componentId,
      this.taskId,
      so.streamId,
      (so.tupleFields ??= this.topologyContext.getComponentOutputFields(this.componentId, so.streamId)),
      outlet.tag,
    ));
    const index = target - outlet.firstTask;
    let tuple: RoutedTuple;
    if (a0 instanceof TupleImpl && a0.rootCount() === 1) {
      // §7.3 for the usual one anchor with one root, without building a MessageId.
      const w = 2 * randWord();
      const hi = randHalves[w]!;
      const lo = randHalves[w + 1]!;
      a0.updateAckPair(hi, lo);
      tuple = new RoutedTuple(edge, frozen, UNANCHORED, index, a0.soleRoot(), hi, lo);
    } else {
      const id =
        a0 !== null ? tupleAnchoredMessageId([a0]) : anchors !== null ? tupleAnchoredMessageId(anchors) : UNANCHORED;
      tuple = new RoutedTuple(edge, frozen, id, index);
    }
    this.stats.transferred++;
    so.counts.transferred++;
    if (outlet.feedback) this.run.boltTasks.get(target)?.processElement(tuple);
    else this.output.collectSide(outlet.tag, tuple, NO_TIMESTAMP);
  }

  ack(input: Tuple): void {
    this.stats.acked++;
    const tracker = this.run.tracker;
    if (tracker !== null && isAckable(input)) ackTuple(tracker, input);
    const counts = this.inputOf(input);
    counts.acked++;
    const ms = this.sampledLatency(input);
    if (ms !== null) {
      this.stats.processSamples++;
      this.stats.processMsTotal += ms;
      counts.processSamples++;
      counts.processMsTotal += ms;
    }
    if (this.hooks.length > 0) {
      for (const h of this.hooks) h.boltAck?.({ tuple: input, ackingTaskId: this.taskId, processLatencyMs: ms });
    }
  }

  /** ms since a sampled tuple's execute started (null when it was not sampled or already settled). */
  private sampledLatency(input: Tuple): number | null {
    if (input === this.sampled) {
      this.sampled = null;
      return performance.now() - this.sampledStart;
    }
    if (this.processStarts.size === 0) return null;
    const start = this.processStarts.get(input);
    if (start === undefined) return null;
    this.processStarts.delete(input);
    return performance.now() - start;
  }

  fail(input: Tuple): void {
    this.sampledLatency(input);
    this.stats.failed++;
    this.inputOf(input).failed++;
    const tracker = this.run.tracker;
    if (tracker !== null && isAckable(input)) failTuple(tracker, input);
    else if (this.run.mode === 'checkpoint' && isAckable(input)) this.run.failRoots(input.getMessageId().entries());
    if (this.hooks.length > 0) {
      for (const h of this.hooks) h.boltFail?.({ tuple: input, failingTaskId: this.taskId, failLatencyMs: null });
    }
  }

  resetTimeout(input: Tuple): void {
    const tracker = this.run.tracker;
    if (tracker !== null && isAckable(input)) resetTuple(tracker, input);
  }

  reportError(error: unknown): void {
    this.reporter.report(error);
  }

  // --- checkpoints -------------------------------------------------------------------------------

  /** An async execute in flight (or queued input) holds the barrier until the task is idle (§7a). */
  override prepareSnapshotPreBarrier(): void | Promise<void> {
    if (this.crashed || (this.inflight === 0 && this.qHead === this.queue.length)) return;
    return new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  private releaseIdleWaiters(): void {
    if (this.idleWaiters.length === 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  override snapshotState(checkpointId: number): BoltSnapshot | undefined {
    if (!this.ready) return this.restored;
    const snap: BoltSnapshot = {};
    if (this.run.mode === 'checkpoint') {
      snap.fields = snapshotFields(this.invoker.instance, new Set<unknown>([this.collector, this.topologyContext]));
    }
    const inv = this.invoker.snapshot?.(checkpointId);
    if (inv !== undefined) snap.invoker = inv;
    return snap.fields === undefined && snap.invoker === undefined ? undefined : snap;
  }

  override restoreState(state: unknown): void {
    if (state !== undefined) this.restored = state as BoltSnapshot;
  }

  override notifyCheckpointComplete(checkpointId: number): void {
    if (this.ready) this.invoker.checkpointComplete?.(checkpointId);
  }
}

/** A timer callback travelling through the task queue (window time triggers, §9). */
export class TimerTuple {
  constructor(readonly run: () => unknown) {}
}
