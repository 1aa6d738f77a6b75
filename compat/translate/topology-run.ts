/**
 * Everything one submitted topology shares across its tasks and across runtime restarts: the
 * plan, routing, the acker, which spout task incarnation is live, activation, reported errors and
 * the Storm-style statistics. The runtime job is built from it (`build-job.ts`); the executor's
 * tasks find their peers through it.
 */
import type { Clock, Logger } from '../../runtime/index.ts';
import type { TopologyContext } from '../component/context.ts';
import { CONFIG_KEYS } from '../component/config-keys.ts';
import { confInt, type Conf } from '../component/config.ts';
import { CheckpointSpout as CP } from '../component/constants.ts';
import { currentClock, every } from '../component/time.ts';
import { AckTracker, type AckSink } from '../reliability/ack-tracker.ts';
import { rand64 } from '../reliability/rand64.ts';
import { CrossThread, type Acker, type CrossThreadHost } from './cross-thread.ts';
import { planTasks, type TaskPlan } from '../topology/tasks.ts';
import type { StormTopology } from '../topology/storm-topology.ts';
import { buildRoutingTable, runnableComponents, type RoutingTable } from './routing-table.ts';
import { samplingFrequency } from '../executor/stats-sampler.ts';
import { VERDICT_ACK, VERDICT_FAIL, VERDICT_RESET, type VerdictKind } from '../executor/feedback.ts';

export type ReliabilityMode = 'acking' | 'checkpoint';

/** Verdicts and timeout ticks a spout task takes from its queue (§5.1 step 1). */
export interface SpoutTaskHandle {
  enqueueVerdict(kind: VerdictKind, root: bigint): void;
  /** True between the task's `activate()` and `deactivate()` calls. */
  isActivated(): boolean;
  /** Verdicts and timeouts queued but not yet delivered, plus one while a callback is pending (idle detection). */
  queuedEvents?(): number;
}
export { VERDICT_ACK, VERDICT_FAIL, VERDICT_RESET, feedbackKey, type VerdictKind } from '../executor/feedback.ts';

export interface ReportedError {
  readonly componentId: string;
  readonly taskId: number;
  readonly error: unknown;
  readonly time: number;
}

/** Storm's per-component numbers (§12 metrics), summed over the component's tasks. */
export class ComponentStats {
  emitted = 0;
  transferred = 0;
  acked = 0;
  failed = 0;
  executed = 0;
  /** Of `executed`: tick tuples and window/timer callbacks, which no tuple transfer precedes. */
  systemExecuted = 0;
  /** Execute latency is sampled (as Storm's topology.stats.sample.rate does): total over `executeSamples`. */
  executeSamples = 0;
  executeMsTotal = 0;
  /** Process latency (execute start to ack, §12) is sampled the same way: total over `processSamples`. */
  processSamples = 0;
  processMsTotal = 0;
  /** Complete latency is sampled at the spout (topology.stats.sample.rate): total over `completeSamples`. */
  completeSamples = 0;
  completeMsTotal = 0;
  /** Estimated time spent inside execute within the current capacity window, and the window start. */
  busyMs = 0;
  windowStart = performance.now();
  capacity = 0;
  /** By output stream id. */
  readonly streams = new Map<string, StreamCounts>();

  streamCounts(streamId: string): StreamCounts {
    let c = this.streams.get(streamId);
    if (c === undefined) this.streams.set(streamId, (c = new StreamCounts()));
    return c;
  }

  /** By input (source component, stream), in order of first arrival; a bolt has few inputs. */
  readonly inputs: InputCounts[] = [];

  inputCounts(component: string, stream: string): InputCounts {
    for (const c of this.inputs) if (c.component === component && c.stream === stream) return c;
    const c = new InputCounts(component, stream);
    this.inputs.push(c);
    return c;
  }
}

import { InputCounts, StreamCounts, TaskStats } from '../executor/task-stats.ts';
export { InputCounts, StreamCounts, TaskStats };

export interface TopologyRunOptions {
  name: string;
  stormId: string;
  conf: Conf;
  topology: StormTopology;
  log: Logger;
  /** Storm's clock for this topology's timers; the one current at submission when unset (§12). */
  clock?: Clock;
  /**
   * Set on a worker thread's copy of the run when `topology.workers` spread the tasks over that many
   * threads: acks, fails and activation then cross threads (cross-thread.ts).
   */
  workerThreads?: number;
}

const MAX_REPORTED_ERRORS = 100;

export class TopologyRun implements AckSink, CrossThreadHost {
  readonly name: string;
  readonly stormId: string;
  readonly conf: Conf;
  readonly topology: StormTopology;
  readonly plan: TaskPlan;
  readonly routing: RoutingTable;
  readonly spouts: readonly string[];
  readonly bolts: readonly string[];
  readonly ackers: number;
  readonly mode: ReliabilityMode;
  readonly stateful: boolean;
  readonly timeoutSecs: number;
  /** Spouts time one tracked tree in this many (`topology.stats.sample.rate`), checked at submit. */
  readonly statsSampleFrequency: number;
  readonly timeoutsEnabled: boolean;
  readonly tracker: Acker | null;
  /** This worker's end of the threads the tasks are spread over; null when every task runs on this thread. */
  readonly cross: CrossThread | null;
  /** Worker threads the tasks are spread over (1: every task on this thread). */
  readonly workerThreads: number;
  readonly log: Logger;
  /** Spout tasks of the live incarnation by task id; a restarted task replaces its entry. */
  readonly spoutTasks = new Map<number, SpoutTaskHandle>();
  readonly errors: ReportedError[] = [];
  /**
   * Edges that close a cycle (keys from `feedbackKey`): the runtime's job graph is acyclic, so
   * these are delivered by a direct call into the live consumer task instead of a runtime channel.
   */
  readonly feedbackEdges = new Set<string>();
  /** Live bolt task incarnations by task id, for feedback edges. */
  readonly boltTasks = new Map<number, { processElement(tuple: unknown): void }>();
  /** Contexts of the live task incarnations (metrics read their registered metrics). */
  readonly taskContexts = new Map<number, { componentId: string; context: TopologyContext }>();
  readonly stats = new Map<string, ComponentStats>();
  readonly taskStats = new Map<number, TaskStats>();
  /** ms epoch of submission (uptime on status pages). */
  readonly launchedAt = Date.now();
  /**
   * Whether tuples carry root ids: always in acking mode with ackers, and in checkpoint mode,
   * where an explicit `fail` must still find its spout tuple (§7a).
   */
  readonly tracksRoots: boolean;
  /** Checkpoint mode: root id → emitting spout task, until the tuple is acked or failed. */
  readonly checkpointRoots = new Map<bigint, number>();
  private activeFlag = true;
  /** Told when `active` changes (the submitting thread passes it on to worker threads). */
  onActiveChange: ((active: boolean) => void) | null = null;
  /** Spouts call nextTuple only while active (§5.1 activation). */
  get active(): boolean {
    return this.activeFlag;
  }
  set active(active: boolean) {
    this.activeFlag = active;
    this.onActiveChange?.(active);
  }
  killed = false;
  readonly ready: Promise<void>;
  private resolveReady!: () => void;
  private rejectReady!: (e: unknown) => void;
  private readyDone = false;
  private opened = new Set<number>();
  readonly totalTasks: number;
  private stopTracker: (() => void) | undefined;
  /** Every Storm-facing timer of this topology reads this clock (simulated time when submitted while simulating). */
  readonly clock: Clock;

  constructor(options: TopologyRunOptions) {
    this.name = options.name;
    this.stormId = options.stormId;
    this.conf = options.conf;
    this.topology = options.topology;
    this.log = options.log;
    this.clock = options.clock ?? currentClock();
    this.plan = planTasks(this.conf, this.topology);
    this.routing = buildRoutingTable(this.topology, this.plan);
    const { spouts, bolts } = runnableComponents(this.topology);
    this.spouts = spouts;
    this.bolts = bolts;
    this.stateful = this.topology.get_spouts().has(CP.CHECKPOINT_COMPONENT_ID);
    this.mode = this.conf['stormshift.reliability'] === 'checkpoint' ? 'checkpoint' : 'acking';
    this.ackers = this.mode === 'checkpoint' ? 0 : this.plan.ackers;
    this.timeoutSecs = confInt(this.conf, CONFIG_KEYS.TOPOLOGY_MESSAGE_TIMEOUT_SECS, 30);
    this.statsSampleFrequency = samplingFrequency(this.conf);
    this.timeoutsEnabled = this.mode === 'acking' && this.conf[CONFIG_KEYS.TOPOLOGY_ENABLE_MESSAGE_TIMEOUTS] !== false;
    this.workerThreads = Math.max(1, options.workerThreads ?? 1);
    this.cross =
      options.workerThreads !== undefined && options.workerThreads > 1
        ? new CrossThread(this, this.stormId, options.workerThreads)
        : null;
    this.tracker = this.ackers > 0 ? (this.cross ?? new AckTracker(this)) : null;
    this.tracksRoots = this.ackers > 0 || this.mode === 'checkpoint';
    let total = 0;
    for (const id of [...spouts, ...bolts]) {
      total += this.plan.componentToSortedTasks.get(id)?.length ?? 0;
      this.stats.set(id, new ComponentStats());
    }
    this.totalTasks = total;
    this.ready = new Promise<void>((resolve, reject) => {
      this.resolveReady = resolve;
      this.rejectReady = reject;
    });
    this.ready.catch(() => {});
    if (total === 0) this.markReady();
  }

  /** Starts the acker's own timeout rotation (3 buckets of T, §7.6). */
  start(): void {
    if (this.tracker !== null && this.timeoutsEnabled && this.stopTracker === undefined) {
      const tracker = this.tracker;
      this.stopTracker = every(this.clock, this.timeoutSecs * 1000, () => tracker.rotate());
    }
  }

  stop(): void {
    this.stopTracker?.();
    this.stopTracker = undefined;
    this.cross?.close();
  }

  /**
   * The worker thread a task runs on: the runtime places subtask i of every operator on worker
   * i mod N, and a component's tasks are its operator's subtasks in task-id order.
   */
  workerOf(taskId: number): number {
    if (this.workerThreads === 1) return 0;
    const component = this.plan.taskToComponent.get(taskId);
    const tasks = component === undefined ? undefined : this.plan.componentToSortedTasks.get(component);
    if (tasks === undefined || tasks.length === 0) return 0;
    return (taskId - tasks[0]!) % this.workerThreads;
  }

  /** Every task (of every component) on the worker thread `taskId` runs on, ascending: Storm's "this worker's tasks". */
  tasksOnWorkerOf(taskId: number): number[] {
    const all = [...this.plan.taskToComponent.keys()].sort((a, b) => a - b);
    if (this.workerThreads === 1) return all;
    const worker = this.workerOf(taskId);
    return all.filter((t) => this.workerOf(t) === worker);
  }

  /** A task with this subtask index opens on this thread (across threads: which worker this is). */
  attachThread(subtaskIndex: number): void {
    this.cross?.attach(subtaskIndex);
  }

  /** A new root id; across threads one this worker owns, so its tree's verdict stays here. */
  newRoot(): bigint {
    return this.cross === null ? rand64() : this.cross.newRoot();
  }

  /** A task finished open/prepare; the submission resolves once every task did (§12). */
  taskOpened(taskId: number): void {
    this.cross?.report({ opened: taskId });
    if (this.readyDone) return;
    this.opened.add(taskId);
    if (this.opened.size >= this.totalTasks) this.markReady();
  }

  private markReady(): void {
    this.readyDone = true;
    this.resolveReady();
  }

  /** A task crashed; before the topology ever came up that fails the submission instead of looping. */
  taskCrashed(error: unknown): void {
    if (this.cross !== null && !this.readyDone)
      this.cross.report({ crashed: String((error as Error)?.message ?? error) });
    if (this.readyDone) return;
    this.readyDone = true;
    this.rejectReady(error);
  }

  /** Resolves once no live spout task is activated (after `active = false`), or after `maxWaitMs`. */
  async whenSpoutsInactive(maxWaitMs: number): Promise<void> {
    const deadline = Date.now() + maxWaitMs;
    while (Date.now() < deadline) {
      let any = false;
      for (const t of this.spoutTasks.values()) if (t.isActivated()) any = true;
      if (!any) return;
      await new Promise((r) => setTimeout(r, 2));
    }
  }

  recordError(componentId: string, taskId: number, error: unknown): void {
    this.errors.push({ componentId, taskId, error, time: this.clock.now() });
    if (this.errors.length > MAX_REPORTED_ERRORS) this.errors.shift();
  }

  /** Checkpoint mode: an explicit fail of a tuple goes to the spout tasks of its roots. */
  failRoots(ids: Iterable<[bigint, bigint]>): void {
    for (const [root] of ids) {
      if (this.cross !== null) this.cross.failRoot(root);
      else this.failOwnedRoot(root);
    }
  }

  failOwnedRoot(root: bigint): void {
    const task = this.checkpointRoots.get(root);
    if (task === undefined) return;
    this.checkpointRoots.delete(root);
    this.onFail(root, task);
  }

  setActive(active: boolean): void {
    this.activeFlag = active;
  }

  taskStatsOf(taskId: number): TaskStats {
    let s = this.taskStats.get(taskId);
    if (s === undefined) this.taskStats.set(taskId, (s = new TaskStats()));
    return s;
  }

  tasksOf(componentId: string): readonly number[] {
    return this.plan.componentToSortedTasks.get(componentId) ?? [];
  }

  statsOf(componentId: string): ComponentStats {
    let s = this.stats.get(componentId);
    if (s === undefined) this.stats.set(componentId, (s = new ComponentStats()));
    return s;
  }

  // --- AckSink: verdicts go onto the emitting spout task's queue, never into the spout directly (§7.1).
  onAck(root: bigint, spoutTask: number): void {
    this.spoutTasks.get(spoutTask)?.enqueueVerdict(VERDICT_ACK, root);
  }
  onFail(root: bigint, spoutTask: number): void {
    this.spoutTasks.get(spoutTask)?.enqueueVerdict(VERDICT_FAIL, root);
  }
  onResetTimeout(root: bigint, spoutTask: number): void {
    this.spoutTasks.get(spoutTask)?.enqueueVerdict(VERDICT_RESET, root);
  }
}
