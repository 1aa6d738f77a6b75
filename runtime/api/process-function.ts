import type {
  AggregatingState,
  AggregatingStateDescriptor,
  ListState,
  ListStateDescriptor,
  MapState,
  MapStateDescriptor,
  ReducingState,
  ReducingStateDescriptor,
  ValueState,
  ValueStateDescriptor,
} from '../state/index.ts';
import type { OutputTag } from './functions.ts';

export interface Collector<T> {
  /** Emits with the timestamp of the record (or timer) being processed. */
  collect(value: T): void;
}

export interface RuntimeContext {
  readonly jobName: string;
  readonly operatorName: string;
  readonly subtaskIndex: number;
  readonly parallelism: number;
  /** Processing time on the job's clock (a ManualClock in tests): in open(), when the subtask started. */
  currentProcessingTime(): number;
}

/** Keyed operators reach their state here; handles are scoped to the key of the record being processed. */
export interface KeyedRuntimeContext extends RuntimeContext {
  getState<T>(descriptor: ValueStateDescriptor<T>): ValueState<T>;
  getListState<T>(descriptor: ListStateDescriptor<T>): ListState<T>;
  getMapState<K, V>(descriptor: MapStateDescriptor<K, V>): MapState<K, V>;
  getReducingState<T>(descriptor: ReducingStateDescriptor<T>): ReducingState<T>;
  getAggregatingState<IN, ACC, OUT>(descriptor: AggregatingStateDescriptor<IN, ACC, OUT>): AggregatingState<IN, OUT>;
  /**
   * A processing-time timer of the subtask rather than of a key, for open(): it fires whether or
   * not any record arrived (Storm's tick tuples), and onTimer runs it with getCurrentKey()
   * undefined, where registerProcessingTimeTimer registers the next one (a subtask timer too, not
   * one of a record keyed undefined). Subtask timers are not restored from a checkpoint: open()
   * runs again on every start and arms them anew, so after a restore they fire from the restored
   * subtask's start, as Storm's ticks do after a restart.
   */
  registerSubtaskTimer(timestamp: number): void;
}

export interface ProcessContext {
  /** Event timestamp of the current record, undefined when it has none. */
  readonly timestamp: number | undefined;
  output<T>(tag: OutputTag<T>, value: T): void;
  currentWatermark(): number;
  currentProcessingTime(): number;
}

export interface TimerService {
  currentProcessingTime(): number;
  currentWatermark(): number;
  registerProcessingTimeTimer(timestamp: number): void;
  deleteProcessingTimeTimer(timestamp: number): void;
  registerEventTimeTimer(timestamp: number): void;
  deleteEventTimeTimer(timestamp: number): void;
}

export interface KeyedProcessContext<K> extends ProcessContext {
  getCurrentKey(): K;
  timerService(): TimerService;
}

export interface OnTimerContext<K> extends KeyedProcessContext<K> {
  readonly timeDomain: 'event' | 'processing';
}

export interface ProcessFunction<IN, OUT> {
  open?(context: RuntimeContext): void | Promise<void>;
  processElement(value: IN, context: ProcessContext, out: Collector<OUT>): void;
  /** Called when input ends (bounded jobs). */
  finish?(out: Collector<OUT>): void;
  close?(): void | Promise<void>;
}

export interface KeyedProcessFunction<K, IN, OUT> {
  open?(context: KeyedRuntimeContext): void | Promise<void>;
  processElement(value: IN, context: KeyedProcessContext<K>, out: Collector<OUT>): void;
  onTimer?(timestamp: number, context: OnTimerContext<K>, out: Collector<OUT>): void;
  close?(): void | Promise<void>;
}

export interface CoProcessFunction<IN1, IN2, OUT> {
  open?(context: RuntimeContext): void | Promise<void>;
  processElement1(value: IN1, context: ProcessContext, out: Collector<OUT>): void;
  processElement2(value: IN2, context: ProcessContext, out: Collector<OUT>): void;
  close?(): void | Promise<void>;
}

export interface KeyedCoProcessFunction<K, IN1, IN2, OUT> {
  open?(context: KeyedRuntimeContext): void | Promise<void>;
  processElement1(value: IN1, context: KeyedProcessContext<K>, out: Collector<OUT>): void;
  processElement2(value: IN2, context: KeyedProcessContext<K>, out: Collector<OUT>): void;
  onTimer?(timestamp: number, context: OnTimerContext<K>, out: Collector<OUT>): void;
  close?(): void | Promise<void>;
}
