/**
 * The jobs one console shows, and the numbers it derives from their public status: per vertex
 * (a chain of the plan, as in Flink) records in/out, throughput, and busy / idle / backpressured
 * ratios from the change of sampled busy time between two samples.
 */
import type { JobDescription, JobHandle, RuntimeMetrics } from '../runtime/index.ts';
import type { LocalCluster, TopologyRun } from '../compat/index.ts';
import type { Clock } from './clock.ts';
import { RollingTotals } from './rolling.ts';

/** A Storm topology behind a job: what the Storm UI pages and actions need. */
export interface StormJob {
  run: TopologyRun;
  cluster: LocalCluster;
}

export interface ConsoleJobSpec {
  handle: JobHandle;
  storm?: StormJob;
}

export type BackpressureLevel = 'ok' | 'low' | 'high';

/** Flink's thresholds: ok ≤ 0.10 < low ≤ 0.5 < high. */
export function backpressureLevel(ratio: number): BackpressureLevel {
  return ratio <= 0.1 ? 'ok' : ratio <= 0.5 ? 'low' : 'high';
}

export interface SubtaskRatios {
  subtask: number;
  busyRatio: number;
  idleRatio: number;
  backPressuredRatio: number;
  level: BackpressureLevel;
}

export interface VertexView {
  id: string;
  index: number;
  name: string;
  operators: string[];
  parallelism: number;
  isSource: boolean;
  recordsIn: number;
  recordsOut: number;
  /** records out per second over the ratio window */
  recordsOutPerSecond: number;
  recordsInPerSecond: number;
  busyRatio: number;
  idleRatio: number;
  backPressuredRatio: number;
  level: BackpressureLevel;
  subtasks: SubtaskRatios[];
  errors: number;
}

interface Sample {
  at: number;
  /** per vertex index: per subtask busy ms of the head operator */
  busy: number[][];
  /** per vertex index: per subtask records out of the vertex's last operator */
  out: number[][];
  inTotals: number[];
  blockedMs: number;
  /** ms the event loop sat idle so far (performance.eventLoopUtilization) */
  loopIdleMs: number;
}

/**
 * Ratios are computed over at least this much time between two samples. Shorter than the page's
 * refresh (3 s), so each refresh's ratios cover only time after the previous refresh: a change is
 * visible, whole, on the second refresh after it.
 */
const RATIO_WINDOW_MS = 2_000;
const SAMPLE_SPACING_MS = 500;

export class ConsoleJob {
  readonly id: string;
  readonly name: string;
  readonly handle: JobHandle;
  readonly storm: StormJob | undefined;
  readonly metrics: RuntimeMetrics;
  readonly rolling: RollingTotals | undefined;
  private readonly samples: Sample[] = [];
  endedAt: number | undefined;
  /**
   * The span (ms since the epoch, this process's clock) the last `vertices()` ratios cover: under
   * load samples come late, and a ratio may still include time from before a change.
   */
  ratioSpan: { from: number; to: number } | undefined;

  constructor(
    spec: ConsoleJobSpec,
    private readonly clock: Clock,
    private readonly ratioWindowMs = RATIO_WINDOW_MS,
  ) {
    this.handle = spec.handle;
    this.storm = spec.storm;
    this.metrics = spec.handle.metrics;
    this.name = spec.handle.jobName;
    this.id = spec.storm?.run.stormId ?? spec.handle.jobName;
    this.rolling = spec.storm ? new RollingTotals(clock, spec.storm.run.launchedAt) : undefined;
    void spec.handle.result.then(
      () => (this.endedAt = this.clock.now()),
      () => (this.endedAt = this.clock.now()),
    );
  }

  describe(): JobDescription {
    return this.handle.describe();
  }

  /** Takes a sample if the last one is old enough; status pages call this before reading ratios. */
  sample(): void {
    const now = this.clock.now();
    const last = this.samples.at(-1);
    if (last !== undefined && now - last.at < SAMPLE_SPACING_MS) return;
    const d = this.describe();
    const ops = new Map<string, Map<number, { busy: number; in: number; out: number }>>();
    for (const m of this.metrics.operatorsOf(this.name)) {
      let bySubtask = ops.get(m.operator);
      if (!bySubtask) ops.set(m.operator, (bySubtask = new Map()));
      bySubtask.set(m.subtask, { busy: m.busyMs, in: m.recordsIn, out: m.recordsOut });
    }
    const busy: number[][] = [];
    const out: number[][] = [];
    const inTotals: number[] = [];
    for (const v of d.vertices) {
      const head = ops.get(v.operators[0]!);
      const tail = ops.get(emittingTail(v.operators, ops));
      busy.push(Array.from({ length: v.parallelism }, (_, i) => head?.get(i)?.busy ?? 0));
      out.push(Array.from({ length: v.parallelism }, (_, i) => tail?.get(i)?.out ?? 0));
      let inTotal = 0;
      for (const s of head?.values() ?? []) inTotal += s.in;
      inTotals.push(inTotal);
    }
    this.samples.push({
      at: now,
      busy,
      out,
      inTotals,
      blockedMs: this.handle.status().backpressureMs,
      loopIdleMs: performance.eventLoopUtilization().idle,
    });
    // Keep enough history to span the ratio window twice.
    while (this.samples.length > 2 && now - this.samples[1]!.at > this.ratioWindowMs * 2) this.samples.shift();
    if (this.rolling) this.rolling.record(this.stormTotals());
  }

  /** Storm's cumulative numbers per component, keyed "<stat>:<component>" (and per task for capacity). */
  stormTotals(): Map<string, number> {
    const totals = new Map<string, number>();
    const run = this.storm?.run;
    if (!run) return totals;
    for (const [component, s] of run.stats) {
      totals.set(`emitted:${component}`, s.emitted);
      totals.set(`transferred:${component}`, s.transferred);
      totals.set(`acked:${component}`, s.acked);
      totals.set(`failed:${component}`, s.failed);
      totals.set(`executed:${component}`, s.executed);
      totals.set(`executeSamples:${component}`, s.executeSamples);
      totals.set(`executeMs:${component}`, s.executeMsTotal);
      totals.set(`processSamples:${component}`, s.processSamples);
      totals.set(`processMs:${component}`, s.processMsTotal);
      totals.set(`completeSamples:${component}`, s.completeSamples);
      totals.set(`completeMs:${component}`, s.completeMsTotal);
      for (const [stream, c] of s.streams) {
        totals.set(streamKey('emitted', component, stream), c.emitted);
        totals.set(streamKey('transferred', component, stream), c.transferred);
        totals.set(streamKey('acked', component, stream), c.acked);
        totals.set(streamKey('failed', component, stream), c.failed);
        totals.set(streamKey('completeSamples', component, stream), c.completeSamples);
        totals.set(streamKey('completeMs', component, stream), c.completeMsTotal);
      }
      for (const c of s.inputs) {
        totals.set(inputKey('executed', component, c), c.executed);
        totals.set(inputKey('acked', component, c), c.acked);
        totals.set(inputKey('failed', component, c), c.failed);
        totals.set(inputKey('executeSamples', component, c), c.executeSamples);
        totals.set(inputKey('executeMs', component, c), c.executeMsTotal);
        totals.set(inputKey('processSamples', component, c), c.processSamples);
        totals.set(inputKey('processMs', component, c), c.processMsTotal);
      }
    }
    for (const [task, t] of run.taskStats) {
      totals.set(`taskExecuted:${task}`, t.executed);
      totals.set(`taskBusyMs:${task}`, t.busyMs);
    }
    return totals;
  }

  vertices(): VertexView[] {
    this.sample();
    const d = this.describe();
    const latest = this.samples.at(-1)!;
    let base: Sample | undefined;
    for (const s of this.samples) if (latest.at - s.at >= this.ratioWindowMs) base = s;
    base ??= this.samples[0];
    this.ratioSpan = { from: base?.at ?? latest.at, to: latest.at };
    const dt = base && latest.at > base.at ? latest.at - base.at : 0;
    const onOneThread = d.threads === 'main';
    const totalsByOperator = new Map<string, { in: number; out: number; errors: number }>();
    for (const m of this.metrics.operatorsOf(this.name)) {
      const t = totalsByOperator.get(m.operator) ?? { in: 0, out: 0, errors: 0 };
      t.in += m.recordsIn;
      t.out += m.recordsOut;
      t.errors += m.errors;
      totalsByOperator.set(m.operator, t);
    }
    const index = new Map(d.vertices.map((v, i) => [v.id, i]));
    const delta = (pick: (s: Sample) => number[][], i: number): number[] => {
      const before = base ? (pick(base)[i] ?? []) : [];
      return (pick(latest)[i] ?? []).map((x, k) => Math.max(0, x - (before[k] ?? 0)));
    };
    const busyDelta = d.vertices.map((_, i) => delta((s) => s.busy, i));
    const outDelta = d.vertices.map((_, i) => delta((s) => s.out, i));
    const inDelta = d.vertices.map((_, i) => Math.max(0, latest.inTotals[i]! - (base?.inTotals[i] ?? 0)));
    const blockedDelta = Math.max(0, latest.blockedMs - (base?.blockedMs ?? 0));
    // Time the thread had nothing to do: a rate-limited source's own pace. Other work on the
    // thread (this server, a test harness) is neither the vertex's pace nor its consumers' need.
    const idleDelta = Math.min(dt, Math.max(0, latest.loopIdleMs - (base?.loopIdleMs ?? latest.loopIdleMs)));

    return d.vertices.map((v, i) => {
      // On one thread a vertex calls its consumers directly: the time they take is time this vertex
      // cannot make progress (Flink's "backpressured"), so it moves from busy to backpressured.
      const downstream = new Array<number>(v.parallelism).fill(0);
      if (onOneThread) {
        const vOut = outDelta[i]!.reduce((a, b) => a + b, 0);
        for (const e of d.edges) {
          if (e.source !== v.id) continue;
          const c = index.get(e.target)!;
          const cBusy = busyDelta[c]!.reduce((a, b) => a + b, 0);
          const cIn = inDelta[c]!;
          if (cIn <= 0 || vOut <= 0) continue;
          const share = Math.min(1, vOut / cIn);
          for (let k = 0; k < v.parallelism; k++) downstream[k]! += cBusy * share * (outDelta[i]![k]! / vOut);
        }
      }
      const subtasks: SubtaskRatios[] = [];
      for (let k = 0; k < v.parallelism; k++) {
        let busyRatio = 0;
        let bp = 0;
        if (dt > 0) {
          // What Flink would show with each vertex on its own thread: over the time W the slower
          // of "this vertex's own work and idle time" and "its consumers' work" needs, this vertex
          // works E and waits whatever its consumers need beyond its own pace.
          const down = Math.min(downstream[k]!, busyDelta[i]![k]!);
          const own = busyDelta[i]![k]! - down;
          const pace = own + idleDelta;
          const w = Math.max(pace, down);
          if (w > 0) {
            busyRatio = clamp(own / w);
            bp = clamp(Math.max(0, down - pace) / w);
          }
          if (v.isSource) bp = clamp(bp + blockedDelta / Math.max(1, v.parallelism) / dt);
          if (busyRatio + bp > 1) busyRatio = 1 - bp;
        }
        subtasks.push({
          subtask: k,
          busyRatio: round(busyRatio),
          idleRatio: round(clamp(1 - busyRatio - bp)),
          backPressuredRatio: round(bp),
          level: backpressureLevel(bp),
        });
      }
      const avg = (f: (s: SubtaskRatios) => number) =>
        round(subtasks.reduce((a, s) => a + f(s), 0) / Math.max(1, subtasks.length));
      const maxBp = subtasks.reduce((a, s) => Math.max(a, s.backPressuredRatio), 0);
      const head = totalsByOperator.get(v.operators[0]!);
      const tail = totalsByOperator.get(emittingTail(v.operators, totalsByOperator));
      const errors = v.operators.reduce((a, o) => a + (totalsByOperator.get(o)?.errors ?? 0), 0);
      return {
        id: String(v.id),
        index: i,
        name: v.name,
        operators: v.operators,
        parallelism: v.parallelism,
        isSource: v.isSource,
        recordsIn: v.isSource ? 0 : (head?.in ?? 0),
        recordsOut: tail?.out ?? 0,
        recordsOutPerSecond: dt > 0 ? round((outDelta[i]!.reduce((a, b) => a + b, 0) * 1000) / dt) : 0,
        recordsInPerSecond: dt > 0 && !v.isSource ? round((inDelta[i]! * 1000) / dt) : 0,
        busyRatio: avg((s) => s.busyRatio),
        idleRatio: avg((s) => s.idleRatio),
        backPressuredRatio: avg((s) => s.backPressuredRatio),
        // Flink reports the worst subtask's level for the vertex.
        level: backpressureLevel(maxBp),
        subtasks,
        errors,
      };
    });
  }
}

/**
 * The operator whose output counts as the vertex's: the last one in the chain that emitted
 * anything. A sink emits nothing, so a chain ending in one shows what reached the sink.
 */
function emittingTail(
  operators: string[],
  totals: Map<string, { out: number } | Map<number, { out: number }>>,
): string {
  for (let i = operators.length - 1; i >= 0; i--) {
    const t = totals.get(operators[i]!);
    const out = t === undefined ? 0 : t instanceof Map ? [...t.values()].reduce((a, s) => a + s.out, 0) : t.out;
    if (out > 0) return operators[i]!;
  }
  return operators.at(-1)!;
}

function clamp(x: number): number {
  return Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0;
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/** The key of a per-stream total; ids may hold ':', so the parts are joined by a control character. */
export function streamKey(stat: string, component: string, stream: string): string {
  return `stream\u0001${stat}\u0001${component}\u0001${stream}`;
}

/** The key of a per-input total of a bolt (its source component and stream), in the same style. */
export function inputKey(stat: string, component: string, input: { component: string; stream: string }): string {
  return `input\u0001${stat}\u0001${component}\u0001${input.component}\u0001${input.stream}`;
}

/** The jobs of this process, by id. */
export class JobSet {
  private readonly jobs = new Map<string, ConsoleJob>();
  constructor(
    readonly clock: Clock,
    /** ms of history behind each ratio (default 2 s); keep it below the page's refresh interval. */
    private readonly ratioWindowMs?: number,
  ) {}

  add(spec: ConsoleJobSpec): ConsoleJob {
    const job = new ConsoleJob(spec, this.clock, this.ratioWindowMs);
    this.jobs.set(job.id, job);
    job.sample();
    return job;
  }

  remove(id: string): void {
    this.jobs.delete(id);
  }

  get(id: string): ConsoleJob | undefined {
    return this.jobs.get(id);
  }

  list(): ConsoleJob[] {
    return [...this.jobs.values()];
  }

  /** Keeps samples fresh between requests (rolling windows need history even if nobody looks). */
  sampleAll(): void {
    for (const job of this.jobs.values()) if (job.endedAt === undefined) job.sample();
  }
}
