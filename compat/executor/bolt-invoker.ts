/**
 * How a bolt task calls its component, per kind (R2 classification): rich, basic (auto ack/fail,
 * §5.2), and the windowed/stateful wrappers, which intercept `execute` and the checkpoint hooks.
 */
import type { Conf } from '../component/config.ts';
import type { TopologyContext } from '../component/context.ts';
import { FailedException, ReportedFailedException } from '../component/exceptions.ts';
import type { IBasicBolt, IBolt } from '../component/interfaces.ts';
import type { Tuple } from '../component/tuple.ts';
import { BasicOutputCollector, OutputCollector, type Anchors, type IOutputCollector } from '../component/collectors.ts';

export interface BoltHost {
  readonly conf: Conf;
  readonly topologyContext: TopologyContext;
  readonly collector: OutputCollector;
  /** The task's raw emit/ack back end (what wrapping collectors delegate to). */
  readonly emitter: IOutputCollector;
  readonly componentId: string;
  readonly taskId: number;
  ack(input: Tuple): void;
  fail(input: Tuple): void;
  reportError(error: unknown): void;
  log(level: 'info' | 'warn' | 'error', message: string): void;
  /** Runs a callback on the task queue, serialized with execute (window timers). */
  schedulePeriodic(periodMs: number, fn: () => unknown): void;
  /** Processing time on the topology's clock (simulated while simulating). */
  now(): number;
  /** Delivers tuples that were held back (stateful buffering) through the task queue. */
  redeliver(tuples: readonly Tuple[]): void;
}

export interface BoltInvoker {
  prepare(): unknown;
  /** Called once prepare settled (stateful: initState). May return a Promise. */
  afterPrepare?(): unknown;
  execute(input: Tuple): unknown;
  /** The callback finished normally (sync return or fulfilled Promise). */
  succeeded?(input: Tuple): void;
  /** The callback threw; true when the error was handled (basic bolt FailedException). */
  handled?(input: Tuple, error: unknown): boolean;
  cleanup(): void;
  /** Checkpoint hooks (§7a, §10); the returned values go into the bolt's snapshot. */
  snapshot?(checkpointId: number): unknown;
  restore?(state: unknown): void;
  checkpointComplete?(checkpointId: number): void;
  /** Instance whose own data fields checkpoint mode snapshots. */
  readonly instance: object;
}

export class RichInvoker implements BoltInvoker {
  constructor(
    readonly instance: IBolt,
    private readonly host: BoltHost,
  ) {}
  prepare(): unknown {
    return this.instance.prepare?.(this.host.conf, this.host.topologyContext, this.host.collector);
  }
  execute(input: Tuple): unknown {
    return this.instance.execute(input);
  }
  cleanup(): void {
    this.instance.cleanup?.();
  }
}

/**
 * The basic collector's back end: emits pass through; one emitted after `execute` settled (the
 * input is already acked, so the new tuple's tree will time out, §5.2) is logged once.
 */
class LateEmitWarningDelegate implements IOutputCollector {
  settled = false;
  private warned = false;
  constructor(
    private readonly out: IOutputCollector,
    private readonly host: BoltHost,
  ) {}
  private check(): void {
    if (this.settled && !this.warned) {
      this.warned = true;
      this.host.log(
        'warn',
        'basic bolt emitted after execute returned: the tuple is anchored to an input already acked and will time out',
      );
    }
  }
  emit(streamId: string, anchors: readonly Tuple[], values: readonly unknown[]): number[] {
    this.check();
    return this.out.emit(streamId, anchors, values);
  }
  emitDirect(taskId: number, streamId: string, anchors: readonly Tuple[], values: readonly unknown[]): void {
    this.check();
    this.out.emitDirect(taskId, streamId, anchors, values);
  }
  ack(input: Tuple): void {
    this.out.ack(input);
  }
  fail(input: Tuple): void {
    this.out.fail(input);
  }
  resetTimeout(input: Tuple): void {
    this.out.resetTimeout(input);
  }
  reportError(error: unknown): void {
    this.out.reportError(error);
  }
  flush(): void {}
}

/**
 * The basic collector the executor builds for itself. Its back end is the bolt task, which reads the
 * anchor list during `emit` and keeps none of it, so one list serves every input instead of a new
 * `[input]` per input (one array per counted word in a word count).
 */
class ExecutorBasicCollector extends BasicOutputCollector {
  private readonly only: Tuple[] = [];
  protected override anchoredTo(): Anchors {
    const input = this.inputTuple;
    if (input === null) return super.anchoredTo();
    this.only[0] = input;
    return this.only;
  }
}

export class BasicInvoker implements BoltInvoker {
  private readonly basic: BasicOutputCollector;
  private readonly delegate: LateEmitWarningDelegate;
  constructor(
    readonly instance: IBasicBolt,
    private readonly host: BoltHost,
  ) {
    this.delegate = new LateEmitWarningDelegate(host.emitter, host);
    this.basic = new ExecutorBasicCollector(new OutputCollector(this.delegate));
  }
  prepare(): unknown {
    return this.instance.prepare?.(this.host.conf, this.host.topologyContext);
  }
  execute(input: Tuple): unknown {
    this.delegate.settled = false;
    this.basic.setContext(input);
    return this.instance.execute(input, this.basic);
  }
  succeeded(input: Tuple): void {
    this.delegate.settled = true;
    this.host.ack(input);
  }
  handled(input: Tuple, error: unknown): boolean {
    this.delegate.settled = true;
    if (!(error instanceof FailedException)) return false;
    if (error instanceof ReportedFailedException) this.host.reportError(error);
    this.host.fail(input);
    return true;
  }
  cleanup(): void {
    this.instance.cleanup?.();
  }
}
