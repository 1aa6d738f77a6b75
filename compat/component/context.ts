/**
 * Storm's topology contexts (§4) as data over the built `StormTopology` and the task mapping.
 * The executor builds one `TopologyContext` per task; everything here is read-only except the
 * fields documented as EXECUTOR-READ below.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Conf } from './config.ts';
import { Constants } from './constants.ts';
import { IllegalArgumentException, RuntimeException } from './exceptions.ts';
import type { Fields } from './fields.ts';
import { type GlobalStreamId, GlobalStreamIdMap } from './global-stream-id.ts';
import type { ICombiner, IMetric, IReducer, ITaskHook } from './interfaces.ts';
import { CombinedMetric, ReducedMetric } from './metrics.ts';
import type { ComponentCommon, Grouping, StormTopology } from '../topology/storm-topology.ts';

export class GeneralTopologyContext {
  protected readonly topology: StormTopology;
  protected readonly topoConf: Conf;
  protected readonly taskToComponent: ReadonlyMap<number, string>;
  protected readonly componentToSortedTasks: ReadonlyMap<string, readonly number[]>;
  protected readonly componentToStreamToFields: ReadonlyMap<string, ReadonlyMap<string, Fields>>;
  protected readonly stormId: string;
  /** Components' common structs, system components included (`__acker`, `$checkpointspout`, …). */
  protected readonly commons: ReadonlyMap<string, ComponentCommon>;

  constructor(
    topology: StormTopology,
    topoConf: Conf,
    taskToComponent: ReadonlyMap<number, string>,
    componentToSortedTasks: ReadonlyMap<string, readonly number[]>,
    componentToStreamToFields: ReadonlyMap<string, ReadonlyMap<string, Fields>>,
    stormId: string,
    commons?: ReadonlyMap<string, ComponentCommon>,
  ) {
    this.topology = topology;
    this.topoConf = topoConf;
    this.taskToComponent = taskToComponent;
    this.componentToSortedTasks = componentToSortedTasks;
    this.componentToStreamToFields = componentToStreamToFields;
    this.stormId = stormId;
    this.commons = commons ?? topology.allComponents();
  }

  getStormId(): string {
    return this.stormId;
  }
  getRawTopology(): StormTopology {
    return this.topology;
  }
  getConf(): Conf {
    return this.topoConf;
  }
  getComponentId(taskId: number): string | null {
    if (taskId === Constants.SYSTEM_TASK_ID) return Constants.SYSTEM_COMPONENT_ID;
    return this.taskToComponent.get(taskId) ?? null;
  }
  getComponentStreams(componentId: string): Set<string> {
    return new Set(this.componentToStreamToFields.get(componentId)?.keys() ?? []);
  }
  getComponentTasks(componentId: string): number[] {
    return [...(this.componentToSortedTasks.get(componentId) ?? [])];
  }

  getComponentOutputFields(componentId: string, streamId: string): Fields;
  getComponentOutputFields(id: GlobalStreamId): Fields;
  getComponentOutputFields(a: string | GlobalStreamId, b?: string): Fields {
    // Called for every tuple built: no destructured pair.
    const c = typeof a === 'string' ? a : a.get_componentId();
    const s = typeof a === 'string' ? b! : a.get_streamId();
    const f = this.componentToStreamToFields.get(c)?.get(s);
    if (f === undefined) throw new IllegalArgumentException(`No output fields defined for component:stream ${c}:${s}`);
    return f;
  }

  getComponentCommon(componentId: string): ComponentCommon | undefined {
    return this.commons.get(componentId);
  }

  /** Inputs of `componentId`, keyed by value-compared `GlobalStreamId`. */
  getSources(componentId: string): GlobalStreamIdMap<Grouping> {
    return new GlobalStreamIdMap(this.commons.get(componentId)?.get_inputs() ?? []);
  }

  /** stream → subscribing component → grouping, for everything `componentId` emits. */
  getTargets(componentId: string): Map<string, Map<string, Grouping>> {
    const ret = new Map<string, Map<string, Grouping>>();
    for (const [other, common] of this.commons) {
      for (const [gsid, grouping] of common.get_inputs()) {
        if (gsid.get_componentId() !== componentId) continue;
        let m = ret.get(gsid.get_streamId());
        if (m === undefined) ret.set(gsid.get_streamId(), (m = new Map()));
        m.set(other, grouping);
      }
    }
    return ret;
  }

  getTaskToComponent(): Map<number, string> {
    return new Map(this.taskToComponent);
  }
  getComponentIds(): Set<string> {
    return new Set(this.componentToSortedTasks.keys());
  }

  maxTopologyMessageTimeout(): number {
    return Number(this.topoConf['topology.message.timeout.secs'] ?? 30);
  }
  doSanityCheck(): boolean {
    return true;
  }
}

export class WorkerTopologyContext extends GeneralTopologyContext {
  protected readonly workerTasks: readonly number[];
  protected readonly workerPort: number;
  protected readonly codeDir: string;
  protected readonly pidDir: string;
  /** Shared by every context of the worker, as Storm's user resources are. */
  protected readonly resources: Map<string, unknown>;

  constructor(
    topology: StormTopology,
    topoConf: Conf,
    taskToComponent: ReadonlyMap<number, string>,
    componentToSortedTasks: ReadonlyMap<string, readonly number[]>,
    componentToStreamToFields: ReadonlyMap<string, ReadonlyMap<string, Fields>>,
    stormId: string,
    options: {
      workerTasks?: readonly number[];
      workerPort?: number;
      codeDir?: string;
      pidDir?: string;
      resources?: Map<string, unknown>;
      commons?: ReadonlyMap<string, ComponentCommon>;
    } = {},
  ) {
    super(
      topology,
      topoConf,
      taskToComponent,
      componentToSortedTasks,
      componentToStreamToFields,
      stormId,
      options.commons,
    );
    this.workerTasks = options.workerTasks ?? [...taskToComponent.keys()].sort((x, y) => x - y);
    this.workerPort = options.workerPort ?? 6700;
    this.codeDir =
      options.codeDir ?? String(topoConf['stormshift.multilang.code.dir'] ?? join(process.cwd(), 'resources'));
    this.pidDir = options.pidDir ?? join(process.cwd(), '.stormshift', 'pids', stormId);
    this.resources = options.resources ?? new Map();
  }

  getThisWorkerTasks(): number[] {
    return [...this.workerTasks];
  }
  getThisWorkerPort(): number {
    return this.workerPort;
  }
  getCodeDir(): string {
    return this.codeDir;
  }
  /** A writable directory; created on first use. */
  getPIDDir(): string {
    mkdirSync(this.pidDir, { recursive: true });
    return this.pidDir;
  }
  getResource(name: string): unknown {
    return this.resources.get(name) ?? null;
  }
  setResource(name: string, value: unknown): void {
    this.resources.set(name, value);
  }
}

export interface RegisteredMetric {
  readonly name: string;
  readonly metric: IMetric;
  readonly bucketSecs: number;
}

/** Simple v2-style metric objects; export is optional (§4), the objects work. */
export class Counter {
  private n = 0;
  inc(by: number = 1): void {
    this.n += by;
  }
  dec(by: number = 1): void {
    this.n -= by;
  }
  getCount(): number {
    return this.n;
  }
}

export class Meter {
  private n = 0;
  mark(by: number = 1): void {
    this.n += by;
  }
  getCount(): number {
    return this.n;
  }
}

export class Histogram {
  private readonly values: number[] = [];
  update(v: number): void {
    this.values.push(Number(v));
  }
  getCount(): number {
    return this.values.length;
  }
  getSnapshot(): { getValues(): number[]; getMean(): number; getMax(): number; getMin(): number } {
    const vals = [...this.values].sort((a, b) => a - b);
    return {
      getValues: () => vals,
      getMean: () => (vals.length ? vals.reduce((s, x) => s + x, 0) / vals.length : 0),
      getMax: () => (vals.length ? vals[vals.length - 1]! : 0),
      getMin: () => (vals.length ? vals[0]! : 0),
    };
  }
}

export class Timer {
  readonly histogram = new Histogram();
  update(durationMs: number): void {
    this.histogram.update(durationMs);
  }
  time(): { stop(): number } {
    const start = performance.now();
    return {
      stop: () => {
        const d = performance.now() - start;
        this.update(d);
        return d;
      },
    };
  }
  getCount(): number {
    return this.histogram.getCount();
  }
}

export interface Gauge<T = unknown> {
  getValue(): T;
}

export class TopologyContext extends WorkerTopologyContext {
  protected readonly taskId: number;
  private readonly taskData = new Map<string, unknown>();
  private readonly executorData: Map<string, unknown>;

  /** EXECUTOR-READ: hooks added by user code; call `prepare` / the callbacks / `cleanup` on them. */
  readonly hooks: ITaskHook[] = [];
  /** EXECUTOR-READ: metrics v1 registered via `registerMetric`, in registration order. */
  readonly registeredMetrics: RegisteredMetric[] = [];
  /** EXECUTOR-READ: metrics v2 objects by name (counters, timers, histograms, meters, gauges). */
  readonly registeredV2Metrics = new Map<string, unknown>();
  /**
   * EXECUTOR-SET: Storm's `openOrPrepareWasCalled`. False while `open`/`prepare` runs (including an
   * awaited Promise); the executor calls `setOpenOrPrepareWasCalled(true)` once it settled, after
   * which `registerMetric` throws.
   */
  private openOrPrepareWasCalled = false;

  constructor(
    topology: StormTopology,
    topoConf: Conf,
    taskToComponent: ReadonlyMap<number, string>,
    componentToSortedTasks: ReadonlyMap<string, readonly number[]>,
    componentToStreamToFields: ReadonlyMap<string, ReadonlyMap<string, Fields>>,
    stormId: string,
    taskId: number,
    options: ConstructorParameters<typeof WorkerTopologyContext>[6] & { executorData?: Map<string, unknown> } = {},
  ) {
    super(topology, topoConf, taskToComponent, componentToSortedTasks, componentToStreamToFields, stormId, options);
    this.taskId = taskId;
    this.executorData = options.executorData ?? new Map();
  }

  setOpenOrPrepareWasCalled(value: boolean): void {
    this.openOrPrepareWasCalled = value;
  }

  getThisTaskId(): number {
    return this.taskId;
  }
  getThisComponentId(): string {
    return this.getComponentId(this.taskId)!;
  }
  getThisTaskIndex(): number {
    return this.getComponentTasks(this.getThisComponentId()).indexOf(this.taskId);
  }
  getThisOutputFields(streamId: string): Fields {
    return this.getComponentOutputFields(this.getThisComponentId(), streamId);
  }
  getThisOutputFieldsForStreams(): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    for (const s of this.getThisStreams()) out[s] = this.getThisOutputFields(s).toList();
    return out;
  }
  getThisStreams(): Set<string> {
    return this.getComponentStreams(this.getThisComponentId());
  }
  /** component → stream → fields of everything this component consumes. */
  getThisInputFields(): Map<string, Map<string, string[]>> {
    const out = new Map<string, Map<string, string[]>>();
    for (const gsid of this.getThisSources().keys()) {
      const c = gsid.get_componentId();
      let m = out.get(c);
      if (m === undefined) out.set(c, (m = new Map()));
      m.set(gsid.get_streamId(), this.getComponentOutputFields(gsid).toList());
    }
    return out;
  }
  getThisSources(): GlobalStreamIdMap<Grouping> {
    return this.getSources(this.getThisComponentId());
  }
  getThisTargets(): Map<string, Map<string, Grouping>> {
    return this.getTargets(this.getThisComponentId());
  }

  setTaskData(name: string, data: unknown): void {
    this.taskData.set(name, data);
  }
  getTaskData(name: string): unknown {
    return this.taskData.get(name) ?? null;
  }
  setExecutorData(name: string, data: unknown): void {
    this.executorData.set(name, data);
  }
  getExecutorData(name: string): unknown {
    return this.executorData.get(name) ?? null;
  }

  addTaskHook(hook: ITaskHook): void {
    this.hooks.push(hook);
  }
  getHooks(): ITaskHook[] {
    return [...this.hooks];
  }

  /** Metrics v1 (§4): `metric`, or a reducer/combiner wrapped in `ReducedMetric`/`CombinedMetric`. */
  registerMetric<T extends IMetric>(name: string, metric: T, timeBucketSizeInSecs: number): T;
  registerMetric(name: string, reducer: IReducer, timeBucketSizeInSecs: number): ReducedMetric;
  registerMetric(name: string, combiner: ICombiner, timeBucketSizeInSecs: number): CombinedMetric;
  registerMetric(name: string, m: IMetric | IReducer | ICombiner, secs: number): IMetric {
    if (this.openOrPrepareWasCalled) {
      throw new RuntimeException(
        'TopologyContext.registerMetric can only be called from within overridden IBolt::prepare() or ISpout::open() method.',
      );
    }
    if (m == null) throw new IllegalArgumentException('Cannot register a null metric');
    const bucket = Number(secs);
    if (!(bucket >= 1)) {
      throw new IllegalArgumentException(
        'TopologyContext.registerMetric can only be called with timeBucketSizeInSecs greater than or equal to 1 second.',
      );
    }
    if (this.getRegisteredMetricByName(name) !== null) {
      throw new RuntimeException(`The same metric name \`${name}\` was registered twice.`);
    }
    let metric: IMetric;
    if (typeof (m as IMetric).getValueAndReset === 'function') metric = m as IMetric;
    else if (typeof (m as IReducer).reduce === 'function') metric = new ReducedMetric(m as IReducer);
    else if (typeof (m as ICombiner).combine === 'function') metric = new CombinedMetric(m as ICombiner);
    else throw new IllegalArgumentException('registerMetric expects an IMetric, an IReducer or an ICombiner');
    this.registeredMetrics.push({ name, metric, bucketSecs: Math.trunc(bucket) });
    return metric;
  }

  getRegisteredMetricByName(name: string): IMetric | null {
    return this.registeredMetrics.find((r) => r.name === name)?.metric ?? null;
  }

  private v2<T>(name: string, make: () => T): T {
    const existing = this.registeredV2Metrics.get(name);
    if (existing !== undefined) return existing as T;
    const m = make();
    this.registeredV2Metrics.set(name, m);
    return m;
  }
  registerCounter(name: string): Counter {
    return this.v2(name, () => new Counter());
  }
  registerMeter(name: string): Meter {
    return this.v2(name, () => new Meter());
  }
  registerHistogram(name: string): Histogram {
    return this.v2(name, () => new Histogram());
  }
  registerTimer(name: string): Timer {
    return this.v2(name, () => new Timer());
  }
  registerGauge<T>(name: string, gauge: Gauge<T>): Gauge<T> {
    return this.v2(name, () => gauge);
  }
  registerMetricSet(prefix: string, set: { getMetrics(): Map<string, unknown> | Record<string, unknown> }): void {
    const ms = set.getMetrics();
    for (const [k, v] of ms instanceof Map ? ms : Object.entries(ms)) this.registeredV2Metrics.set(`${prefix}.${k}`, v);
  }

  /** The multilang handshake `context` (§11). */
  toJSONString(): string {
    const groupingJson = (g: Grouping): Record<string, unknown> => {
      const out: Record<string, unknown> = { type: g.getSetField().toUpperCase() };
      if (g.is_set_fields()) out.fields = g.get_fields();
      return out;
    };
    const taskToComponent: Record<string, string> = {};
    for (const [t, c] of this.taskToComponent) taskToComponent[String(t)] = c;
    const targets: Record<string, Record<string, unknown>> = {};
    for (const [stream, m] of this.getThisTargets()) {
      targets[stream] = {};
      for (const [c, g] of m) targets[stream][c] = groupingJson(g);
    }
    const sources: Record<string, Record<string, unknown>> = {};
    for (const [gsid, g] of this.getThisSources()) {
      (sources[gsid.get_componentId()] ??= {})[gsid.get_streamId()] = groupingJson(g);
    }
    const inputFields: Record<string, Record<string, string[]>> = {};
    for (const [c, m] of this.getThisInputFields()) inputFields[c] = Object.fromEntries(m);
    return JSON.stringify({
      'task->component': taskToComponent,
      taskid: this.taskId,
      componentid: this.getThisComponentId(),
      streams: [...this.getThisStreams()],
      'stream->outputfields': this.getThisOutputFieldsForStreams(),
      'stream->target->grouping': targets,
      'source->stream->grouping': sources,
      'source->stream->fields': inputFields,
    });
  }
}
