/**
 * How a bolt task calls its component, per kind (R2 classification): rich, basic (auto ack/fail,
 * §5.2), and the windowed/stateful wrappers, which intercept `execute` and the checkpoint hooks.
 */
import type { Conf } from '../component/config.ts';
import type { TopologyContext } from '../component/context.ts';
import { FailedException, ReportedFailedException } from '../component/exceptions.ts';
import type { IBasicBolt, IBolt } from '../component/interfaces.ts';
import type { Tuple } from '../component/tuple.ts';
import { BasicOutputCollector, type IOutputCollector, type OutputCollector } from '../component/collectors.ts';

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
    return this.instance.prepare(this.host.conf, this.host.topologyContext, this.host.collector);
  }
  execute(input: Tuple): unknown {
    return this.instance.execute(input);
  }
  cleanup(): void {
    this.instance.cleanup?.();
  }
}

export class BasicInvoker implements BoltInvoker {
  private readonly basic: BasicOutputCollector;
  constructor(
    readonly instance: IBasicBolt,
    private readonly host: BoltHost,
    basic: BasicOutputCollector,
  ) {
    this.basic = basic;
  }
  prepare(): unknown {
    return this.instance.prepare?.(this.host.conf, this.host.topologyContext);
  }
  execute(input: Tuple): unknown {
    this.basic.setContext(input);
    return this.instance.execute(input, this.basic);
  }
  succeeded(input: Tuple): void {
    this.host.ack(input);
  }
  handled(input: Tuple, error: unknown): boolean {
    if (!(error instanceof FailedException)) return false;
    if (error instanceof ReportedFailedException) this.host.reportError(error);
    this.host.fail(input);
    return true;
  }
  cleanup(): void {
    this.instance.cleanup?.();
  }
}
