import type { Output, OperatorContext, StreamOperator } from '../api/operator.ts';
import { NO_TIMESTAMP } from '../api/functions.ts';
import type { PlanChain, PlanNode } from '../graph/plan.ts';
import type { OperatorMetrics, RuntimeMetrics } from '../metrics/index.ts';
import { HeapKeyedStateBackend, OperatorStateStore } from '../state/index.ts';
import { KeyedTimerService } from '../time/keyed-timers.ts';
import type { ProcessingTimeService } from '../time/processing-time.ts';
import { InputGate, type GateOwner } from './channels.ts';
import { StagedDeadLetters, type EpochDeadLetter, type PoisonMatcher } from './poison.ts';
import type { Router } from './routers.ts';

/** What one operator of one subtask contributes to a checkpoint. */
export interface OperatorSnapshot {
  op?: unknown;
  keyed?: unknown;
  timers?: unknown;
  opState?: unknown;
}

export interface SubtaskSnapshot {
  /** by operator uid */
  states: Record<string, OperatorSnapshot>;
  /** by operator uid, for two-phase sinks */
  committables: Record<string, unknown>;
  /** Records diverted to the dead-letter output and not yet delivered. */
  deadLetters?: EpochDeadLetter[] | undefined;
}

/** The services a subtask needs from the deployment that owns it. */
export interface SubtaskHost {
  readonly jobName: string;
  readonly maxParallelism: number;
  readonly clock: ProcessingTimeService;
  readonly restored: boolean;
  /** Id of the checkpoint this incarnation restored, if any. */
  readonly restoredCheckpointId?: number | undefined;
  /** Id of this incarnation's first checkpoint. */
  readonly firstCheckpointId?: number | undefined;
  readonly runtimeMetrics: RuntimeMetrics;
  operatorMetrics(node: PlanNode, subtaskIndex: number): OperatorMetrics;
  setBusy(owner: object, busy: boolean): void;
  fail(error: unknown): void;
  acknowledgeCheckpoint(checkpointId: number, subtask: Subtask, snapshot: Promise<SubtaskSnapshot>): void;
  subtaskFinished(subtask: Subtask): void;
  track(work: Promise<unknown>): void;
  /** Recognises records declared poison with policy 'skip'. */
  readonly poison?: PoisonMatcher | undefined;
}

class RuntimeOperatorContext implements OperatorContext {
  readonly keyedState: HeapKeyedStateBackend | undefined;
  readonly timers: KeyedTimerService | undefined;
  readonly operatorState = new OperatorStateStore();
  private readonly busyToken = {};

  constructor(
    private readonly host: SubtaskHost,
    readonly node: PlanNode,
    readonly subtaskIndex: number,
    readonly metrics: OperatorMetrics,
    private readonly subtask: Subtask,
  ) {
    if (node.transformation.keySelector) {
      this.keyedState = new HeapKeyedStateBackend();
      this.timers = new KeyedTimerService(this.keyedState, host.clock);
    }
  }

  get jobName(): string {
    return this.host.jobName;
  }
  get operatorName(): string {
    return this.node.transformation.name;
  }
  get uid(): string {
    return this.node.transformation.uid;
  }
  get parallelism(): number {
    return this.node.parallelism;
  }
  get maxParallelism(): number {
    return this.host.maxParallelism;
  }
  get restored(): boolean {
    return this.host.restored;
  }
  get restoredCheckpointId(): number | undefined {
    return this.host.restoredCheckpointId;
  }
  get firstCheckpointId(): number | undefined {
    return this.host.firstCheckpointId;
  }
  get runtimeMetrics(): RuntimeMetrics {
    return this.host.runtimeMetrics;
  }
  get processingTime(): ProcessingTimeService {
    return this.host.clock;
  }
  currentWatermark(): number {
    return this.subtask.inputWatermark();
  }
  setBusy(busy: boolean): void {
    this.host.setBusy(this.busyToken, busy);
  }
  fail(error: unknown): void {
    this.host.fail(error);
  }
  divertPoison(error: unknown): boolean {
    return this.subtask.deadLetters?.divert(error) ?? false;
  }
  guard<A extends unknown[]>(fn: (...args: A) => void): (...args: A) => void {
    return (...args: A) => {
      try {
        fn(...args);
      } catch (error) {
        this.host.fail(error);
      }
    };
  }
}

/**
 * One parallel instance of a chain: its operators (head first), the input gate feeding the head,
 * and the routers of every network edge leaving the chain.
 */
export class Subtask implements GateOwner {
  readonly operators: StreamOperator[] = [];
  readonly contexts: RuntimeOperatorContext[] = [];
  readonly metrics: OperatorMetrics[] = [];
  readonly routers: Router[] = [];
  readonly gate: InputGate | undefined;
  /** Diverts poison records and keeps their dead letters for the next barrier; undefined while none is poison. */
  readonly deadLetters: StagedDeadLetters | undefined;
  finished = false;
  /** The newest checkpoint whose barrier reached this subtask (its alignment completed). */
  lastBarrier = 0;
  private endSent = false;
  private sourceWatermark = -Infinity;

  constructor(
    private readonly host: SubtaskHost,
    readonly chain: PlanChain,
    readonly index: number,
  ) {
    this.deadLetters = host.poison ? new StagedDeadLetters(host.poison) : undefined;
    for (const node of chain.nodes) {
      const metrics = host.operatorMetrics(node, index);
      this.metrics.push(metrics);
      this.contexts.push(new RuntimeOperatorContext(host, node, index, metrics, this));
      const create = node.transformation.createOperator;
      if (!create) throw new Error(`internal: node '${node.transformation.name}' has no operator factory`);
      this.operators.push(create({ subtaskIndex: index, parallelism: node.parallelism }));
    }
    if (chain.inputChannels > 0) {
      const sides: Array<1 | 2> = [];
      for (const edge of chain.inputs) for (let i = 0; i < edge.from.parallelism; i++) sides.push(edge.inputSide);
      this.gate = new InputGate(this, this.operators[0]!, this.metrics[0]!, sides, this.deadLetters);
    }
  }

  get key(): string {
    return `${this.chain.name}#${this.index}`;
  }

  /** Identifies this subtask to the checkpoint coordinator, on any thread. */
  get participant(): string {
    return `${this.chain.id}#${this.index}`;
  }

  operatorOf(node: PlanNode): StreamOperator {
    return this.operators[this.chain.nodes.indexOf(node)]!;
  }

  metricsOf(node: PlanNode): OperatorMetrics {
    return this.metrics[this.chain.nodes.indexOf(node)]!;
  }

  setup(outputs: Output<unknown>[]): void {
    for (let i = 0; i < this.operators.length; i++) {
      const context = this.contexts[i]!;
      const operator = this.operators[i]!;
      operator.setup(context, outputs[i]!);
    }
  }

  inputWatermark(): number {
    return this.gate ? this.gate.currentWatermark : this.sourceWatermark;
  }

  noteSourceWatermark(watermark: number): void {
    if (watermark > this.sourceWatermark) this.sourceWatermark = watermark;
  }

  /** Restores every operator from the checkpoint entries of its uid (all old subtasks, for rescaling). */
  async restore(
    operators: Record<string, Record<number, OperatorSnapshot>>,
    committables: Record<string, Record<number, unknown>> | undefined,
    keyToSubtask: (key: unknown, parallelism: number) => number,
  ): Promise<void> {
    for (let i = 0; i < this.operators.length; i++) {
      const node = this.chain.nodes[i]!;
      const uid = node.transformation.uid;
      const entries = operators[uid];
      const context = this.contexts[i]!;
      const operator = this.operators[i]!;
      const own = entries?.[this.index];
      if (entries) {
        const all = Object.values(entries);
        const mine = (key: unknown): boolean => keyToSubtask(key, node.parallelism) === this.index;
        if (context.keyedState)
          context.keyedState.restore(all.map((e) => e.keyed).filter((s) => s !== undefined) as never, mine);
        if (context.timers)
          context.timers.restore(all.map((e) => e.timers).filter((s) => s !== undefined) as never, mine);
        context.operatorState.restore(
          all.map((e) => e.opState).filter((s) => s !== undefined) as never,
          this.index,
          node.parallelism,
        );
      }
      const handed = restoredCommittables(committables?.[uid], this.index, node.parallelism);
      if (handed.length > 0) await operator.commit(handed);
      operator.restoreState(own?.op);
    }
  }

  async open(): Promise<void> {
    // Tail first, as Flink does: a consumer is ready before its producer can emit into it.
    for (let i = this.operators.length - 1; i >= 0; i--) await this.operators[i]!.open();
  }

  /**
   * Lets every operator flush before the barrier, head first. Returns a Promise only when some
   * operator must finish async work first; later operators then run after it settles.
   */
  prepareBarrier(checkpointId: number, from = 0): void | Promise<void> {
    for (let i = from; i < this.operators.length; i++) {
      const pending = this.operators[i]!.prepareSnapshotPreBarrier(checkpointId);
      if (pending && typeof (pending as Promise<void>).then === 'function') {
        return (pending as Promise<void>).then(() => this.prepareBarrier(checkpointId, i + 1));
      }
    }
  }

  /** Snapshots the chain (after prepareBarrier). Synchronous; only sink commit preparation may finish later. */
  snapshot(checkpointId: number): Promise<SubtaskSnapshot> {
    const deadLetters = this.deadLetters?.take(checkpointId);
    const states: Record<string, OperatorSnapshot> = {};
    const pendingCommittables: Array<[string, unknown]> = [];
    for (let i = 0; i < this.operators.length; i++) {
      const operator = this.operators[i]!;
      const context = this.contexts[i]!;
      const entry: OperatorSnapshot = {};
      const op = operator.snapshotState(checkpointId);
      if (op !== undefined) entry.op = op;
      if (context.keyedState) entry.keyed = context.keyedState.snapshot();
      if (context.timers) entry.timers = context.timers.snapshot();
      const opState = context.operatorState.snapshot();
      if (opState !== undefined) entry.opState = opState;
      states[context.uid] = entry;
      const committable = operator.prepareCommit(checkpointId);
      if (committable !== undefined) pendingCommittables.push([context.uid, committable]);
    }
    if (pendingCommittables.length === 0) return Promise.resolve({ states, committables: {}, deadLetters });
    return Promise.all(pendingCommittables.map(([, c]) => c)).then((values) => {
      const committables: Record<string, unknown> = {};
      values.forEach((value, i) => {
        if (value !== undefined) committables[pendingCommittables[i]![0]] = value;
      });
      return { states, committables, deadLetters };
    });
  }

  onAligned(checkpointId: number): void | Promise<void> {
    this.lastBarrier = checkpointId;
    const prepared = this.prepareBarrier(checkpointId);
    if (prepared === undefined) {
      this.completeBarrier(checkpointId);
      return;
    }
    // Pause the sources of this thread while the barrier waits: anything they emitted now would
    // reach this chain's outputs ahead of the barrier it has not forwarded yet.
    this.host.setBusy(this, true);
    return prepared.then(
      () => {
        this.host.setBusy(this, false);
        this.completeBarrier(checkpointId);
      },
      (error: unknown) => this.host.fail(error),
    );
  }

  private completeBarrier(checkpointId: number): void {
    this.host.acknowledgeCheckpoint(checkpointId, this, this.snapshot(checkpointId));
    // After END nothing may follow on a channel; consumers count ended channels as aligned.
    if (!this.endSent) for (const router of this.routers) router.broadcastBarrier(checkpointId);
  }

  fail(error: unknown): void {
    this.host.fail(error);
  }

  onEndOfInput(): void {
    this.host.track(this.finishInput());
  }

  /** Source chains call this when their reader ends; gates call it through onEndOfInput. */
  async finishInput(): Promise<void> {
    for (const operator of this.operators) await operator.endInput();
    this.endSent = true;
    for (const router of this.routers) router.broadcastEnd();
    this.finished = true;
    this.host.subtaskFinished(this);
  }

  async notifyCheckpointComplete(
    checkpointId: number,
    committables: Record<string, unknown> | undefined,
  ): Promise<void> {
    this.deadLetters?.completed(checkpointId);
    for (let i = 0; i < this.operators.length; i++) {
      const operator = this.operators[i]!;
      const committable = committables?.[this.contexts[i]!.uid];
      if (committable !== undefined) await operator.commit([committable]);
      await operator.notifyCheckpointComplete(checkpointId);
    }
  }

  async close(): Promise<void> {
    let firstError: unknown;
    for (let i = 0; i < this.operators.length; i++) {
      this.contexts[i]!.timers?.dispose();
      try {
        await this.operators[i]!.close();
      } catch (error) {
        firstError ??= error;
      }
    }
    if (firstError !== undefined) throw firstError;
  }
}

export { NO_TIMESTAMP };

/**
 * The restored committables a subtask commits: its own, and after a restore with lower
 * parallelism those of the removed subtasks i with i % parallelism === index. Nobody else would
 * commit them: their output of the restored checkpoint would be lost (a Kafka sink's sealed
 * transactions time out, a file sink's sealed files stay pending), and the sink learns from them
 * which old subtasks it cleans up for.
 */
export function restoredCommittables(
  byIndex: Record<number, unknown> | undefined,
  index: number,
  parallelism: number,
): unknown[] {
  if (byIndex === undefined) return [];
  const own = byIndex[index];
  const handed = own === undefined ? [] : [own];
  for (const key of Object.keys(byIndex)) {
    const old = Number(key);
    if (old >= parallelism && old % parallelism === index && byIndex[old] !== undefined) handed.push(byIndex[old]);
  }
  return handed;
}
