/**
 * Storm's component interfaces (R1: Java interfaces ⇒ type-only TS interfaces). Callbacks may
 * return a Promise, which the runtime awaits (R6).
 */
import type { Conf } from './config.ts';
import type { Fields } from './fields.ts';
import type { GlobalStreamId } from './global-stream-id.ts';
import type { Tuple } from './tuple.ts';
import type { BasicOutputCollector, OutputCollector, SpoutOutputCollector } from './collectors.ts';
import type { TopologyContext, WorkerTopologyContext } from './context.ts';

export type MaybePromise = void | Promise<void>;

export interface OutputFieldsDeclarer {
  declare(fields: Fields): void;
  declare(direct: boolean, fields: Fields): void;
  declareStream(streamId: string, fields: Fields): void;
  declareStream(streamId: string, direct: boolean, fields: Fields): void;
}

export interface IComponent {
  declareOutputFields(declarer: OutputFieldsDeclarer): void;
  /** Read once, inside `setSpout`/`setBolt` (§3.1); null = none. */
  getComponentConfiguration(): Conf | null;
}

export interface ISpout {
  open(conf: Conf, context: TopologyContext, collector: SpoutOutputCollector): MaybePromise;
  close(): void;
  activate(): void;
  deactivate(): void;
  nextTuple(): MaybePromise;
  ack(msgId: unknown): MaybePromise;
  fail(msgId: unknown): MaybePromise;
}

export interface IRichSpout extends ISpout, IComponent {}

export interface IBolt {
  prepare(topoConf: Conf, context: TopologyContext, collector: OutputCollector): MaybePromise;
  execute(input: Tuple): MaybePromise;
  cleanup(): void;
}

export interface IRichBolt extends IBolt, IComponent {}

export interface IBasicBolt extends IComponent {
  prepare(topoConf: Conf, context: TopologyContext): MaybePromise;
  /** Returns (or resolves) ⇒ input acked; throws `FailedException` ⇒ failed (§5.2). */
  execute(input: Tuple, collector: BasicOutputCollector): MaybePromise;
  cleanup(): void;
}

/** A user grouping (§3.3); cloned per grouper instance, `prepare` once before first use. */
export interface CustomStreamGrouping {
  prepare(context: WorkerTopologyContext, stream: GlobalStreamId, targetTasks: number[]): void;
  chooseTasks(taskId: number, values: readonly unknown[]): number[];
}

export interface IWorkerHook {
  start(topoConf: Conf, context: WorkerTopologyContext): void | Promise<void>;
  shutdown(): void | Promise<void>;
}

export interface IMetric {
  getValueAndReset(): unknown;
}

export interface IReducer<T = unknown> {
  init(): T;
  reduce(accumulator: T, input: unknown): T;
  extractResult(accumulator: T): unknown;
}

export interface ICombiner<T = unknown> {
  identity(): T;
  combine(a: T, b: T): T;
}

// --- task hooks (§4 addTaskHook) -----------------------------------------------------------------

export interface EmitInfo {
  values: readonly unknown[];
  stream: string;
  taskId: number;
  outTasks: number[];
}
export interface SpoutAckInfo {
  messageId: unknown;
  spoutTaskId: number;
  completeLatencyMs: number | null;
}
export interface SpoutFailInfo {
  messageId: unknown;
  spoutTaskId: number;
  failLatencyMs: number | null;
}
export interface BoltExecuteInfo {
  tuple: Tuple;
  executingTaskId: number;
  executeLatencyMs: number | null;
}
export interface BoltAckInfo {
  tuple: Tuple;
  ackingTaskId: number;
  processLatencyMs: number | null;
}
export interface BoltFailInfo {
  tuple: Tuple;
  failingTaskId: number;
  failLatencyMs: number | null;
}

export interface ITaskHook {
  prepare(conf: Conf, context: TopologyContext): void;
  cleanup(): void;
  emit(info: EmitInfo): void;
  spoutAck(info: SpoutAckInfo): void;
  spoutFail(info: SpoutFailInfo): void;
  boltExecute(info: BoltExecuteInfo): void;
  boltAck(info: BoltAckInfo): void;
  boltFail(info: BoltFailInfo): void;
}
