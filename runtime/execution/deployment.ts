import type { Output } from '../api/operator.ts';
import { CheckpointCoordinator, type CheckpointAck, type CheckpointPoison } from '../checkpoint/coordinator.ts';
import type { CheckpointData, CheckpointStorage } from '../checkpoint/storage.ts';
import type { PhysicalPlan, PlanNode } from '../graph/plan.ts';
import type { OperatorMetrics, RuntimeMetrics } from '../metrics/index.ts';
import type { SourceOperator } from '../operators/source-operator.ts';
import { subtaskForKey } from '../state/index.ts';
import { isSourceCodeFailure, type UserFunctionError } from '../errors.ts';
import type { Clock } from '../time/clock.ts';
import { ProcessingTimeService } from '../time/processing-time.ts';
import { Backpressure } from './backpressure.ts';
import { OutcomeLatch, type DeploymentOutcome } from './outcome.ts';
import { InputChannel, type ChannelEndpoint } from './channels.ts';
import { chainFusion } from './fusion.ts';
import {
  ChainedOutput,
  DirectChainedOutput,
  LocalChannelOutput,
  NodeOutput,
  SinkChainedOutput,
  sideOutputs,
} from './outputs.ts';
import { gateAddress, type Outbox, RemoteChannel, workerOf } from './remote-channel.ts';
import { createRouter, type Router } from './routers.ts';
import type { PoisonMatcher } from './poison.ts';
import { Subtask, type SubtaskHost, type SubtaskSnapshot } from './subtask.ts';

/**
 * How a deployment inside a worker thread talks to the rest of the job: peers for records, the
 * main thread for checkpoint acknowledgements, finished subtasks and failures.
 */
export interface WorkerPlacement {
  readonly workerIndex: number;
  readonly workers: number;
  outbox(peerWorker: number): Outbox;
  acknowledge(checkpointId: number, participant: string, ack: Promise<CheckpointAck>): void;
  /** A subtask here cannot take part in the checkpoint (see CheckpointCoordinator.decline). */
  decline(checkpointId: number, reason: string): void;
  /** Every source reader here has started: checkpoints may begin. */
  running(): void;
  subtaskFinished(chainId: number, subtaskIndex: number): void;
  /** `source`: see Deployment.fail. */
  failed(error: unknown, source?: string): void;
}

export interface DeploymentOptions {
  plan: PhysicalPlan;
  storage: CheckpointStorage;
  metrics: RuntimeMetrics;
  checkpointIntervalMs: number | undefined;
  checkpointTimeoutMs: number;
  restoreFrom: CheckpointData | undefined;
  firstCheckpointId: number;
  /** Set inside a worker thread: only this worker's subtasks run here. */
  placement?: WorkerPlacement;
  /** The job's processing time (JobConfig.clock); the wall clock when unset. */
  clock?: Clock;
  log(level: 'info' | 'warn' | 'error', message: string): void;
  /** Set by the runner once some record was declared poison with policy 'skip'. */
  poison?: PoisonMatcher | undefined;
  /** The runner's poison tracker, on the thread that writes checkpoints: what they keep of it. */
  checkpointPoison?: CheckpointPoison | undefined;
  /** Worker threads: failures that made a record poison, and where a worker's diversion is counted. */
  poisonAttempts?: number | undefined;
  countDiverted?: ((error: UserFunctionError) => void) | undefined;
}

export type { DeploymentOutcome } from './outcome.ts';

/**
 * One incarnation of a job on this thread: every subtask wired, restored, opened and running. A
 * failure ends the incarnation; the job runner builds a fresh one from the last checkpoint, so no
 * state of a failed incarnation (operators, timers, in-flight callbacks) is ever reused.
 */
export class Deployment implements SubtaskHost {
  readonly jobName: string;
  readonly maxParallelism: number;
  readonly clock: ProcessingTimeService;
  readonly backpressure = new Backpressure();
  readonly subtasks: Subtask[] = [];
  readonly coordinator: CheckpointCoordinator;
  private readonly sourceSubtasks: Subtask[] = [];
  private running = false;
  private readonly latch = new OutcomeLatch();
  private finishedCount = 0;
  /** The newest checkpoint whose barriers this deployment injected at its sources. */
  private lastInjected: number | undefined;
  /** The source that failed this incarnation, when its own code threw. */
  failedSource: string | undefined;
  readonly outcome: Promise<DeploymentOutcome> = this.latch.promise;
  private periodicCancel: (() => void) | undefined;
  private sourcesStopped = false;
  private readonly sourceLoops: Array<Promise<void>> = [];
  private readonly tracked = new Set<Promise<unknown>>();

  constructor(private readonly options: DeploymentOptions) {
    this.jobName = options.plan.jobName;
    this.maxParallelism = options.plan.maxParallelism;
    this.clock = new ProcessingTimeService((error) => this.fail(error), options.clock);
    this.coordinator = new CheckpointCoordinator({
      jobName: this.jobName,
      storage: options.storage,
      metrics: options.metrics.checkpoints(this.jobName),
      firstCheckpointId: options.firstCheckpointId,
      timeoutMs: options.checkpointTimeoutMs,
      ...(options.clock !== undefined ? { clock: options.clock } : {}),
      participants: () => this.subtasks.length,
      inject: (id, direct) => this.injectBarriers(id, direct),
      complete: (id, acks) => this.completeCheckpoint(id, acks),
      failJob: (error) => this.fail(error),
      poison: options.checkpointPoison,
    });
  }

  get runtimeMetrics(): RuntimeMetrics {
    return this.options.metrics;
  }

  get restored(): boolean {
    return this.options.restoreFrom !== undefined;
  }

  get poison(): PoisonMatcher | undefined {
    return this.options.poison;
  }

  get restoredCheckpointId(): number | undefined {
    return this.options.restoreFrom?.id;
  }

  get firstCheckpointId(): number {
    return this.options.firstCheckpointId;
  }

  get isRunning(): boolean {
    return this.running;
  }

  operatorMetrics(node: PlanNode, subtaskIndex: number): OperatorMetrics {
    return this.options.metrics.operator(this.jobName, node.transformation.name, subtaskIndex);
  }

  setBusy(owner: object, busy: boolean): void {
    this.backpressure.set(owner, busy);
  }

  track(work: Promise<unknown>): void {
    this.tracked.add(work);
    work.then(
      () => this.tracked.delete(work),
      (error) => {
        this.tracked.delete(work);
        this.fail(error);
      },
    );
  }

  async start(): Promise<void> {
    const { plan } = this.options;
    const placement = this.options.placement;
    const isLocal = (index: number): boolean =>
      placement === undefined || workerOf(index, placement.workers) === placement.workerIndex;
    const byChain = new Map<number, Array<Subtask | undefined>>();
    for (const chain of plan.chains) {
      const list: Array<Subtask | undefined> = [];
      for (let i = 0; i < chain.parallelism; i++) {
        const subtask = isLocal(i) ? new Subtask(this, chain, i) : undefined;
        list.push(subtask);
        if (!subtask) continue;
        this.subtasks.push(subtask);
        if (chain.isSource) this.sourceSubtasks.push(subtask);
        if (subtask.gate) this.gates.set(gateAddress(chain.id, i), subtask);
      }
      byChain.set(chain.id, list);
    }

    for (const subtask of this.subtasks) {
      const outputs: Output<unknown>[] = [];
      for (const node of subtask.chain.nodes) {
        const main: Output<unknown>[] = node.chainedConsumers.map(
          (c) => new ChainedOutput(subtask.operatorOf(c), subtask.metricsOf(c), subtask.deadLetters),
        );
        const sides = new Map<string, Output<unknown>[]>();
        for (const edge of subtask.chain.outputs) {
          if (edge.from !== node) continue;
          const consumers = byChain.get(edge.to.chain.id)!;
          const channel = edge.channelOffset + subtask.index;
          const channels: ChannelEndpoint[] = consumers.map((c, j) =>
            c
              ? c.gate!.channels[channel]!
              : new RemoteChannel(
                  placement!.outbox(workerOf(j, placement!.workers)),
                  gateAddress(edge.to.chain.id, j),
                  channel,
                  `'${edge.from.transformation.name}' #${subtask.index} → '${edge.to.transformation.name}' #${j} (worker ${placement!.workerIndex} → ${workerOf(j, placement!.workers)})`,
                ),
          );
          const router = createRouter(edge.partitioner, channels, subtask.index, edge.to.transformation.name);
          subtask.routers.push(router);
          if (edge.sideTag === undefined) main.push(router);
          else {
            let list = sides.get(edge.sideTag);
            if (!list) sides.set(edge.sideTag, (list = []));
            list.push(router);
          }
        }
        outputs.push(this.outputOf(subtask, node, main, sides));
      }
      subtask.setup(outputs);
    }

    const checkpoint = this.options.restoreFrom;
    if (checkpoint) {
      for (const subtask of this.subtasks) {
        await subtask.restore(checkpoint.operators as never, checkpoint.committables, subtaskForKey);
      }
    }
    for (const subtask of this.subtasks) await subtask.open();
    this.running = true;
  }

  /**
   * The output of one node: a direct hop where the record has exactly one place to go (one chained
   * consumer, or one channel on this thread) and nothing else to do on the way, else the general
   * NodeOutput. Both count the same records in and out.
   */
  private outputOf(
    subtask: Subtask,
    node: PlanNode,
    main: Output<unknown>[],
    sides: Map<string, Output<unknown>[]>,
  ): Output<unknown> {
    const metrics = subtask.metricsOf(node);
    if (main.length === 1 && sides.size === 0 && this.poison === undefined && chainFusion.enabled) {
      const only = node.chainedConsumers[0];
      if (only !== undefined) {
        const operator = subtask.operatorOf(only);
        return only.transformation.kind === 'sink'
          ? new SinkChainedOutput(operator, metrics, subtask.metricsOf(only))
          : new DirectChainedOutput(operator, metrics, subtask.metricsOf(only));
      }
      const router = main[0] as Router;
      const target = router.singleTarget;
      if (target instanceof InputChannel) return new LocalChannelOutput(target, router, metrics);
    }
    return new NodeOutput(main, sideOutputs(sides), metrics);
  }

  /** Starts the sources (and, on the main thread, periodic checkpoints). Separate from start() so
   * every worker is wired before any record flows. */
  run(): void {
    if (!this.running) return;
    let starting = this.sourceSubtasks.length;
    for (const subtask of this.sourceSubtasks) {
      const source = subtask.operators[0] as SourceOperator<unknown>;
      const loop = source.run({
        backpressure: this.backpressure,
        isRunning: () => this.running && !this.sourcesStopped,
        started: () => {
          if (--starting === 0) this.allRunning();
        },
        noteWatermark: (wm) => subtask.noteSourceWatermark(wm),
        finish: () => subtask.finishInput(),
        fail: (error) => this.fail(error, isSourceCodeFailure(error) ? source.operatorName : undefined),
      });
      this.sourceLoops.push(loop);
    }
    if (starting === 0) this.allRunning();
  }

  /**
   * Every source reader has started (Flink's "all tasks RUNNING"). Only now do periodic
   * checkpoints begin, so a checkpoint's timeout never counts a reader's start-up (a Kafka
   * consumer joining, a spout's open) and no barrier reaches a reader that has not started.
   */
  private allRunning(): void {
    if (!this.running) return;
    if (this.options.placement) {
      this.options.placement.running();
      return;
    }
    if (this.options.checkpointIntervalMs !== undefined) {
      this.options.log('info', `every task of '${this.jobName}' is running: periodic checkpoints begin`);
      this.periodicCancel = this.clock.scheduleWithFixedDelay(this.options.checkpointIntervalMs, () => {
        if (this.canCheckpoint()) this.coordinator.trigger('checkpoint').catch(() => {});
      });
    }
  }

  /**
   * Ends every source loop here without finishing the job (Flink's stop-with-savepoint: sources
   * first). Resolves once no source can emit again, so a checkpoint taken after it covers every
   * record the job will ever output.
   */
  async stopSources(): Promise<void> {
    this.sourcesStopped = true;
    // A loop waiting for backpressure to clear wakes, sees it must stop, and returns.
    this.backpressure.wakeWaiters();
    await Promise.all(this.sourceLoops);
  }

  /** Periodic checkpoints need every source still running: a finished source cannot inject a barrier. */
  canCheckpoint(): boolean {
    return this.running && !this.coordinator.inProgress && this.finishedCount === 0;
  }

  acknowledgeCheckpoint(checkpointId: number, subtask: Subtask, snapshot: Promise<SubtaskSnapshot>): void {
    const ack = snapshot.then(
      (s): CheckpointAck => ({
        subtaskIndex: subtask.index,
        states: s.states,
        committables: s.committables,
        ...(s.deadLetters ? { deadLetters: s.deadLetters } : {}),
      }),
    );
    if (this.options.placement) this.options.placement.acknowledge(checkpointId, subtask.participant, ack);
    else this.coordinator.acknowledge(checkpointId, subtask.participant, ack);
  }

  /** The gate of a local subtask by its wire address (for records arriving from peer workers). */
  readonly gates = new Map<number, Subtask>();

  injectBarriers(checkpointId: number, direct: boolean): void {
    if (direct) {
      for (const subtask of this.subtasks) {
        const prepared = subtask.prepareBarrier(checkpointId);
        const snapshot = prepared
          ? prepared.then(() => subtask.snapshot(checkpointId))
          : subtask.snapshot(checkpointId);
        this.acknowledgeCheckpoint(checkpointId, subtask, snapshot);
      }
      return;
    }
    this.lastInjected = checkpointId;
    for (const subtask of this.sourceSubtasks) subtask.onAligned(checkpointId);
    // On worker threads the main thread learns of finished subtasks by message, so a trigger can
    // reach a worker whose subtasks already finished: no barrier can reach them any more.
    for (const subtask of this.subtasks) this.declineIfFinished(subtask);
  }

  /** A finished subtask that the newest injected barrier never reached will never acknowledge it. */
  private declineIfFinished(subtask: Subtask): void {
    const id = this.lastInjected;
    if (id === undefined || !subtask.finished || subtask.lastBarrier >= id) return;
    const reason = `'${subtask.chain.name}' #${subtask.index} finished before the barrier reached it`;
    if (this.options.placement) this.options.placement.decline(id, reason);
    else this.coordinator.decline(id, reason);
  }

  async completeCheckpoint(checkpointId: number, acks: CheckpointAck[]): Promise<void> {
    const byUidAndIndex = new Map<string, Record<string, unknown>>();
    for (const ack of acks) {
      for (const uid of Object.keys(ack.states)) byUidAndIndex.set(`${uid}#${ack.subtaskIndex}`, ack.committables);
    }
    await Promise.all(
      this.subtasks.map((subtask) => {
        const uid = subtask.contexts[0]!.uid;
        return subtask.notifyCheckpointComplete(checkpointId, byUidAndIndex.get(`${uid}#${subtask.index}`));
      }),
    );
  }

  subtaskFinished(subtask: Subtask): void {
    this.declineIfFinished(subtask);
    if (this.options.placement) {
      this.finishedCount++;
      this.options.placement.subtaskFinished(subtask.chain.id, subtask.index);
      return;
    }
    this.finishedCount++;
    if (this.finishedCount < this.subtasks.length || this.latch.settled) return;
    // Bounded input fully processed: a final checkpoint commits what two-phase sinks hold. A
    // periodic checkpoint may still be writing; triggering now would be refused ("in progress")
    // and fail a job that did nothing wrong, so wait for it first.
    void this.coordinator
      .whenIdle()
      .then(() => this.coordinator.trigger('checkpoint', true))
      .then(
        () => this.settle('finished'),
        (error) => this.fail(error),
      );
  }

  /** `source` names the source whose own code threw (the poison policy counts those). */
  fail(error: unknown, source?: string): void {
    if (!this.latch.reject(error)) {
      this.options.log('warn', `after the job stopped: ${(error as Error)?.message ?? error}`);
      return;
    }
    this.failedSource = source;
    this.halt();
    this.options.placement?.failed(error, source);
  }

  cancel(): void {
    this.settle('cancelled');
  }

  private settle(outcome: DeploymentOutcome): void {
    if (this.latch.resolve(outcome)) this.halt();
  }

  private halt(): void {
    this.running = false;
    this.periodicCancel?.();
    this.coordinator.stop();
    this.clock.shutdown();
    this.backpressure.releaseAll();
  }

  /** Closes every operator; errors are logged, never thrown, because teardown follows a failure. */
  async teardown(): Promise<void> {
    for (const subtask of this.subtasks) {
      try {
        await subtask.close();
      } catch (error) {
        this.options.log('warn', `closing ${subtask.key} failed: ${(error as Error)?.message ?? error}`);
      }
    }
  }
}
