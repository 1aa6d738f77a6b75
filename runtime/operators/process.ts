import { NO_TIMESTAMP, type OutputTag } from '../api/functions.ts';
import type {
  Collector,
  CoProcessFunction,
  KeyedCoProcessFunction,
  KeyedProcessContext,
  KeyedProcessFunction,
  KeyedRuntimeContext,
  OnTimerContext,
  ProcessContext,
  ProcessFunction,
  RuntimeContext,
  TimerService,
} from '../api/process-function.ts';
import { ConfigError, JobGraphError, keyedWithoutKeyByMessage, StormshiftError } from '../errors.ts';
import type { KeySelector } from '../api/functions.ts';
import { SUBTASK_TIMER } from '../time/keyed-timers.ts';
import {
  AggregatingStateDescriptor,
  ListStateDescriptor,
  MapStateDescriptor,
  ReducingStateDescriptor,
  ValueStateDescriptor,
} from '../state/index.ts';
import { CollectingOperator } from './collecting-operator.ts';
import { userError } from './user-error.ts';

/**
 * The process operators share one mutable context object per operator instance, updated per
 * record, as Flink does: handing user code a fresh context per record would allocate on the hot path.
 */
abstract class ProcessOperatorBase<OUT> extends CollectingOperator<unknown, OUT> {
  get timestamp(): number | undefined {
    return this.emitTimestamp === NO_TIMESTAMP ? undefined : this.emitTimestamp;
  }

  output_<T>(tag: OutputTag<T>, value: T): void {
    this.output.collectSide(tag.id, value, this.emitTimestamp);
  }

  currentWatermark(): number {
    return this.context.currentWatermark();
  }

  currentProcessingTime(): number {
    return this.context.processingTime.now();
  }

  protected runtimeContext(): RuntimeContext {
    const c = this.context;
    const context: RuntimeContext = {
      jobName: c.jobName,
      operatorName: c.operatorName,
      subtaskIndex: c.subtaskIndex,
      parallelism: c.parallelism,
      currentProcessingTime: () => c.processingTime.now(),
    };
    if (c.keyedState === undefined) guardKeyedState(context, c.operatorName);
    return context;
  }

  protected keyedRuntimeContext(): KeyedRuntimeContext {
    const backend = this.context.keyedState!;
    return {
      ...this.runtimeContext(),
      getState: (d) => backend.getState(d),
      getListState: (d) => backend.getListState(d),
      getMapState: (d) => backend.getMapState(d),
      getReducingState: (d) => backend.getReducingState(d),
      getAggregatingState: (d) => backend.getAggregatingState(d),
      registerSubtaskTimer: (timestamp) => {
        const timers = this.context.timers;
        if (timers === undefined)
          throw new ConfigError(
            `operator '${this.context.operatorName}' has no timer service for registerSubtaskTimer`,
          );
        const previous = backend.getCurrentKey();
        backend.setCurrentKey(undefined);
        try {
          timers.registerProcessingTimeTimer(timestamp, SUBTASK_TIMER);
        } finally {
          backend.setCurrentKey(previous);
        }
      },
    };
  }

  protected fail(record: unknown, error: unknown): never {
    if (error instanceof StormshiftError) throw error;
    throw userError(this.context.operatorName, record, error);
  }
}

/**
 * A keyed function on an unkeyed stream used to die with "ctx.getState is not a function" on every
 * restart. What the plan can see is rejected there (keyedUseOf); the rest shows only when the
 * function's own code asks, so the members only keyed contexts have stand in on unkeyed ones and
 * fail with the same message, as a graph error nobody retries.
 */
const KEYED_ONLY_MEMBERS: Record<string, string> = {
  getState: 'uses keyed state',
  getListState: 'uses keyed state',
  getMapState: 'uses keyed state',
  getReducingState: 'uses keyed state',
  getAggregatingState: 'uses keyed state',
  registerSubtaskTimer: 'uses timers',
  timerService: 'uses keyed timers',
  getCurrentKey: 'uses keys',
};

function guardKeyedState(context: object, operatorName: string): void {
  for (const [name, uses] of Object.entries(KEYED_ONLY_MEMBERS)) {
    if (!(name in context)) {
      // The state getters are the common case and need no detail; the rest name what was called.
      const what = uses === 'uses keyed state' ? uses : `${uses} (${name}())`;
      const noKeyBy = (): never => {
        throw new JobGraphError(keyedWithoutKeyByMessage(operatorName, what));
      };
      Object.defineProperty(context, name, { value: noKeyBy, enumerable: false, configurable: true });
    }
  }
}

const DESCRIPTOR_CLASSES = [
  ValueStateDescriptor,
  ListStateDescriptor,
  MapStateDescriptor,
  ReducingStateDescriptor,
  AggregatingStateDescriptor,
];
const DESCRIPTOR_CLASS_NAMES = new Set<string>(DESCRIPTOR_CLASSES.map((c) => c.name));

/**
 * By class name too, not only instanceof: a job module outside the checkout, run from source, gets
 * its own copy of the state classes (seen with `stormshift run /tmp/job.ts` importing the runtime by
 * absolute path), and the check must not go quiet then.
 */
const isDescriptor = (value: unknown): value is { name: string } =>
  typeof value === 'object' &&
  value !== null &&
  (DESCRIPTOR_CLASSES.some((c) => value instanceof c) ||
    (DESCRIPTOR_CLASS_NAMES.has((value as { constructor?: { name?: string } }).constructor?.name ?? '') &&
      typeof (value as { name?: unknown }).name === 'string' &&
      typeof (value as { kind?: unknown }).kind === 'string'));

/**
 * What a function handed to an unkeyed process() shows of needing keys before it runs, phrased for
 * the plan's error; undefined when nothing shows. onTimer is only ever called on keyed streams; an
 * unkeyed function has nothing to hand a state descriptor to, so a descriptor it holds (a class
 * field, alone or in an array) is meant for keyed state; and a context member only keyed contexts
 * have, called in the function's own text on the context parameter of open() or processElement,
 * can only fail there. What stays hidden (the context passed on to a helper, a destructured
 * parameter) fails with the same message when it runs: guardKeyedState.
 */
export function keyedUseOf(fn: object): string | undefined {
  if (typeof (fn as { onTimer?: unknown }).onTimer === 'function') return 'uses keyed timers (it has onTimer)';
  for (const [field, value] of Object.entries(fn)) {
    const found = Array.isArray(value) ? value.find(isDescriptor) : isDescriptor(value) ? value : undefined;
    if (found !== undefined)
      return `uses keyed state (its field '${field}' holds the state descriptor '${found.name}')`;
  }
  // The context is open()'s first parameter and processElement's second.
  const methods: Array<[string, number]> = [
    ['open', 0],
    ['processElement', 1],
    ['processElement1', 1],
    ['processElement2', 1],
  ];
  for (const [method, position] of methods) {
    const code = (fn as Record<string, unknown>)[method];
    if (typeof code !== 'function') continue;
    const call = keyedMemberCalled(withoutComments(Function.prototype.toString.call(code)), position);
    if (call !== undefined) return `${KEYED_ONLY_MEMBERS[call.member]!} (its ${method}() calls ${call.text})`;
  }
  return undefined;
}

/**
 * A comment that mentions ctx.getState() must not reject a job. Crude (a "//" inside a string ends
 * the line's text early), but it can only hide a call, which then fails when it runs instead.
 */
function withoutComments(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/\/\/[^\n]*/g, '');
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** The keyed-only member that `source` calls on its parameter at `position`, if its text shows one. */
function keyedMemberCalled(source: string, position: number): { member: string; text: string } | undefined {
  const context = parameterNames(source)?.[position];
  if (context === undefined) return undefined;
  const members = Object.keys(KEYED_ONLY_MEMBERS).join('|');
  const call = new RegExp(`(?<![\\w$.])${context.replace(/\$/g, '\\$')}\\s*\\??\\.\\s*(${members})\\s*\\(`).exec(
    source,
  );
  return call ? { member: call[1]!, text: `${context}.${call[1]!}()` } : undefined;
}

/**
 * The plain parameter names of a function's source text (method, function or arrow); undefined
 * when a parameter is destructured or the text is not understood, so nothing is guessed.
 */
function parameterNames(source: string): string[] | undefined {
  const arrow = /^(?:async\s+)?([A-Za-z_$][\w$]*)\s*=>/.exec(source);
  if (arrow) return [arrow[1]!];
  const open = source.indexOf('(');
  const close = source.indexOf(')', open);
  if (open < 0 || close < 0) return undefined;
  const names: string[] = [];
  for (const part of source.slice(open + 1, close).split(',')) {
    const name = part.split('=')[0]!.trim();
    if (name === '') continue;
    if (!IDENTIFIER.test(name)) return undefined;
    names.push(name);
  }
  return names;
}

/** `output(tag, value)` must be a method named `output` on the context, but `output` is taken by the operator's Output. */
function contextFor<OUT>(operator: ProcessOperatorBase<OUT>): ProcessContext {
  return {
    get timestamp() {
      return operator.timestamp;
    },
    output: (tag, value) => operator.output_(tag, value),
    currentWatermark: () => operator.currentWatermark(),
    currentProcessingTime: () => operator.currentProcessingTime(),
  };
}

export class ProcessOperator<IN, OUT> extends ProcessOperatorBase<OUT> {
  private ctx!: ProcessContext;

  private readonly fn: ProcessFunction<IN, OUT>;

  constructor(fn: ProcessFunction<IN, OUT>) {
    super();
    this.fn = fn;
  }

  override open(): void | Promise<void> {
    this.ctx = contextFor(this);
    guardKeyedState(this.ctx, this.context.operatorName);
    return this.fn.open?.(this.runtimeContext());
  }

  processElement(value: unknown, timestamp: number): void {
    this.emitTimestamp = timestamp;
    try {
      this.fn.processElement(value as IN, this.ctx, this);
    } catch (error) {
      this.fail(value, error);
    }
  }

  override endInput(): void {
    this.emitTimestamp = NO_TIMESTAMP;
    this.fn.finish?.(this);
  }

  override close(): void | Promise<void> {
    return this.fn.close?.();
  }
}

class KeyedContextImpl<K> implements OnTimerContext<K>, TimerService {
  timeDomain: 'event' | 'processing' = 'event';
  /** While a subtask timer fires: the processing-time timers its onTimer sets are the subtask's too. */
  subtaskTimer = false;

  constructor(
    private readonly operator: ProcessOperatorBase<unknown> & {
      timers(): import('../time/keyed-timers.ts').KeyedTimerService;
    },
  ) {}

  get timestamp(): number | undefined {
    return this.operator.timestamp;
  }
  output<T>(tag: OutputTag<T>, value: T): void {
    this.operator.output_(tag, value);
  }
  currentWatermark(): number {
    return this.operator.timers().currentWatermark();
  }
  currentProcessingTime(): number {
    return this.operator.currentProcessingTime();
  }
  getCurrentKey(): K {
    // Read from the backend rather than copied here per record: records and timers both set the
    // backend's key first, and one store of a young key into a long-lived object costs a
    // write-barrier call per record.
    return this.operator.context.keyedState!.getCurrentKey() as K;
  }
  timerService(): TimerService {
    return this;
  }
  registerProcessingTimeTimer(timestamp: number): void {
    this.operator.timers().registerProcessingTimeTimer(timestamp, this.subtaskTimer ? SUBTASK_TIMER : undefined);
  }
  deleteProcessingTimeTimer(timestamp: number): void {
    this.operator.timers().deleteProcessingTimeTimer(timestamp, this.subtaskTimer ? SUBTASK_TIMER : undefined);
  }
  registerEventTimeTimer(timestamp: number): void {
    this.operator.timers().registerEventTimeTimer(timestamp);
  }
  deleteEventTimeTimer(timestamp: number): void {
    this.operator.timers().deleteEventTimeTimer(timestamp);
  }
}

type KeyedFunctions<K, OUT> = {
  open?(context: KeyedRuntimeContext): void | Promise<void>;
  onTimer?(timestamp: number, context: OnTimerContext<K>, out: Collector<OUT>): void;
  close?(): void | Promise<void>;
};

abstract class KeyedOperatorBase<K, OUT> extends ProcessOperatorBase<OUT> {
  protected readonly ctx = new KeyedContextImpl<K>(this as never);

  protected readonly functions: KeyedFunctions<K, OUT>;

  constructor(functions: KeyedFunctions<K, OUT>) {
    super();
    this.functions = functions;
  }

  timers(): import('../time/keyed-timers.ts').KeyedTimerService {
    return this.context.timers!;
  }

  override open(): void | Promise<void> {
    this.context.timers!.setHandler((timestamp, key, namespace, domain) => {
      this.ctx.timeDomain = domain;
      this.ctx.subtaskTimer = namespace === SUBTASK_TIMER;
      this.emitTimestamp = domain === 'event' ? timestamp : NO_TIMESTAMP;
      try {
        this.functions.onTimer?.(timestamp, this.ctx, this);
      } catch (error) {
        this.fail(`timer@${timestamp} for key ${String(key)}`, error);
      } finally {
        this.ctx.subtaskTimer = false;
      }
    });
    return this.functions.open?.(this.keyedRuntimeContext());
  }

  protected enterKey(key: K, timestamp: number): void {
    this.context.keyedState!.setCurrentKey(key);
    this.emitTimestamp = timestamp;
  }

  override processWatermark(watermark: number): void {
    this.context.timers!.advanceWatermark(watermark);
    this.output.emitWatermark(watermark);
  }

  override close(): void | Promise<void> {
    return this.functions.close?.();
  }
}

export class KeyedProcessOperator<K, IN, OUT> extends KeyedOperatorBase<K, OUT> {
  constructor(
    fn: KeyedProcessFunction<K, IN, OUT>,
    private readonly keySelector: KeySelector<IN, K>,
  ) {
    super(fn);
  }

  /** The same object the base class opens and closes (one per subtask: data-stream.ts copies it). */
  private get fn(): KeyedProcessFunction<K, IN, OUT> {
    return this.functions as KeyedProcessFunction<K, IN, OUT>;
  }

  processElement(value: unknown, timestamp: number): void {
    try {
      this.enterKey(this.keySelector(value as IN), timestamp);
      this.fn.processElement(value as IN, this.ctx, this);
    } catch (error) {
      this.fail(value, error);
    }
  }
}

export class CoProcessOperator<IN1, IN2, OUT> extends ProcessOperatorBase<OUT> {
  private ctx!: ProcessContext;

  private readonly fn: CoProcessFunction<IN1, IN2, OUT>;

  constructor(fn: CoProcessFunction<IN1, IN2, OUT>) {
    super();
    this.fn = fn;
  }

  override open(): void | Promise<void> {
    this.ctx = contextFor(this);
    guardKeyedState(this.ctx, this.context.operatorName);
    return this.fn.open?.(this.runtimeContext());
  }

  processElement(value: unknown, timestamp: number): void {
    this.emitTimestamp = timestamp;
    try {
      this.fn.processElement1(value as IN1, this.ctx, this);
    } catch (error) {
      this.fail(value, error);
    }
  }

  override processElement2(value: unknown, timestamp: number): void {
    this.emitTimestamp = timestamp;
    try {
      this.fn.processElement2(value as IN2, this.ctx, this);
    } catch (error) {
      this.fail(value, error);
    }
  }

  override close(): void | Promise<void> {
    return this.fn.close?.();
  }
}

export class KeyedCoProcessOperator<K, IN1, IN2, OUT> extends KeyedOperatorBase<K, OUT> {
  constructor(
    fn: KeyedCoProcessFunction<K, IN1, IN2, OUT>,
    private readonly key1: KeySelector<IN1, K>,
    private readonly key2: KeySelector<IN2, K>,
  ) {
    super(fn);
  }

  /** The same object the base class opens and closes (one per subtask: data-stream.ts copies it). */
  private get fn(): KeyedCoProcessFunction<K, IN1, IN2, OUT> {
    return this.functions as KeyedCoProcessFunction<K, IN1, IN2, OUT>;
  }

  processElement(value: unknown, timestamp: number): void {
    try {
      this.enterKey(this.key1(value as IN1), timestamp);
      this.fn.processElement1(value as IN1, this.ctx, this);
    } catch (error) {
      this.fail(value, error);
    }
  }

  override processElement2(value: unknown, timestamp: number): void {
    try {
      this.enterKey(this.key2(value as IN2), timestamp);
      this.fn.processElement2(value as IN2, this.ctx, this);
    } catch (error) {
      this.fail(value, error);
    }
  }
}

export type { KeyedProcessContext };
