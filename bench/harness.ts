/**
 * What runs inside one variant's child process: the measured run of a variant, the latency
 * histogram, pacing, and the shape of the JSON line the child hands back to the orchestrator.
 */

/** Wall-clock milliseconds comparable across processes and worker threads. */
export function stamp(): number {
  return performance.timeOrigin + performance.now();
}

/**
 * Latency histogram in milliseconds: 1 µs buckets up to 10 ms, 100 µs buckets up to 1 s, then one
 * overflow bucket. A fixed array keeps recording allocation-free at millions of samples per second.
 */
export class LatencyHistogram {
  private static readonly FINE = 10_000;
  private static readonly COARSE = 9_900;
  readonly buckets = new Uint32Array(LatencyHistogram.FINE + LatencyHistogram.COARSE + 1);
  count = 0;
  max = 0;

  record(ms: number): void {
    const us = ms * 1000;
    let index: number;
    if (us < 0) index = 0;
    else if (us < LatencyHistogram.FINE) index = us | 0;
    else index = Math.min(LatencyHistogram.FINE + (((us - LatencyHistogram.FINE) / 100) | 0), this.buckets.length - 1);
    this.buckets[index]!++;
    this.count++;
    if (ms > this.max) this.max = ms;
  }

  /** Records the latency of a record stamped at the source with `stamp()`. */
  since(stamped: number): void {
    this.record(performance.timeOrigin + performance.now() - stamped);
  }

  merge(other: { buckets: ArrayLike<number>; count: number; max: number }): void {
    for (let i = 0; i < this.buckets.length; i++) this.buckets[i]! += other.buckets[i]!;
    this.count += other.count;
    if (other.max > this.max) this.max = other.max;
  }

  /** Upper edge of the bucket holding quantile q, in ms. */
  percentile(q: number): number {
    if (this.count === 0) return NaN;
    const rank = Math.ceil(q * this.count);
    let seen = 0;
    for (let i = 0; i < this.buckets.length; i++) {
      seen += this.buckets[i]!;
      if (seen >= rank) {
        const us = i < LatencyHistogram.FINE ? i + 1 : LatencyHistogram.FINE + (i - LatencyHistogram.FINE + 1) * 100;
        return Math.min(us / 1000, this.max);
      }
    }
    return this.max;
  }
}

/** Order-independent summary of a variant's output, checked against a reference implementation. */
export interface Digest {
  /** Output records (e.g. word-count updates). */
  records: number;
  /** A checksum over the output (e.g. the sum of every emitted running count). */
  checksum: number;
}

export function sameDigest(a: Digest, b: Digest): boolean {
  return a.records === b.records && a.checksum === b.checksum;
}

/**
 * One run of a variant. Without `rate` it processes input records [0, count) as fast as it can;
 * with `rate` its source emits at that many records/s, stamps each with `stamp()` and the sink
 * records end-to-end latency into `latency`.
 */
export interface RunRequest {
  count: number;
  /** Records at the start of this run that are warm-up (singleRun workloads); 0 otherwise. */
  warm?: number;
  rate?: number;
  latency?: LatencyHistogram;
}

export interface VariantImpl {
  run(request: RunRequest): Promise<Digest>;
  /** false: this variant has no paced source, so no latency run. */
  readonly latency?: false;
  /**
   * Optional: when a variant has start-up work that must not count (worker threads), the
   * measured interval in ms it observed itself, from first record in to last record out.
   */
  lastSteadyMs?(): number | undefined;
  /** Likewise the CPU ms of that interval, when start-up CPU must not count either. */
  lastCpuMs?(): number | undefined;
  /** Records in that interval, when it does not cover the whole run (see `singleRun`). */
  lastSteadyRecords?(): number | undefined;
  /**
   * Worker-thread variants: each worker thread's CPU ms over the whole run, start-up included, as
   * the runtime reports it (`worker_cpu_seconds_total`). The busiest thread caps throughput, and
   * it moves far less than throughput with what else the machine runs.
   */
  lastThreadCpuMs?(): readonly number[] | undefined;
  close?(): Promise<void>;
  /**
   * Calibration and measured runs process at least this many records. Worker-thread variants start
   * fresh threads with uncompiled code on every run; a run sized from a short cold one would
   * measure little but the interpreter.
   */
  readonly minCount?: number;
}

export interface WorkloadModule {
  /** Variant names this workload implements, in display order. */
  readonly variants: readonly string[];
  /**
   * For workloads whose every run has seconds of fixed start-up (a Kafka consumer group join): one
   * run per measurement instead of calibrating, the first `warmRecords` records being the warm-up
   * and the next `expectedRate × measureMs` the measured part (the variant times that part itself).
   */
  readonly singleRun?: { warmRecords: number; expectedRate: number };
  /** Variants the report compares every other one against (default hand-loop and native). */
  readonly baselines?: readonly string[];
  /** With --quick, only these variants run (the others are listed as skipped); default all. */
  readonly quickVariants?: readonly string[];
  /** Variants deliberately not implemented, with the reason printed in the report. */
  readonly notApplicable: Readonly<Record<string, string>>;
  /** Records of the first calibration run; calibration doubles it until it takes long enough. */
  readonly initialCount: number;
  /** Measured runs of this workload last at least this long (e.g. to span several checkpoints). */
  readonly minMeasureMs?: number;
  /** false: no paced latency run (the output is periodic, e.g. a ranking per tick). */
  readonly latency?: boolean;
  /** What one record is, for the report ("sentences", "lookups"). */
  readonly unit: string;
  /** A reason the whole workload cannot run here (a missing service or module), or undefined. */
  unavailable?(): Promise<string | undefined>;
  /**
   * Runs in the bench process before the workload's runs (start a broker, fill a topic); what it
   * returns reaches every child as `params.extra`. A throw makes the workload "not available".
   */
  setup?(): Promise<Record<string, unknown>>;
  teardown?(): Promise<void>;
  /** Cap on the records of one run (e.g. what the input topic holds). */
  readonly maxCount?: number;
  /** A reason one variant cannot run here (e.g. the compat executor is missing), or undefined. */
  variantUnavailable?(variant: string): Promise<string | undefined>;
  create(variant: string, params: ChildParams): Promise<VariantImpl>;
  /** The expected digest for `count` input records, from a plain reference implementation. */
  reference(count: number): Digest;
}

/** Knobs the orchestrator passes to each child. */
export interface ChildParams {
  /** Calibration (and warm-up) runs double their input until one takes at least this long. */
  warmupMs: number;
  /** Target duration of the measured run. */
  measureMs: number;
  /** Duration of the paced run at `latencyLoad` × the measured rate; 0 skips it. */
  latencyMs: number;
  latencyLoad: number;
  /** Safety cap on the records of one run. */
  maxCount: number;
  /** Workload-specific options (brokers, …). */
  extra?: Record<string, unknown>;
}

/** The JSON line a child prints (prefixed with RESULT_PREFIX). */
export interface RunResult {
  workload: string;
  variant: string;
  ok: boolean;
  error?: string;
  records: number;
  seconds: number;
  recordsPerSec: number;
  /** Process CPU (user + system, all threads) per million input records. */
  cpuSecPerMillion: number;
  latency?: { p50: number; p99: number; max: number; samples: number; rate: number; seconds: number };
  /** Peak resident set size of the child, MB (getrusage maxrss: includes start-up and warm-up). */
  peakRssMB: number;
  calibrationRuns: number;
  /** Times the measured run was re-sized because it came out under half the target duration. */
  resized?: number;
  /** Wall time of the whole child process, s (set by the orchestrator). */
  childSeconds?: number;
  /** Worker-thread variants: CPU ms of each worker thread in the measured run (see VariantImpl). */
  threadCpuMs?: number[];
}

export const RESULT_PREFIX = 'BENCH-RESULT ';

/** Cheap sources of pacing: emit what is due, then yield to the event loop for ~1 ms. */
export function pace(rate: number, count: number, emitUpTo: (end: number) => void, done: () => void): void {
  const started = performance.now();
  let emitted = 0;
  const tick = (): void => {
    const due = Math.min(count, Math.floor(((performance.now() - started) / 1000) * rate));
    if (due > emitted) {
      emitUpTo(due);
      emitted = due;
    }
    if (emitted >= count) done();
    else setTimeout(tick, 1);
  };
  tick();
}

export interface Measured {
  digest: Digest;
  ms: number;
  cpuMs: number;
  /** Records the timed interval covers. */
  records: number;
  threadCpuMs: readonly number[] | undefined;
}

export async function measure(impl: VariantImpl, request: RunRequest): Promise<Measured> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const digest = await impl.run(request);
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const steady = impl.lastSteadyMs?.();
  return {
    digest,
    ms: steady ?? wall,
    cpuMs: impl.lastCpuMs?.() ?? (cpu.user + cpu.system) / 1000,
    records: impl.lastSteadyRecords?.() ?? request.count,
    threadCpuMs: impl.lastThreadCpuMs?.(),
  };
}
