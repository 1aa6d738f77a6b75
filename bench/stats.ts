/**
 * Aggregation: medians with min–max over runs, ratios taken pair by pair (run i of A against run i
 * of B, both from the same round of the interleaved schedule), and the issue's targets.
 */
import type { RunResult } from './harness.ts';

export interface Spread {
  median: number;
  min: number;
  max: number;
  n: number;
}

export function spread(values: readonly number[]): Spread | undefined {
  const finite = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (finite.length === 0) return undefined;
  const mid = finite.length >> 1;
  const median = finite.length % 2 === 1 ? finite[mid]! : (finite[mid - 1]! + finite[mid]!) / 2;
  return { median, min: finite[0]!, max: finite.at(-1)!, n: finite.length };
}

export type VariantStatus = 'ok' | 'failed' | 'not-available' | 'not-applicable' | 'skipped';

export interface VariantSummary {
  variant: string;
  status: VariantStatus;
  /** Why the variant did not run, or the first error of a failed run. */
  reason?: string;
  /** Every measured run in round order; `null` where that round's run failed. */
  runs: Array<RunResult | null>;
  recordsPerSec?: Spread;
  latencyP50Ms?: Spread;
  latencyP99Ms?: Spread;
  peakRssMB?: Spread;
  cpuSecPerMillion?: Spread;
}

export interface RatioSummary extends Spread {
  /** records/s of `a` over records/s of `b`, per round. */
  a: string;
  b: string;
  perRound: number[];
}

export interface WorkloadSummary {
  workload: string;
  title: string;
  unit: string;
  /** Why the whole workload was not run, if it was not. */
  unavailable?: string;
  /** Variants the report's "vs" columns compare against (default hand-loop and native). */
  baselines?: string[];
  variants: VariantSummary[];
  ratios: RatioSummary[];
}

export function summarizeVariant(variant: string, runs: Array<RunResult | null>): VariantSummary {
  const ok = runs.filter((r): r is RunResult => r !== null && r.ok);
  const failed = runs.find((r) => r !== null && !r.ok);
  const summary: VariantSummary = {
    variant,
    status: ok.length > 0 && ok.length === runs.length ? 'ok' : 'failed',
    runs: runs.map((r) => (r !== null && r.ok ? r : null)),
  };
  if (summary.status === 'failed') {
    summary.reason =
      failed?.error ??
      (ok.length === 0 ? 'no run finished' : `${runs.length - ok.length} of ${runs.length} runs failed`);
  }
  const put = <K extends 'recordsPerSec' | 'latencyP50Ms' | 'latencyP99Ms' | 'peakRssMB' | 'cpuSecPerMillion'>(
    key: K,
    values: number[],
  ): void => {
    const s = spread(values);
    if (s) summary[key] = s;
  };
  put(
    'recordsPerSec',
    ok.map((r) => r.recordsPerSec),
  );
  put(
    'latencyP50Ms',
    ok.flatMap((r) => (r.latency ? [r.latency.p50] : [])),
  );
  put(
    'latencyP99Ms',
    ok.flatMap((r) => (r.latency ? [r.latency.p99] : [])),
  );
  put(
    'peakRssMB',
    ok.map((r) => r.peakRssMB),
  );
  put(
    'cpuSecPerMillion',
    ok.map((r) => r.cpuSecPerMillion),
  );
  return summary;
}

/** Per-round rates of a variant (NaN where the run failed). */
function rates(summary: VariantSummary | undefined): number[] {
  return summary?.runs.map((r) => (r ? r.recordsPerSec : NaN)) ?? [];
}

export function pairRatios(a: number[], b: number[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const r = a[i]! / b[i]!;
    if (Number.isFinite(r)) out.push(r);
  }
  return out;
}

/** Every ordered pair of variants that both ran, A over B. */
export function allRatios(variants: readonly VariantSummary[]): RatioSummary[] {
  const result: RatioSummary[] = [];
  for (const a of variants) {
    for (const b of variants) {
      if (a === b) continue;
      const perRound = pairRatios(rates(a), rates(b));
      const s = spread(perRound);
      if (s) result.push({ a: a.variant, b: b.variant, perRound, ...s });
    }
  }
  return result;
}

export function summarizeWorkload(
  workload: string,
  title: string,
  unit: string,
  variants: VariantSummary[],
  unavailable?: string,
  baselines?: readonly string[],
): WorkloadSummary {
  return {
    workload,
    title,
    unit,
    ...(unavailable ? { unavailable } : {}),
    ...(baselines ? { baselines: [...baselines] } : {}),
    variants,
    ratios: allRatios(variants),
  };
}

export interface TargetResult {
  id: string;
  /** The workload it is about; absent for targets over every run (peak RSS). */
  workload?: string;
  description: string;
  /** The measured figure the threshold applies to (median over rounds). */
  measured: number | undefined;
  threshold: number;
  comparison: '>=' | '<=';
  /** null: could not be measured (variant not available or failed). */
  pass: boolean | null;
  detail: string;
}

function find(workloads: readonly WorkloadSummary[], workload: string, variant: string): VariantSummary | undefined {
  return workloads.find((w) => w.workload === workload)?.variants.find((v) => v.variant === variant);
}

function whyMissing(workloads: readonly WorkloadSummary[], workload: string, variants: string[]): string {
  const w = workloads.find((x) => x.workload === workload);
  if (!w) return `workload '${workload}' not run`;
  if (w.unavailable) return `not available: ${w.unavailable}`;
  for (const name of variants) {
    const v = w.variants.find((x) => x.variant === name);
    if (!v) return `variant '${name}' not run`;
    if (!v.recordsPerSec) return `${name} ${v.status === 'failed' ? 'failed' : 'not available'}: ${v.reason ?? ''}`;
  }
  return 'no paired rounds';
}

function ratioTarget(
  workloads: readonly WorkloadSummary[],
  id: string,
  description: string,
  workload: string,
  a: string,
  bs: string[],
  threshold: number,
): TargetResult {
  const va = find(workloads, workload, a);
  const vbs = bs.map((b) => find(workloads, workload, b));
  // "The faster of B1 and B2" is taken per round too.
  // Rounds where a run failed drop out of the pairs; the detail says so.
  const best = rates(va).map((_, i) => {
    const candidates = vbs.map((v) => rates(v)[i] ?? NaN).filter(Number.isFinite);
    return candidates.length > 0 ? Math.max(...candidates) : NaN;
  });
  // Every named variant must have run: "the faster of Node streams and RxJS" measured without RxJS
  // would compare against a weaker yardstick and could PASS for the wrong reason.
  const unmeasured = [va, ...vbs].some((v) => !rates(v).some(Number.isFinite));
  const s = unmeasured ? undefined : spread(pairRatios(rates(va), best));
  const failures = [va, ...vbs]
    .filter((v) => v?.status === 'failed')
    .map((v) => `${v!.variant} failed in some rounds: ${v!.reason ?? ''}`);
  if (!s)
    return {
      id,
      workload,
      description,
      measured: undefined,
      threshold,
      comparison: '>=',
      pass: null,
      detail: whyMissing(workloads, workload, [a, ...bs]),
    };
  return {
    id,
    workload,
    description,
    measured: s.median,
    threshold,
    comparison: '>=',
    pass: s.median >= threshold,
    detail: `median ${s.median.toFixed(2)}× (min ${s.min.toFixed(2)}, max ${s.max.toFixed(2)}, ${s.n} rounds)${failures.length ? `; ${failures.join('; ')}` : ''}`,
  };
}

/**
 * A ratio judged against a control ratio of the same rounds: (a/b) / (c/d) per round, then the
 * median. For scaling, what a second thread buys the runtime over what it buys bare threads on this
 * machine at that moment, so a busy or small machine does not pass or fail the runtime by itself.
 */
function relativeRatioTarget(
  workloads: readonly WorkloadSummary[],
  id: string,
  description: string,
  workload: string,
  [a, b]: [string, string],
  [c, d]: [string, string],
  threshold: number,
): TargetResult {
  const [va, vb, vc, vd] = [a, b, c, d].map((name) => find(workloads, workload, name));
  // Aligned by round (a failed run leaves NaN in its slot), unlike pairRatios which drops it.
  const [ra, rb, rc, rd] = [va, vb, vc, vd].map(rates);
  const ab: number[] = [];
  const cd: number[] = [];
  const perRound: number[] = [];
  for (let i = 0; i < Math.min(ra!.length, rb!.length, rc!.length, rd!.length); i++) {
    const x = ra![i]! / rb![i]!;
    const y = rc![i]! / rd![i]!;
    if (!Number.isFinite(x) || !Number.isFinite(y) || y === 0) continue;
    ab.push(x);
    cd.push(y);
    perRound.push(x / y);
  }
  const s = spread(perRound);
  if (!s)
    return {
      id,
      workload,
      description,
      measured: undefined,
      threshold,
      comparison: '>=',
      pass: null,
      detail: whyMissing(workloads, workload, [a, b, c, d]),
    };
  const abs = spread(ab);
  const cds = spread(cd);
  return {
    id,
    workload,
    description,
    measured: s.median,
    threshold,
    comparison: '>=',
    pass: s.median >= threshold,
    detail: `median ${s.median.toFixed(2)} (min ${s.min.toFixed(2)}, max ${s.max.toFixed(2)}, ${s.n} rounds; runtime ${abs?.median.toFixed(2)}×, bare threads ${cds?.median.toFixed(2)}×)`,
  };
}

function latencyTarget(
  workloads: readonly WorkloadSummary[],
  workload: string,
  variant: string,
  thresholdMs: number,
): TargetResult {
  const v = find(workloads, workload, variant);
  const id = `${workload}:${variant}:p99`;
  const description = `${workload}: ${variant} p99 latency at 50% load ≤ ${thresholdMs} ms`;
  const s = v?.latencyP99Ms;
  if (!s)
    return {
      id,
      workload,
      description,
      measured: undefined,
      threshold: thresholdMs,
      comparison: '<=',
      pass: null,
      detail: whyMissing(workloads, workload, [variant]),
    };
  return {
    id,
    workload,
    description,
    measured: s.median,
    threshold: thresholdMs,
    comparison: '<=',
    pass: s.median <= thresholdMs,
    detail: `median p99 ${s.median.toFixed(3)} ms (worst run ${s.max.toFixed(3)} ms)`,
  };
}

export function evaluateTargets(workloads: readonly WorkloadSummary[]): TargetResult[] {
  const wc = 'word-count';
  // Issue 11's table first, then the targets the bench had before it.
  const targets: TargetResult[] = [
    ratioTarget(
      workloads,
      'wc-native-vs-hand',
      'word count: native ≥ 0.85 × hand loop',
      wc,
      'native',
      ['hand-loop'],
      0.85,
    ),
    ratioTarget(
      workloads,
      'wc-native-vs-js',
      'word count: native ≥ 1.5 × the faster of Node streams and RxJS',
      wc,
      'native',
      ['node-streams', 'rxjs'],
      1.5,
    ),
    ratioTarget(
      workloads,
      'wc-compat-vs-hand',
      'word count: compat-acking ≥ 0.25 × hand loop',
      wc,
      'compat-acking',
      ['hand-loop'],
      0.25,
    ),
    relativeRatioTarget(
      workloads,
      'scaling-2-vs-1',
      'scaling: native 2 worker threads / 1 ≥ 0.85 × the bare-thread ratio of the same rounds',
      'scaling',
      ['native-2-threads', 'native-1-thread'],
      ['bare-2-threads', 'bare-1-thread'],
      0.85,
    ),
    ratioTarget(
      workloads,
      'wc-workers-2-vs-1',
      'word count with its keyBy shuffle: 2 workers ≥ 1.5 × 1 worker',
      wc,
      'native-2-workers',
      ['native-1-worker'],
      1.5,
    ),
    ratioTarget(
      workloads,
      'wc-compat-workers-2-vs-1',
      'compat word count: topology.workers 2 ≥ 1.5 × 1',
      wc,
      'compat-2-workers',
      ['compat-1-worker'],
      1.5,
    ),
    latencyTarget(workloads, 'scaling', 'native-2-threads', 10),
    latencyTarget(workloads, wc, 'native-2-workers', 10),
    ratioTarget(
      workloads,
      'wc-native-vs-compat',
      'word count: native ≥ 3 × compat-acking',
      wc,
      'native',
      ['compat-acking'],
      3,
    ),
    latencyTarget(workloads, wc, 'native', 10),
    latencyTarget(workloads, wc, 'compat-acking', 10),
    ratioTarget(
      workloads,
      'enrichment-async',
      'enrichment: async I/O ≥ 20 × per-record awaited call',
      'enrichment',
      'native-async-io',
      ['native-awaited'],
      20,
    ),
    ratioTarget(
      workloads,
      'kafka-native-vs-kafkajs',
      'kafka: native ≥ 0.8 × plain kafkajs loop',
      'kafka',
      'native',
      ['kafkajs-loop'],
      0.8,
    ),
    ratioTarget(
      workloads,
      'checkpoint-overhead',
      'checkpoints every 1 s cost ≤ 10% throughput (ratio ≥ 0.90)',
      'checkpoint',
      'native-checkpoint-1s',
      ['native'],
      0.9,
    ),
  ];
  const allRuns = workloads.flatMap((w) => w.variants.flatMap((v) => v.runs.filter((r): r is RunResult => r !== null)));
  const worst = allRuns.reduce<RunResult | undefined>(
    (m, r) => (m === undefined || r.peakRssMB > m.peakRssMB ? r : m),
    undefined,
  );
  targets.push({
    id: 'peak-rss',
    description: 'peak RSS ≤ 300 MB in every run',
    measured: worst?.peakRssMB,
    threshold: 300,
    comparison: '<=',
    pass: worst ? worst.peakRssMB <= 300 : null,
    detail: worst
      ? `worst ${worst.peakRssMB.toFixed(0)} MB (${worst.workload}/${worst.variant}) over ${allRuns.length} runs`
      : 'no runs',
  });
  return targets;
}

export function formatTarget(t: TargetResult): string {
  if (t.pass === null) return `N/A   ${t.description}: not measured (${t.detail})`;
  return `${t.pass ? 'PASS' : 'FAIL'}  ${t.description}: ${t.detail}`;
}
