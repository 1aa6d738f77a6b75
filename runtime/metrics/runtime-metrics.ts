/**
 * Runtime metrics. Hot paths (per record) only touch plain numeric fields on small objects handed
 * out here; prom-client reads those fields when it is scraped, through collect() callbacks. So a
 * record costs an increment, never a label lookup.
 *
 * Exported series (prefix defaults to `stormshift_`):
 *
 *   records_in_total{job_name,operator,subtask}          counter    records received by an operator subtask
 *   records_out_total{job_name,operator,subtask}         counter    records emitted
 *   operator_errors_total{job_name,operator,subtask}     counter    records whose user function threw
 *   operator_latency_seconds{job_name,operator,subtask}  histogram  per-record processing time
 *   operator_busy_seconds_total{job_name,operator,subtask} counter  time inside the operator's chain, sampled
 *   channel_fill_ratio{job_name,from,to}                 gauge      queued / capacity of a channel (1 = backpressure)
 *   backpressure_seconds_total{job_name,from,to}         counter    time producers spent blocked on a full channel
 *   checkpoint_duration_seconds{job_name}                histogram  trigger → durable
 *   checkpoint_size_bytes{job_name}                      gauge      size of the last completed checkpoint
 *   checkpoints_total{job_name,outcome}                  counter    outcome = completed | failed
 *   async_inflight{job_name,operator,subtask}            gauge      async I/O requests in flight
 *   async_timeouts_total{job_name,operator,subtask}      counter
 *   async_retries_total{job_name,operator,subtask}       counter
 *   async_cache_hits_total{job_name,operator,subtask}    counter
 *   async_cache_misses_total{job_name,operator,subtask}  counter
 *   job_running{job_name}                                gauge      1 while running, 0 when restarting or ended
 *   job_restarts_total{job_name}                         counter    restarts after failures
 *   job_backpressured_seconds_total{job_name}            counter    time the sources were held back by a full sink or async I/O
 *   worker_cpu_seconds_total{job_name,worker}            counter    CPU time of each worker thread (Linux; jobs on --workers)
 *
 * The job label is `job_name`, not `job`: Prometheus sets `job` to the scrape job itself, and a
 * series carrying its own `job` either overwrites it or is renamed `exported_job`. Durations are in
 * seconds (Prometheus's base unit) although they are recorded in ms: they are scaled at scrape time.
 *
 * Counters are absolute values read from the fields, so the objects are kept per
 * (job, operator, subtask): a job restarted in the same process gets the same object back and its
 * counters keep growing instead of resetting.
 */
import type { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { ConfigError } from '../errors.ts';
import { createFoldedHistogram } from './folded-histogram.ts';
import { promClient } from './prom-client.ts';
import { CHECKPOINT_BUCKETS_MS, LATENCY_BUCKETS_MS, LatencyRecorder } from './latency-recorder.ts';

export class OperatorMetrics {
  recordsIn = 0;
  recordsOut = 0;
  errors = 0;
  /**
   * Estimated ms spent inside this operator's chain (and whatever it calls synchronously), from
   * one timed record in BUSY_SAMPLE_EVERY; sources add each poll's batch time. Read as busy time.
   */
  busyMs = 0;
  /** Counts down to the next timed record. */
  busySampleCountdown = 0;
  /** How many records the next timed record stands for: the stretch its countdown started. */
  busySampleWeight = 1;
  readonly latency = new LatencyRecorder(LATENCY_BUCKETS_MS);
  constructor(
    readonly job: string,
    readonly operator: string,
    readonly subtask: number,
  ) {}
}

export class ChannelMetrics {
  queued = 0;
  capacity = 0;
  blockedMs = 0;
  constructor(
    readonly job: string,
    readonly from: string,
    readonly to: string,
  ) {}
  get fillRatio(): number {
    return this.capacity > 0 ? Math.min(1, this.queued / this.capacity) : 0;
  }
}

export class AsyncIoMetrics {
  inFlight = 0;
  timeouts = 0;
  retries = 0;
  cacheHits = 0;
  cacheMisses = 0;
  constructor(
    readonly job: string,
    readonly operator: string,
    readonly subtask: number,
  ) {}
}

/**
 * One worker thread of a job (`workers` > 1): its CPU time, summed over the job's incarnations.
 * Throughput on workers is capped by the busiest thread, so its CPU against the others' says
 * whether the work is spread evenly or one thread carries the rest.
 */
export class WorkerThreadMetrics {
  cpuMs = 0;
  constructor(
    readonly job: string,
    readonly worker: number,
  ) {}
}

/** One entry of a job's checkpoint history (the console shows the last HISTORY_SIZE). */
export interface CheckpointHistoryEntry {
  id: number | undefined;
  status: 'completed' | 'failed';
  /** ms epoch when it completed or failed */
  at: number;
  durationMs: number | undefined;
  sizeBytes: number | undefined;
  failureReason: string | undefined;
}

/**
 * Time one record in this many on channel inputs (see OperatorMetrics.busyMs). A timed record
 * costs two performance.now() calls (~15 ns each, a call into C++): at 1 in 16 they were 3% of a
 * native word count's profile; at 1 in 64 an operator still gets thousands of samples a second.
 */
export const BUSY_SAMPLE_EVERY = 64;

/**
 * A timed record that took at least this long makes the next record timed too. Against ~30 µs of
 * work the timing's ~30 ns is 0.1%, and a slow operator gets only a few samples a second at 1 in
 * 64: under CPU contention one sample preempted for a scheduler slice (or one not) swung its busy
 * time by tens of percent, and on one thread the error lands in the upstream's own time, so the
 * console showed a backpressured source as not backpressured.
 */
export const BUSY_TIME_EVERY_RECORD_MS = 0.03;

export class CheckpointMetrics {
  static readonly HISTORY_SIZE = 10;
  readonly history: CheckpointHistoryEntry[] = [];
  completedCount = 0;
  failedCount = 0;
  lastCompletedId: number | undefined;
  /** ms epoch */
  lastCompletedAt: number | undefined;
  lastDurationMs: number | undefined;
  lastSizeBytes: number | undefined;
  lastFailureReason: string | undefined;
  readonly duration = new LatencyRecorder(CHECKPOINT_BUCKETS_MS);
  constructor(
    readonly job: string,
    private readonly now: () => number = Date.now,
  ) {}

  completed(durationMs: number, bytes: number, id?: number): void {
    this.completedCount++;
    this.duration.observe(durationMs);
    this.lastDurationMs = durationMs;
    this.lastSizeBytes = bytes;
    this.lastCompletedAt = this.now();
    // Without an id we do not guess one: ids are not consecutive once a checkpoint has failed.
    this.lastCompletedId = id;
    this.remember({
      id,
      status: 'completed',
      at: this.lastCompletedAt ?? this.now(),
      durationMs,
      sizeBytes: bytes,
      failureReason: undefined,
    });
  }

  private remember(entry: CheckpointHistoryEntry): void {
    this.history.push(entry);
    if (this.history.length > CheckpointMetrics.HISTORY_SIZE) this.history.shift();
  }

  /** `reason` is kept for status output only; it never becomes a label (unbounded cardinality). */
  failed(reason: string): void {
    this.failedCount++;
    this.lastFailureReason = reason;
    this.remember({
      id: undefined,
      status: 'failed',
      at: this.now(),
      durationMs: undefined,
      sizeBytes: undefined,
      failureReason: reason,
    });
  }
}

export interface OperatorTotals {
  recordsIn: number;
  recordsOut: number;
  errors: number;
  subtasks: number;
}

export interface JobMetricsSnapshot {
  operators: Record<string, OperatorTotals>;
  recordsIn: number;
  recordsOut: number;
  errors: number;
  checkpoints: {
    completed: number;
    failed: number;
    lastCompletedId: number | undefined;
    lastCompletedAt: number | undefined;
    lastDurationMs: number | undefined;
    lastSizeBytes: number | undefined;
    lastFailureReason: string | undefined;
  };
  /** total ms producers spent blocked on full channels */
  backpressureMs: number;
  /** fullest channel right now, 0..1 */
  maxChannelFill: number;
  asyncInFlight: number;
}

export interface MetricsSnapshot {
  jobs: Record<string, JobMetricsSnapshot>;
}

export interface RuntimeMetricsOptions {
  registry?: Registry;
  prefix?: string;
  defaultLabels?: Record<string, string>;
}

const SEP = '\u0000';
const OP_LABELS = ['job_name', 'operator', 'subtask'] as const;
const CHANNEL_LABELS = ['job_name', 'from', 'to'] as const;

type AnyMetric = Counter<string> | Gauge<string> | Histogram<string>;

export class RuntimeMetrics {
  private ownRegistry: Registry | undefined;
  private readonly defaultLabels: Record<string, string> | undefined;
  readonly prefix: string;
  private readonly operators = new Map<string, OperatorMetrics>();
  private readonly channels = new Map<string, ChannelMetrics>();
  private readonly checkpointsByJob = new Map<string, CheckpointMetrics>();
  private readonly asyncOps = new Map<string, AsyncIoMetrics>();
  private readonly workerThreads = new Map<string, WorkerThreadMetrics>();
  private readonly custom = new Map<string, { kind: 'gauge' | 'counter' | 'histogram'; metric: AnyMetric }>();
  private readonly jobStatus = new Map<string, () => { state: string; restarts: number; backpressureMs: number }>();
  private readonly counterReaders = new Map<string, Set<() => Iterable<readonly [Record<string, string>, number]>>>();

  constructor(options: RuntimeMetricsOptions = {}) {
    this.prefix = options.prefix ?? 'stormshift_';
    if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$|^$/.test(this.prefix))
      throw new ConfigError(`metrics 'prefix' must be a valid Prometheus name prefix, got '${this.prefix}'`);
    this.defaultLabels = options.defaultLabels;
    // A shared registry is filled at once, so a clash with what it holds shows here; a registry
    // of our own cannot clash and is made (prom-client loaded) only when something reads it.
    if (options.registry !== undefined) this.setUp(options.registry);
  }

  /** The prom-client registry holding every series (built-in and connector metrics). */
  get registry(): Registry {
    return this.ownRegistry ?? this.setUp(new (promClient().Registry)());
  }

  private setUp(registry: Registry): Registry {
    this.ownRegistry = registry;
    if (this.defaultLabels !== undefined) registry.setDefaultLabels(this.defaultLabels);
    try {
      this.registerBuiltins();
    } catch (error) {
      // Typically a second RuntimeMetrics on a shared registry with the same prefix.
      throw new ConfigError(
        `cannot register runtime metrics with prefix '${this.prefix}': ${(error as Error).message}`,
        { cause: error },
      );
    }
    return registry;
  }

  operator(job: string, operator: string, subtask: number): OperatorMetrics {
    const key = job + SEP + operator + SEP + subtask;
    let m = this.operators.get(key);
    if (m === undefined) this.operators.set(key, (m = new OperatorMetrics(job, operator, subtask)));
    return m;
  }

  channel(job: string, from: string, to: string): ChannelMetrics {
    const key = job + SEP + from + SEP + to;
    let m = this.channels.get(key);
    if (m === undefined) this.channels.set(key, (m = new ChannelMetrics(job, from, to)));
    return m;
  }

  checkpoints(job: string): CheckpointMetrics {
    let m = this.checkpointsByJob.get(job);
    if (m === undefined) this.checkpointsByJob.set(job, (m = new CheckpointMetrics(job)));
    return m;
  }

  asyncIo(job: string, operator: string, subtask: number): AsyncIoMetrics {
    const key = job + SEP + operator + SEP + subtask;
    let m = this.asyncOps.get(key);
    if (m === undefined) this.asyncOps.set(key, (m = new AsyncIoMetrics(job, operator, subtask)));
    return m;
  }

  workerThread(job: string, worker: number): WorkerThreadMetrics {
    const key = job + SEP + worker;
    let m = this.workerThreads.get(key);
    if (m === undefined) this.workerThreads.set(key, (m = new WorkerThreadMetrics(job, worker)));
    return m;
  }

  /** The worker threads of one job, by worker index (empty when it runs on the main thread). */
  workerThreadsOf(job: string): WorkerThreadMetrics[] {
    return [...this.workerThreads.values()].filter((m) => m.job === job).sort((a, b) => a.worker - b.worker);
  }

  /**
   * Connector metrics (Kafka lag...). The prefix is added unless the name already has it. Asking
   * twice for the same name returns the same metric, so every subtask of a connector can call this.
   */
  gauge(name: string, help: string, labelNames: readonly string[] = []): Gauge<string> {
    return this.customMetric(
      'gauge',
      name,
      () =>
        new (promClient().Gauge)({
          name: this.fullName(name),
          help,
          labelNames: [...labelNames],
          registers: [this.registry],
        }),
    ) as Gauge<string>;
  }

  counter(name: string, help: string, labelNames: readonly string[] = []): Counter<string> {
    return this.customMetric(
      'counter',
      name,
      () =>
        new (promClient().Counter)({
          name: this.fullName(name),
          help,
          labelNames: [...labelNames],
          registers: [this.registry],
        }),
    ) as Counter<string>;
  }

  histogram(
    name: string,
    help: string,
    labelNames: readonly string[] = [],
    buckets?: readonly number[],
  ): Histogram<string> {
    return this.customMetric(
      'histogram',
      name,
      () =>
        new (promClient().Histogram)({
          name: this.fullName(name),
          help,
          labelNames: [...labelNames],
          registers: [this.registry],
          ...(buckets ? { buckets: [...buckets] } : {}),
        }),
    ) as Histogram<string>;
  }

  /**
   * A counter whose values are read at scrape time from totals kept elsewhere (Storm's per-component
   * counts): `read` yields (labels, cumulative value) pairs. Asking twice for a name returns the same
   * counter; the readers of every caller are summed per label set.
   */
  counterFrom(
    name: string,
    help: string,
    labelNames: readonly string[],
    read: () => Iterable<readonly [Record<string, string>, number]>,
  ): () => void {
    const full = this.fullName(name);
    let readers = this.counterReaders.get(full);
    if (readers === undefined) {
      const set = (readers = new Set());
      this.counterReaders.set(full, set);
      this.customMetric(
        'counter',
        name,
        () =>
          new (promClient().Counter)({
            name: full,
            help,
            labelNames: [...labelNames],
            registers: [this.registry],
            collect() {
              this.reset();
              for (const reader of set) for (const [labels, value] of reader()) if (value >= 0) this.inc(labels, value);
            },
          }),
      );
    }
    readers.add(read);
    const own = readers;
    return () => own.delete(read);
  }

  /** A running job's status, read at scrape time (job_running, job_restarts_total, ...). */
  trackJob(job: string, status: () => { state: string; restarts: number; backpressureMs: number }): void {
    this.jobStatus.set(job, status);
  }

  /** Plain totals for a CLI status line. */
  snapshot(): MetricsSnapshot {
    const jobs: Record<string, JobMetricsSnapshot> = {};
    const jobOf = (job: string): JobMetricsSnapshot =>
      (jobs[job] ??= {
        operators: {},
        recordsIn: 0,
        recordsOut: 0,
        errors: 0,
        checkpoints: {
          completed: 0,
          failed: 0,
          lastCompletedId: undefined,
          lastCompletedAt: undefined,
          lastDurationMs: undefined,
          lastSizeBytes: undefined,
          lastFailureReason: undefined,
        },
        backpressureMs: 0,
        maxChannelFill: 0,
        asyncInFlight: 0,
      });
    for (const m of this.operators.values()) {
      const j = jobOf(m.job);
      const op = (j.operators[m.operator] ??= { recordsIn: 0, recordsOut: 0, errors: 0, subtasks: 0 });
      op.recordsIn += m.recordsIn;
      op.recordsOut += m.recordsOut;
      op.errors += m.errors;
      op.subtasks++;
      j.recordsIn += m.recordsIn;
      j.recordsOut += m.recordsOut;
      j.errors += m.errors;
    }
    for (const c of this.channels.values()) {
      const j = jobOf(c.job);
      j.backpressureMs += c.blockedMs;
      j.maxChannelFill = Math.max(j.maxChannelFill, c.fillRatio);
    }
    for (const c of this.checkpointsByJob.values()) {
      jobOf(c.job).checkpoints = {
        completed: c.completedCount,
        failed: c.failedCount,
        lastCompletedId: c.lastCompletedId,
        lastCompletedAt: c.lastCompletedAt,
        lastDurationMs: c.lastDurationMs,
        lastSizeBytes: c.lastSizeBytes,
        lastFailureReason: c.lastFailureReason,
      };
    }
    for (const a of this.asyncOps.values()) jobOf(a.job).asyncInFlight += a.inFlight;
    return { jobs };
  }

  /** Every operator subtask's live metrics object of one job (read-only use: status pages). */
  operatorsOf(job: string): OperatorMetrics[] {
    return [...this.operators.values()].filter((m) => m.job === job);
  }

  /** Every async I/O subtask's live metrics object of one job. */
  asyncOf(job: string): AsyncIoMetrics[] {
    return [...this.asyncOps.values()].filter((m) => m.job === job);
  }

  /** Forgets a finished job: its series disappear from the next scrape. */
  remove(job: string): void {
    for (const map of [this.operators, this.channels, this.asyncOps, this.workerThreads] as Array<
      Map<string, { job: string }>
    >) {
      for (const [key, m] of map) if (m.job === job) map.delete(key);
    }
    this.checkpointsByJob.delete(job);
    this.jobStatus.delete(job);
  }

  private fullName(name: string): string {
    return name.startsWith(this.prefix) ? name : this.prefix + name;
  }

  private customMetric(kind: 'gauge' | 'counter' | 'histogram', name: string, create: () => AnyMetric): AnyMetric {
    const full = this.fullName(name);
    const existing = this.custom.get(full);
    if (existing !== undefined) {
      if (existing.kind !== kind)
        throw new ConfigError(`metric '${full}' is already registered as a ${existing.kind}, not a ${kind}`);
      return existing.metric;
    }
    let metric: AnyMetric;
    try {
      metric = create();
    } catch (error) {
      throw new ConfigError(`cannot register metric '${full}': ${(error as Error).message}`, { cause: error });
    }
    this.custom.set(full, { kind, metric });
    return metric;
  }

  private registerBuiltins(): void {
    const { Counter, Gauge } = promClient();
    const p = this.prefix;
    const registers = [this.registry];
    const operators = this.operators;
    const channels = this.channels;
    const checkpoints = this.checkpointsByJob;
    const asyncOps = this.asyncOps;
    const opLabels = (m: { job: string; operator: string; subtask: number }) => ({
      job_name: m.job,
      operator: m.operator,
      subtask: m.subtask,
    });

    // reset() before refilling: series of removed jobs must not linger.
    const opCounter = (name: string, help: string, read: (m: OperatorMetrics) => number) =>
      new Counter({
        name: p + name,
        help,
        labelNames: OP_LABELS,
        registers,
        collect() {
          this.reset();
          for (const m of operators.values()) this.inc(opLabels(m), read(m));
        },
      });
    opCounter('records_in_total', 'Records received by an operator subtask', (m) => m.recordsIn);
    opCounter('records_out_total', 'Records emitted by an operator subtask', (m) => m.recordsOut);
    opCounter('operator_errors_total', 'Records on which the user function threw', (m) => m.errors);
    opCounter(
      'operator_busy_seconds_total',
      'Estimated time spent inside an operator chain subtask (sampled), in seconds',
      (m) => m.busyMs / 1000,
    );
    createFoldedHistogram({
      name: p + 'operator_latency_seconds',
      help: 'Per-record processing time of an operator, in seconds',
      labelNames: OP_LABELS,
      buckets: LATENCY_BUCKETS_MS,
      registry: this.registry,
      scale: 1 / 1000,
      source: function* () {
        for (const m of operators.values()) yield [opLabels(m), m.latency] as const;
      },
    });

    new Gauge({
      name: p + 'channel_fill_ratio',
      help: 'Queued records / capacity of a channel; 1 means the producer is backpressured',
      labelNames: CHANNEL_LABELS,
      registers,
      collect() {
        this.reset();
        for (const c of channels.values()) this.set({ job_name: c.job, from: c.from, to: c.to }, c.fillRatio);
      },
    });
    new Counter({
      name: p + 'backpressure_seconds_total',
      help: 'Seconds producers spent blocked on a full channel',
      labelNames: CHANNEL_LABELS,
      registers,
      collect() {
        this.reset();
        for (const c of channels.values()) this.inc({ job_name: c.job, from: c.from, to: c.to }, c.blockedMs / 1000);
      },
    });

    createFoldedHistogram({
      name: p + 'checkpoint_duration_seconds',
      help: 'Checkpoint duration from trigger to durable, in seconds',
      labelNames: ['job_name'],
      buckets: CHECKPOINT_BUCKETS_MS,
      registry: this.registry,
      scale: 1 / 1000,
      source: function* () {
        for (const c of checkpoints.values()) yield [{ job_name: c.job }, c.duration] as const;
      },
    });
    new Gauge({
      name: p + 'checkpoint_size_bytes',
      help: 'Size of the last completed checkpoint, in bytes',
      labelNames: ['job_name'],
      registers,
      collect() {
        this.reset();
        for (const c of checkpoints.values())
          if (c.lastSizeBytes !== undefined) this.set({ job_name: c.job }, c.lastSizeBytes);
      },
    });
    new Counter({
      name: p + 'checkpoints_total',
      help: 'Checkpoints by outcome',
      labelNames: ['job_name', 'outcome'],
      registers,
      collect() {
        this.reset();
        for (const c of checkpoints.values()) {
          this.inc({ job_name: c.job, outcome: 'completed' }, c.completedCount);
          this.inc({ job_name: c.job, outcome: 'failed' }, c.failedCount);
        }
      },
    });

    new Gauge({
      name: p + 'async_inflight',
      help: 'Async I/O requests in flight',
      labelNames: OP_LABELS,
      registers,
      collect() {
        this.reset();
        for (const a of asyncOps.values()) this.set(opLabels(a), a.inFlight);
      },
    });
    const asyncCounter = (name: string, help: string, read: (a: AsyncIoMetrics) => number) =>
      new Counter({
        name: p + name,
        help,
        labelNames: OP_LABELS,
        registers,
        collect() {
          this.reset();
          for (const a of asyncOps.values()) this.inc(opLabels(a), read(a));
        },
      });
    const workerThreads = this.workerThreads;
    new Counter({
      name: p + 'worker_cpu_seconds_total',
      help: 'CPU time of each worker thread of a job on worker threads, in seconds (Linux only)',
      labelNames: ['job_name', 'worker'],
      registers,
      collect() {
        this.reset();
        for (const w of workerThreads.values()) this.inc({ job_name: w.job, worker: w.worker }, w.cpuMs / 1000);
      },
    });
    const jobStatus = this.jobStatus;
    new Gauge({
      name: p + 'job_running',
      help: '1 while the job runs, 0 while it restarts or after it ended',
      labelNames: ['job_name'],
      registers,
      collect() {
        this.reset();
        for (const [job, status] of jobStatus) this.set({ job_name: job }, status().state === 'running' ? 1 : 0);
      },
    });
    new Counter({
      name: p + 'job_restarts_total',
      help: 'Restarts of the job after failures',
      labelNames: ['job_name'],
      registers,
      collect() {
        this.reset();
        for (const [job, status] of jobStatus) this.inc({ job_name: job }, status().restarts);
      },
    });
    new Counter({
      name: p + 'job_backpressured_seconds_total',
      help: 'Seconds the sources were held back by a full sink, async I/O or bolt queue',
      labelNames: ['job_name'],
      registers,
      collect() {
        this.reset();
        for (const [job, status] of jobStatus) this.inc({ job_name: job }, status().backpressureMs / 1000);
      },
    });
    asyncCounter('async_timeouts_total', 'Async I/O requests that timed out', (a) => a.timeouts);
    asyncCounter('async_retries_total', 'Async I/O requests retried', (a) => a.retries);
    asyncCounter('async_cache_hits_total', 'Async I/O lookups answered by the cache', (a) => a.cacheHits);
    asyncCounter('async_cache_misses_total', 'Async I/O lookups that missed the cache', (a) => a.cacheMisses);
  }
}
