import type { Output } from '../api/operator.ts';
import { CheckpointCoordinator, type CheckpointAck } from '../checkpoint/coordinator.ts';
import type { CheckpointData, CheckpointStorage } from '../checkpoint/storage.ts';
import type { PhysicalPlan, PlanNode } from '../graph/plan.ts';
import type { OperatorMetrics, RuntimeMetrics } from '../metrics/index.ts';
import { SourceOperator } from '../operators/source-operator.ts';
import { subtaskForKey } from '../state/index.ts';
import { ProcessingTimeService } from '../time/processing-time.ts';
import { Backpressure } from './backpressure.ts';
import type { ChannelEndpoint } from './channels.ts';
import { ChainedOutput, NodeOutput, sideOutputs } from './outputs.ts';
import { createRouter } from './routers.ts';
import { Subtask, type SubtaskHost, type SubtaskSnapshot } from './subtask.ts';

export interface DeploymentOptions {
  plan: PhysicalPlan;
  storage: CheckpointStorage;
  metrics: RuntimeMetrics;
  checkpointIntervalMs: number | undefined;
  checkpointTimeoutMs: number;
  restoreFrom: CheckpointData | undefined;
  firstCheckpointId: number;
  log(level: 'info' | 'warn' | 'error', message: string): void;
}

export type DeploymentOutcome = 'finished' | 'cancelled';

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
  private settled = false;
  private finishedCount = 0;
  private resolveOutcome!: (outcome: DeploymentOutcome) => void;
  private rejectOutcome!: (error: unknown) => void;
  readonly outcome: Promise<DeploymentOutcome>;
  private periodicCancel: (() => void) | undefined;
  private readonly tracked = new Set<Promise<unknown>>();

  constructor(private readonly options: DeploymentOptions) {
    this.jobName = options.plan.jobName;
    this.maxParallelism = options.plan.maxParallelism;
    this.clock = new ProcessingTimeService((error) => this.fail(error));
    this.outcome = new Promise((resolve, reject) => {
      this.resolveOutcome = resolve;
      this.rejectOutcome = reject;
    });
    // Nobody may await the outcome if start() itself throws; keep Node from flagging it.
    this.outcome.catch(() => {});
    this.coordinator = new CheckpointCoordinator({
      jobName: this.jobName,
      storage: options.storage,
      metrics: options.metrics.checkpoints(this.jobName),
      firstCheckpointId: options.firstCheckpointId,
      timeoutMs: options.checkpointTimeoutMs,
      participants: () => this.subtasks.length,
      inject: (id, direct) => this.injectBarriers(id, direct),
      complete: (id, acks) => this.completeCheckpoint(id, acks),
      failJob: (error) => this.fail(error),
    });
  }

  get runtimeMetrics(): RuntimeMetrics {
    return this.options.metrics;
  }

  get restored(): boolean {
    return this.options.restoreFrom !== undefined;
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
    const byChain = new Map<number, Subtask[]>();
    for (const chain of plan.chains) {
      const list: Subtask[] = [];
      for (let i = 0; i < chain.parallelism; i++) list.push(new Subtask(this, chain, i));
      byChain.set(chain.id, list);
      this.subtasks.push(...list);
      if (chain.isSource) this.sourceSubtasks.push(...list);
    }

    for (const subtask of this.subtasks) {
      const outputs: Output<unknown>[] = [];
      for (const node of subtask.chain.nodes) {
        const main: Output<unknown>[] = node.chainedConsumers.map((c) => new ChainedOutput(subtask.operatorOf(c), subtask.metricsOf(c)));
        const sides = new Map<string, Output<unknown>[]>();
        for (const edge of subtask.chain.outputs) {
          if (edge.from !== node) continue;
          const consumers = byChain.get(edge.to.chain.id)!;
          const channels: ChannelEndpoint[] = consumers.map((c) => c.gate!.channels[edge.channelOffset + subtask.index]!);
          const router = createRouter(edge.partitioner, channels, subtask.index, edge.to.transformation.name);
          subtask.routers.push(router);
          if (edge.sideTag === undefined) main.push(router);
          else {
            let list = sides.get(edge.sideTag);
            if (!list) sides.set(edge.sideTag, (list = []));
            list.push(router);
          }
        }
        outputs.push(new NodeOutput(main, sideOutputs(sides), subtask.metricsOf(node)));
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
    if (this.options.checkpointIntervalMs !== undefined) {
      this.periodicCancel = this.clock.scheduleWithFixedDelay(this.options.checkpointIntervalMs, () => {
        if (this.canCheckpoint()) this.coordinator.trigger('checkpoint').catch(() => {});
      });
    }
    for (const subtask of this.sourceSubtasks) {
      const source = subtask.operators[0] as SourceOperator<unknown>;
      void source.run({
        backpressure: this.backpressure,
        isRunning: () => this.running,
        noteWatermark: (wm) => subtask.noteSourceWatermark(wm),
        finish: () => subtask.finishInput(),
        fail: (error) => this.fail(error),
      });
    }
  }

  /** Periodic checkpoints need every source still running: a finished source cannot inject a barrier. */
  canCheckpoint(): boolean {
    return this.running && !this.coordinator.inProgress && this.finishedCount === 0;
  }

  acknowledgeCheckpoint(checkpointId: number, subtask: Subtask, snapshot: Promise<SubtaskSnapshot>): void {
    this.coordinator.acknowledge(
      checkpointId,
      snapshot.then((s): CheckpointAck => ({ subtaskIndex: subtask.index, states: s.states, committables: s.committables })),
    );
  }

  private injectBarriers(checkpointId: number, direct: boolean): void {
    if (direct) {
      for (const subtask of this.subtasks) {
        const prepared = subtask.prepareBarrier(checkpointId);
        const snapshot = prepared ? prepared.then(() => subtask.snapshot(checkpointId)) : subtask.snapshot(checkpointId);
        this.acknowledgeCheckpoint(checkpointId, subtask, snapshot);
      }
      return;
    }
    for (const subtask of this.sourceSubtasks) subtask.onAligned(checkpointId);
  }

  private async completeCheckpoint(checkpointId: number, acks: CheckpointAck[]): Promise<void> {
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

  subtaskFinished(_subtask: Subtask): void {
    this.finishedCount++;
    if (this.finishedCount < this.subtasks.length || this.settled) return;
    // Bounded input fully processed: a final checkpoint commits what two-phase sinks hold.
    void this.coordinator
      .trigger('checkpoint', true)
      .then(
        () => this.settle('finished'),
        (error) => this.fail(error),
      );
  }

  fail(error: unknown): void {
    if (this.settled) {
      this.options.log('warn', `after the job stopped: ${(error as Error)?.message ?? error}`);
      return;
    }
    this.settled = true;
    this.halt();
    this.rejectOutcome(error);
  }

  cancel(): void {
    this.settle('cancelled');
  }

  private settle(outcome: DeploymentOutcome): void {
    if (this.settled) return;
    this.settled = true;
    this.halt();
    this.resolveOutcome(outcome);
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
