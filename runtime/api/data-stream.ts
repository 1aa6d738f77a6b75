import { JobGraphError } from '../errors.ts';
import type { PartitionerSpec } from '../graph/partitioner.ts';
import type { Transformation } from '../graph/transformation.ts';
import { AsyncIoOperator, type AsyncFunction, type AsyncIoOptions } from '../operators/async-io.ts';
import { FilterOperator } from '../operators/filter.ts';
import { FlatMapOperator } from '../operators/flat-map.ts';
import {
  KeyedAggregateOperator,
  LocalAggregateOperator,
  reduceAsAggregate,
  type MiniBatchOptions,
} from '../operators/keyed-aggregate.ts';
import { MapOperator } from '../operators/map.ts';
import {
  CoProcessOperator,
  KeyedCoProcessOperator,
  KeyedProcessOperator,
  keyedUseOf,
  ProcessOperator,
} from '../operators/process.ts';
import { SinkOperator } from '../operators/sink-operator.ts';
import { TimestampsAndWatermarksOperator } from '../operators/timestamps.ts';
import {
  aggregateContents,
  CountWindowOperator,
  elementsContents,
  WindowOperator,
  type WindowContents,
  type WindowFunction,
} from '../operators/window.ts';
import { consoleSink, type ConsoleSinkOptions } from '../connectors/console.ts';
import { copyFunctionObject } from './copy-function.ts';
import type { StreamEnvironment } from './environment.ts';
import type {
  AggregateFunction,
  FilterFunction,
  FlatMapFunction,
  KeySelector,
  MapFunction,
  OutputTag,
  ReduceFunction,
} from './functions.ts';
import type { StreamOperator } from './operator.ts';
import type {
  Collector,
  CoProcessFunction,
  KeyedCoProcessFunction,
  KeyedProcessFunction,
  ProcessFunction,
} from './process-function.ts';
import type { Sink } from './sink.ts';
import type { WatermarkStrategy } from './watermarks.ts';
import type { TimeWindow, WindowAssigner } from './windows.ts';

export interface OperatorOptions {
  name?: string;
  parallelism?: number;
  /** Stable id for state in checkpoints; defaults to one derived from position and name. */
  uid?: string;
  /** false keeps this operator out of its upstream's chain. */
  chaining?: boolean;
}

const OPERATOR_OPTION_KEYS = ['name', 'parallelism', 'uid', 'chaining'];

/** Rejects option keys nobody reads, naming the operator, so a typo never silently does nothing. */
export function checkOptions(operator: string, options: object | undefined, extraKeys: readonly string[] = []): void {
  if (!options) return;
  for (const key of Object.keys(options)) {
    if (!OPERATOR_OPTION_KEYS.includes(key) && !extraKeys.includes(key)) {
      throw new JobGraphError(
        `operator '${operator}': unknown option '${key}' (known: ${[...OPERATOR_OPTION_KEYS, ...extraKeys].join(', ')})`,
      );
    }
  }
}

interface StreamInput {
  readonly node: Transformation;
  readonly sideTag: string | undefined;
  readonly partitioner: PartitionerSpec | undefined;
}

/** A stream of records of type T: the fluent, typed job builder in the spirit of Flink's DataStream. */
export class DataStream<T> {
  /** @internal */
  constructor(
    readonly env: StreamEnvironment,
    /** @internal */ readonly inputs: readonly StreamInput[],
  ) {}

  /** The operator that produces this stream (the first one for a union). */
  get transformation(): Transformation {
    return this.inputs[0]!.node;
  }

  // ---- fluent settings of the producing operator (Flink style) ----

  name(name: string): this {
    this.transformation.name = name;
    return this;
  }

  uid(uid: string): this {
    this.transformation.uid = uid;
    return this;
  }

  setParallelism(parallelism: number): this {
    this.transformation.parallelism = parallelism;
    return this;
  }

  disableChaining(): this {
    this.transformation.chaining = false;
    return this;
  }

  // ---- transforms ----

  map<U>(fn: MapFunction<T, U>, options?: OperatorOptions): DataStream<U> {
    return this.oneInput('Map', options, () => new MapOperator(fn));
  }

  flatMap<U>(fn: FlatMapFunction<T, U>, options?: OperatorOptions): DataStream<U> {
    return this.oneInput('FlatMap', options, () => new FlatMapOperator(fn));
  }

  filter(fn: FilterFunction<T>, options?: OperatorOptions): DataStream<T> {
    return this.oneInput('Filter', options, () => new FilterOperator(fn));
  }

  process<U>(
    fn: ProcessFunction<T, U> | ProcessFunction<T, U>['processElement'],
    options?: OperatorOptions,
  ): DataStream<U> {
    const fnObject: ProcessFunction<T, U> = typeof fn === 'function' ? { processElement: fn } : fn;
    return this.oneInput(
      'Process',
      options,
      () => new ProcessOperator(copyFunctionObject(fnObject)),
      undefined,
      [],
      keyedUseOf(fnObject),
    );
  }

  /** A custom operator (how the Storm layer plugs its bolts in). */
  transform<U>(
    defaultName: string,
    createOperator: () => StreamOperator<T, U>,
    options?: OperatorOptions,
  ): DataStream<U> {
    return this.oneInput(defaultName, options, createOperator);
  }

  assignTimestampsAndWatermarks(strategy: WatermarkStrategy<T>, options?: OperatorOptions): DataStream<T> {
    const interval = this.env.config.watermarkIntervalMs ?? 200;
    return this.oneInput(
      'Timestamps/Watermarks',
      options,
      () => new TimestampsAndWatermarksOperator(strategy, interval),
    );
  }

  /** Async I/O: `fn` is called per record with at most `capacity` calls in flight. */
  asyncMap<U>(fn: AsyncFunction<T, U>, options: AsyncIoOptions<T, U> & OperatorOptions = {}): DataStream<U> {
    const name = options.name ?? 'AsyncIO';
    const asyncKeys = ['capacity', 'timeoutMs', 'ordered', 'retry', 'cache', 'onTimeout'];
    checkOptions(name, options, asyncKeys);
    if (options.capacity !== undefined && !(Number.isInteger(options.capacity) && options.capacity >= 1)) {
      throw new JobGraphError(`operator '${name}': capacity must be an integer >= 1, got ${String(options.capacity)}`);
    }
    // oneInput checks the options again: it must know the async keys too, or every one is "unknown".
    return this.oneInput('AsyncIO', options, () => new AsyncIoOperator(fn, options), undefined, asyncKeys);
  }

  getSideOutput<U>(tag: OutputTag<U>): DataStream<U> {
    if (this.inputs.length !== 1 || this.inputs[0]!.sideTag !== undefined) {
      throw new JobGraphError(`getSideOutput('${tag.id}') must be called on the stream of the operator that emits it`);
    }
    this.transformation.sideTags.add(tag.id);
    return new DataStream<U>(this.env, [{ node: this.transformation, sideTag: tag.id, partitioner: undefined }]);
  }

  // ---- partitioning ----

  keyBy<K>(key: KeySelector<T, K>): KeyedStream<T, K> {
    return new KeyedStream<T, K>(this.env, this.repartition({ kind: 'hash', key }), key);
  }

  rebalance(): DataStream<T> {
    return new DataStream<T>(this.env, this.repartition({ kind: 'rebalance' }));
  }

  broadcast(): DataStream<T> {
    return new DataStream<T>(this.env, this.repartition({ kind: 'broadcast' }));
  }

  global(): DataStream<T> {
    return new DataStream<T>(this.env, this.repartition({ kind: 'global' }));
  }

  forward(): DataStream<T> {
    return new DataStream<T>(this.env, this.repartition({ kind: 'forward' }));
  }

  partitionCustom<K>(partition: (key: K, numPartitions: number) => number, key: KeySelector<T, K>): DataStream<T> {
    return new DataStream<T>(this.env, this.repartition({ kind: 'custom', key, partition }));
  }

  /** @internal Routes each record to the subtask `select` returns (the Storm layer's direct routing). */
  partitionDirect(select: (value: T) => number): DataStream<T> {
    return new DataStream<T>(this.env, this.repartition({ kind: 'direct', select }));
  }

  private repartition(partitioner: PartitionerSpec): StreamInput[] {
    return this.inputs.map((input) => ({ ...input, partitioner }));
  }

  union(...others: DataStream<T>[]): DataStream<T> {
    for (const other of others)
      if (other.env !== this.env) throw new JobGraphError('union() of streams from different environments');
    return new DataStream<T>(this.env, [...this.inputs, ...others.flatMap((o) => o.inputs)]);
  }

  connect<U>(other: DataStream<U>): ConnectedStreams<T, U> {
    if (other.env !== this.env) throw new JobGraphError('connect() of streams from different environments');
    return new ConnectedStreams(this.env, this, other);
  }

  /** Windows over the whole stream (parallelism 1), like Flink's windowAll. */
  windowAll(assigner: WindowAssigner): WindowedStream<T, number> {
    return this.keyBy(() => 0).window(assigner, { nonParallel: true });
  }

  // ---- sinks ----

  sinkTo(sink: Sink<T>, options: OperatorOptions & { maxInFlight?: number } = {}): DataStreamSink {
    const name = options.name ?? 'Sink';
    checkOptions(name, options, ['maxInFlight']);
    const node = this.env.addTransformation({
      kind: 'sink',
      name,
      options,
      inputs: this.edges(),
      createOperator: () => new SinkOperator(sink, options.maxInFlight ?? 1000),
    });
    return new DataStreamSink(node);
  }

  print(options: ConsoleSinkOptions<T> & OperatorOptions = {}): DataStreamSink {
    const { prefix, stream, format, ...operatorOptions } = options;
    return this.sinkTo(consoleSink({ prefix, stream, format }), { name: 'Print', ...operatorOptions });
  }

  /** @internal */
  edges(side: 1 | 2 = 1): Transformation['inputs'] {
    return this.inputs.map((input) => ({
      from: input.node,
      partitioner: input.partitioner,
      inputSide: side,
      sideTag: input.sideTag,
    }));
  }

  /** @internal */
  oneInput<U>(
    defaultName: string,
    options: OperatorOptions | undefined,
    createOperator: () => StreamOperator<any, any>,
    keySelector?: KeySelector<any, unknown>,
    extraKeys: readonly string[] = [],
    keyedUse?: string,
  ): DataStream<U> {
    checkOptions(options?.name ?? defaultName, options, extraKeys);
    const node = this.env.addTransformation({
      kind: 'operator',
      name: options?.name ?? defaultName,
      options,
      inputs: this.edges(),
      createOperator,
      ...(keySelector ? { keySelector } : {}),
      keyedUse,
    });
    return new DataStream<U>(this.env, [{ node, sideTag: undefined, partitioner: undefined }]);
  }
}

export class DataStreamSink {
  constructor(readonly transformation: Transformation) {}
  name(name: string): this {
    this.transformation.name = name;
    return this;
  }
  uid(uid: string): this {
    this.transformation.uid = uid;
    return this;
  }
  setParallelism(parallelism: number): this {
    this.transformation.parallelism = parallelism;
    return this;
  }
}

export interface KeyedAggregateOptions extends OperatorOptions {
  /** Fold records per key in a buffer and touch state once per key per batch. */
  miniBatch?: MiniBatchOptions;
  /** Pre-aggregate per key before the shuffle (needs `miniBatch` for the local buffer size). */
  localGlobal?: boolean;
}

/** A stream partitioned by key: operators on it get keyed state and timers. */
export class KeyedStream<T, K> extends DataStream<T> {
  constructor(
    env: StreamEnvironment,
    inputs: readonly StreamInput[],
    readonly keySelector: KeySelector<T, K>,
  ) {
    super(env, inputs);
  }

  override process<U>(
    fn: KeyedProcessFunction<K, T, U> | KeyedProcessFunction<K, T, U>['processElement'],
    options?: OperatorOptions,
  ): DataStream<U> {
    const fnObject: KeyedProcessFunction<K, T, U> = typeof fn === 'function' ? { processElement: fn } : fn;
    const key = this.keySelector;
    return this.oneInput(
      'KeyedProcess',
      options,
      () => new KeyedProcessOperator(copyFunctionObject(fnObject), key),
      key,
    );
  }

  /** Rolling reduce: emits the updated value per key for every record (per key per batch with miniBatch). */
  reduce(fn: ReduceFunction<T>, options?: KeyedAggregateOptions): DataStream<T> {
    return this.aggregate<T, T>(reduceAsAggregate(fn), { name: 'Reduce', ...options });
  }

  aggregate<ACC, OUT>(aggregate: AggregateFunction<T, ACC, OUT>, options: KeyedAggregateOptions = {}): DataStream<OUT> {
    const name = options.name ?? 'Aggregate';
    checkOptions(name, options, ['miniBatch', 'localGlobal']);
    const key = this.keySelector;
    if (options.miniBatch && !(options.miniBatch.size >= 1 && options.miniBatch.intervalMs > 0)) {
      throw new JobGraphError(`operator '${name}': miniBatch needs size >= 1 and intervalMs > 0`);
    }
    // Mini-batch folds each key's buffer into keyed state with merge(); without it the job would
    // only fail on the first flush, far from the call that configured it.
    if (options.miniBatch && !aggregate.merge)
      throw new JobGraphError(`operator '${name}': miniBatch needs an aggregate function with merge()`);
    const { miniBatch, localGlobal, ...operatorOptions } = options;
    if (!localGlobal) {
      return this.oneInput(
        name,
        { ...operatorOptions, name },
        () => new KeyedAggregateOperator(aggregate, key, miniBatch, false),
        key,
      );
    }
    if (!miniBatch) throw new JobGraphError(`operator '${name}': localGlobal needs miniBatch (the local buffer)`);
    if (!aggregate.merge)
      throw new JobGraphError(`operator '${name}': localGlobal needs an aggregate function with merge()`);
    // The local stage sits before the shuffle, chained to whatever produced the records.
    const unkeyed = new DataStream<T>(
      this.env,
      this.inputs.map((i) => ({ ...i, partitioner: undefined })),
    );
    const local = unkeyed.oneInput<[K, ACC]>(
      `${name} (local)`,
      undefined,
      () => new KeyedPartial(aggregate, key, miniBatch),
    );
    const globalKey = (pair: [K, ACC]) => pair[0];
    const merged: AggregateFunction<[K, ACC], ACC, OUT> = {
      createAccumulator: aggregate.createAccumulator,
      add: (pair, acc) => aggregate.merge!(acc, pair[1]),
      getResult: aggregate.getResult,
      merge: aggregate.merge,
    };
    return local
      .keyBy(globalKey)
      .oneInput(
        name,
        { ...operatorOptions, name },
        () => new KeyedAggregateOperator(merged, globalKey, miniBatch, false),
        globalKey,
      );
  }

  window(assigner: WindowAssigner, internal: { nonParallel?: boolean } = {}): WindowedStream<T, K> {
    return new WindowedStream(this, assigner, internal.nonParallel ?? false);
  }

  /** Count windows: every `slide` records of a key, over its last `size` records (tumbling when slide is omitted). */
  countWindow(size: number, slide: number = size): CountWindowedStream<T, K> {
    if (!(Number.isInteger(size) && size >= 1 && Number.isInteger(slide) && slide >= 1)) {
      throw new JobGraphError(`countWindow needs integer size and slide >= 1, got ${size} and ${slide}`);
    }
    return new CountWindowedStream(this, size, slide);
  }

  override connect<U>(other: DataStream<U>): ConnectedStreams<T, U> {
    return super.connect(other);
  }
}

/** Local pre-aggregation emitting [key, partial] pairs so the global stage can key them again. */
class KeyedPartial<K, IN, ACC> extends LocalAggregateOperator<K, IN, [K, ACC]> {
  constructor(aggregate: AggregateFunction<IN, ACC, unknown>, key: KeySelector<IN, K>, batch: MiniBatchOptions) {
    let lastKey: K;
    super(
      {
        createAccumulator: () => [undefined as K, aggregate.createAccumulator()] as [K, ACC],
        add: (value: IN, acc: [K, ACC]) => {
          lastKey = key(value);
          return [lastKey, aggregate.add(value, acc[1])] as [K, ACC];
        },
        getResult: (acc) => acc,
      },
      key,
      batch,
    );
  }
}

export class WindowedStream<T, K> {
  private latenessMs = 0;
  private lateTag: OutputTag<T> | undefined;

  constructor(
    private readonly keyed: KeyedStream<T, K>,
    private readonly assigner: WindowAssigner,
    private readonly nonParallel: boolean,
  ) {}

  /** Keep windows this long past their end; late records update and re-fire them. Event time only. */
  allowedLateness(ms: number): this {
    if (!(ms >= 0)) throw new JobGraphError(`allowedLateness must be >= 0 ms, got ${String(ms)}`);
    this.latenessMs = ms;
    return this;
  }

  /** Records too late even for the allowed lateness go to this side output instead of being dropped. */
  sideOutputLateData(tag: OutputTag<T>): this {
    this.lateTag = tag;
    return this;
  }

  reduce<OUT = T>(
    fn: ReduceFunction<T>,
    windowFn?: WindowFunction<K, T, OUT>,
    options?: OperatorOptions,
  ): DataStream<OUT> {
    const aggregate = reduceAsAggregate(fn);
    return this.build(
      'WindowReduce',
      aggregateContents(aggregate),
      windowFn ?? ((_k, _w, value, out) => out.collect(value as unknown as OUT)),
      options,
    );
  }

  aggregate<ACC, R, OUT = R>(
    aggregate: AggregateFunction<T, ACC, R>,
    windowFn?: WindowFunction<K, R, OUT>,
    options?: OperatorOptions,
  ): DataStream<OUT> {
    // Session windows merge accumulators whenever two sessions touch; without merge() the job
    // would fail on the first such record and restart into the same failure forever.
    if (this.assigner.kind === 'session' && typeof aggregate.merge !== 'function') {
      throw new JobGraphError(
        `operator '${options?.name ?? 'WindowAggregate'}': a session window's aggregate function needs merge(a, b) (sessions that touch are merged); add merge or use windowProcess`,
      );
    }
    const emit: WindowFunction<K, ACC, OUT> = windowFn
      ? (key, window, acc, out) => windowFn(key, window, aggregate.getResult(acc), out)
      : (_key, _window, acc, out) => out.collect(aggregate.getResult(acc) as unknown as OUT);
    return this.build('WindowAggregate', aggregateContents(aggregate), emit, options);
  }

  /** All elements of each fired window, with its key and bounds. */
  process<OUT>(
    fn: (key: K, window: TimeWindow, elements: T[], out: Collector<OUT>) => void,
    options?: OperatorOptions,
  ): DataStream<OUT> {
    return this.build('WindowProcess', elementsContents<T>(), fn, options);
  }

  private build<ACC, OUT>(
    defaultName: string,
    contents: WindowContents<ACC>,
    emit: WindowFunction<K, ACC, OUT>,
    options: OperatorOptions | undefined,
  ): DataStream<OUT> {
    const key = this.keyed.keySelector;
    const lateTag = this.lateTag;
    const assigner = this.assigner;
    const latenessMs = assigner.time === 'event' ? this.latenessMs : 0;
    const stream = this.keyed.oneInput<OUT>(
      defaultName,
      this.nonParallel ? { parallelism: 1, ...options } : options,
      () =>
        new WindowOperator(assigner, key, contents, emit, {
          allowedLatenessMs: latenessMs,
          lateTag: lateTag as OutputTag<unknown> | undefined,
        }),
      key,
    );
    if (lateTag) stream.transformation.sideTags.add(lateTag.id);
    return stream;
  }
}

export class CountWindowedStream<T, K> {
  constructor(
    private readonly keyed: KeyedStream<T, K>,
    private readonly size: number,
    private readonly slide: number,
  ) {}

  reduce(fn: ReduceFunction<T>, options?: OperatorOptions): DataStream<T> {
    return this.process<T>((_key, elements, out) => out.collect(elements.reduce(fn)), {
      name: 'CountWindowReduce',
      ...options,
    });
  }

  aggregate<ACC, OUT>(aggregate: AggregateFunction<T, ACC, OUT>, options?: OperatorOptions): DataStream<OUT> {
    return this.process<OUT>(
      (_key, elements, out) => {
        let acc = aggregate.createAccumulator();
        for (const element of elements) acc = aggregate.add(element, acc);
        out.collect(aggregate.getResult(acc));
      },
      { name: 'CountWindowAggregate', ...options },
    );
  }

  process<OUT>(fn: (key: K, elements: T[], out: Collector<OUT>) => void, options?: OperatorOptions): DataStream<OUT> {
    const key = this.keyed.keySelector;
    const { size, slide } = this;
    return this.keyed.oneInput<OUT>('CountWindow', options, () => new CountWindowOperator(key, size, slide, fn), key);
  }
}

/** Two streams feeding one two-input operator. */
export class ConnectedStreams<A, B> {
  constructor(
    private readonly env: StreamEnvironment,
    private readonly first: DataStream<A>,
    private readonly second: DataStream<B>,
  ) {}

  process<OUT>(fn: CoProcessFunction<A, B, OUT>, options?: OperatorOptions): DataStream<OUT> {
    return this.build(
      'CoProcess',
      options,
      () => new CoProcessOperator(copyFunctionObject(fn)),
      undefined,
      keyedUseOf(fn),
    );
  }

  map<OUT>(fn1: (value: A) => OUT, fn2: (value: B) => OUT, options?: OperatorOptions): DataStream<OUT> {
    return this.process<OUT>(
      {
        processElement1: (v, _c, out) => out.collect(fn1(v)),
        processElement2: (v, _c, out) => out.collect(fn2(v)),
      },
      { name: 'CoMap', ...options },
    );
  }

  flatMap<OUT>(fn1: FlatMapFunction<A, OUT>, fn2: FlatMapFunction<B, OUT>, options?: OperatorOptions): DataStream<OUT> {
    return this.process<OUT>(
      {
        processElement1: (v, _c, out) => fn1(v, (o) => out.collect(o)),
        processElement2: (v, _c, out) => fn2(v, (o) => out.collect(o)),
      },
      { name: 'CoFlatMap', ...options },
    );
  }

  keyBy<K>(key1: KeySelector<A, K>, key2: KeySelector<B, K>): ConnectedKeyedStreams<A, B, K> {
    return new ConnectedKeyedStreams(this.env, this.first.keyBy(key1), this.second.keyBy(key2));
  }

  private build<OUT>(
    defaultName: string,
    options: OperatorOptions | undefined,
    create: () => StreamOperator<any, any>,
    keySelector?: KeySelector<any, unknown>,
    keyedUse?: string,
  ): DataStream<OUT> {
    const name = options?.name ?? defaultName;
    checkOptions(name, options);
    const node = this.env.addTransformation({
      kind: 'operator',
      name,
      options,
      inputs: [...this.first.edges(1), ...this.second.edges(2)],
      createOperator: create,
      ...(keySelector ? { keySelector } : {}),
      keyedUse,
    });
    return new DataStream<OUT>(this.env, [{ node, sideTag: undefined, partitioner: undefined }]);
  }

  /** @internal */
  buildKeyed<OUT>(
    defaultName: string,
    options: OperatorOptions | undefined,
    create: () => StreamOperator<any, any>,
    keySelector: KeySelector<any, unknown>,
  ): DataStream<OUT> {
    return this.build(defaultName, options, create, keySelector);
  }
}

export class ConnectedKeyedStreams<A, B, K> {
  private readonly connected: ConnectedStreams<A, B>;

  constructor(
    env: StreamEnvironment,
    private readonly first: KeyedStream<A, K>,
    private readonly second: KeyedStream<B, K>,
  ) {
    this.connected = new ConnectedStreams(env, first, second);
  }

  process<OUT>(fn: KeyedCoProcessFunction<K, A, B, OUT>, options?: OperatorOptions): DataStream<OUT> {
    const key1 = this.first.keySelector;
    const key2 = this.second.keySelector;
    return this.connected.buildKeyed(
      'KeyedCoProcess',
      options,
      () => new KeyedCoProcessOperator(copyFunctionObject(fn), key1, key2),
      key1,
    );
  }
}
