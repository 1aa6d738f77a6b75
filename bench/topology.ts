/**
 * `stormshift bench --topology FILE`: the user's own topology side by side with its migration.
 * Migrates FILE in memory (a dry run; nothing in the user's tree changes), materializes both sides
 * in a temp copy of the project, records what the topology's spouts emit, then runs interleaved
 * rounds (compat, migrated[, baseline] …), each run in its own process on the same recorded
 * input, and prints records/s and CPU s per million records with the ratios.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serialize } from 'node:v8';
import { readFlags, UsageError } from './args.ts';
import { RESULT_PREFIX, type ChildParams, type RunResult } from './harness.ts';
import { formatRate } from './report.ts';
import { summarizeVariant, summarizeWorkload, type RatioSummary, type WorkloadSummary } from './stats.ts';
import type { TopologyChildRequest } from './topology-variant.ts';

const OWN_CHILD = join(dirname(fileURLToPath(import.meta.url)), 'topology-child.mjs');

/**
 * A checkout running from its TypeScript sources resolves `stormshift/*` to those sources too (the
 * `stormshift-source` export condition), so a user module importing the package and the harness
 * that loads it share one compat and one runtime instead of a source copy and a dist copy.
 */
const SOURCE_CONDITIONS = import.meta.url.endsWith('.ts') ? ['--conditions=stormshift-source'] : [];

export const TOPOLOGY_USAGE = `usage: stormshift bench --topology FILE [--baseline FILE] [--migrated FILE] [--quick] [--runs N] [--records N] [--json FILE]
  --topology FILE  a Storm topology module (default-exports its StormTopology); it is migrated in memory
  --baseline FILE  a hand-written native job to compare with (default for samples/storm/word-count.ts:
                   samples/word-count/job.ts); its one source is fed the same recorded input
  --migrated FILE  use this native job as the migration instead of running the transpiler
  --records N      spout tuples recorded and replayed in a cycle (default 1000)
  --max-parallelism N  cap every component's parallelism on every side (1: one task each, like a hand-written job)`;

interface TopologyOptions {
  topology: string;
  baseline: string | undefined;
  migrated: string | undefined;
  quick: boolean;
  runs: number | undefined;
  records: number;
  json: string | undefined;
  maxParallelism: number | undefined;
}

export function parseTopologyArgs(args: readonly string[]): TopologyOptions {
  const o: TopologyOptions = {
    topology: '',
    baseline: undefined,
    migrated: undefined,
    quick: false,
    runs: undefined,
    records: 1000,
    json: undefined,
    maxParallelism: undefined,
  };
  for (const { arg, name: flag, value, count } of readFlags(args)) {
    switch (flag) {
      case '--topology':
        o.topology = resolve(value());
        break;
      case '--baseline':
        o.baseline = resolve(value());
        break;
      case '--migrated':
        o.migrated = resolve(value());
        break;
      case '--quick':
        o.quick = true;
        break;
      case '--runs':
        o.runs = count();
        break;
      case '--records':
        o.records = count();
        break;
      case '--max-parallelism':
        o.maxParallelism = count();
        break;
      case '--json':
        o.json = resolve(value());
        break;
      default:
        throw new UsageError(`unknown argument '${arg}' with --topology`);
    }
  }
  if (!o.topology) throw new UsageError('--topology needs a file');
  for (const [flag, file] of [
    ['--topology', o.topology],
    ['--baseline', o.baseline],
    ['--migrated', o.migrated],
  ] as const) {
    if (file !== undefined && !existsSync(file)) throw new UsageError(`${flag}: no such file ${file}`);
  }
  return o;
}

function packageRoot(file: string): string {
  for (let dir = dirname(file); dir !== dirname(dir); dir = dirname(dir))
    if (existsSync(join(dir, 'package.json'))) return dir;
  return dirname(file);
}

/** The child entry of the stormshift copy a module lives in (so module and harness share one compat/runtime), or ours. */
function childEntryFor(module: string): string {
  for (let dir = dirname(module); dir !== dirname(dir); dir = dirname(dir)) {
    const candidate = join(dir, 'bench', 'topology-child.mjs');
    if (!existsSync(candidate) || !existsSync(join(dir, 'package.json'))) continue;
    try {
      if ((JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string }).name === 'stormshift')
        return candidate;
    } catch {
      // keep looking upward
    }
  }
  return OWN_CHILD;
}

function runVariant(entry: string, request: TopologyChildRequest, cwd: string, timeoutMs: number): Promise<RunResult> {
  return new Promise((resolveRun) => {
    const child = spawn(process.execPath, [...SOURCE_CONDITIONS, entry, JSON.stringify(request)], {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout = (stdout + c.toString()).slice(-100_000)));
    child.stderr.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4000)));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const line = stdout.split('\n').find((l) => l.startsWith(RESULT_PREFIX));
      if (line) return resolveRun(JSON.parse(line.slice(RESULT_PREFIX.length)) as RunResult);
      const why =
        signal === 'SIGKILL' ? `timed out after ${timeoutMs / 1000} s` : `exited with ${signal ?? code} and no result`;
      resolveRun({
        workload: 'topology',
        variant: request.variant,
        ok: false,
        error: `${why}: ${stderr.trim().split('\n').slice(-3).join(' | ')}`,
        records: 0,
        seconds: 0,
        recordsPerSec: 0,
        cpuSecPerMillion: 0,
        peakRssMB: 0,
        calibrationRuns: 0,
      });
    });
  });
}

interface Prepared {
  original: string;
  migrated: string;
  baseline: string | undefined;
  /** The baseline as the user named it (not its temp copy). */
  baselineLabel: string | undefined;
  recording: string;
  cleanup(): void;
}

async function prepare(o: TopologyOptions, log: (line: string) => void): Promise<Prepared> {
  const root = packageRoot(o.topology);
  const work = mkdtempSync(join(tmpdir(), 'stormshift-bench-topology-'));
  const cleanup = (): void => rmSync(work, { recursive: true, force: true });
  try {
    const verify = await import('../transpiler/verify/index.ts');
    let original = o.topology;
    let migrated = o.migrated;
    let baseline = o.baseline;
    if (
      baseline === undefined &&
      basename(o.topology) === 'word-count.ts' &&
      basename(dirname(o.topology)) === 'storm'
    ) {
      const handWritten = join(root, 'samples', 'word-count', 'job.ts');
      if (existsSync(handWritten)) baseline = handWritten;
    }
    const baselineSource = baseline;
    if (migrated === undefined) {
      log(`migrating ${relative(process.cwd(), o.topology)} (dry run)`);
      const { migrate } = await import('../transpiler/index.ts');
      const result = await migrate({ paths: [relative(root, o.topology)], cwd: root });
      if (!result.topologies.map((t) => resolve(t)).includes(o.topology)) {
        const findings = result.report.files
          .filter((f) => resolve(result.root, f.file) === o.topology)
          .flatMap((f) =>
            f.findings.filter((x) => x.status !== 'converted').map((x) => `${x.code} line ${x.line}: ${x.reason}`),
          );
        throw new Error(
          `migrate did not turn ${o.topology} into a native job${findings.length ? `:\n  ${findings.slice(0, 5).join('\n  ')}` : ''}`,
        );
      }
      const base = resolve(result.root);
      verify.materializeProject(base, join(work, 'original'), result.changes, 'before');
      verify.materializeProject(base, join(work, 'migrated'), result.changes, 'after');
      original = join(work, 'original', relative(base, o.topology));
      migrated = join(work, 'migrated', relative(base, o.topology));
      // A baseline inside the project runs from the same copy, so it shares the migrated side's runtime.
      if (baseline !== undefined && !relative(base, baseline).startsWith('..'))
        baseline = join(work, 'migrated', relative(base, baseline));
    }
    log(`recording ${o.records} tuples per spout`);
    const recording = await verify.recordSpouts(original, o.records);
    const recordingFile = join(work, 'recording');
    writeFileSync(recordingFile, serialize(recording));
    return {
      original,
      migrated: migrated!,
      baseline,
      baselineLabel: baselineSource,
      recording: recordingFile,
      cleanup,
    };
  } catch (error) {
    cleanup();
    throw error;
  }
}

export async function runTopologyBench(args: readonly string[]): Promise<number> {
  let o: TopologyOptions;
  try {
    o = parseTopologyArgs(args);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`stormshift bench: ${error.message}\n${TOPOLOGY_USAGE}\n`);
    return 2;
  }
  const log = (line: string): void => void process.stderr.write(`[bench] ${line}\n`);
  let prepared: Prepared;
  try {
    prepared = await prepare(o, log);
  } catch (error) {
    process.stderr.write(`stormshift bench --topology: ${(error as Error).message}\n`);
    return 1;
  }
  try {
    const runs = o.runs ?? (o.quick ? 3 : 5);
    const params: ChildParams = o.quick
      ? { warmupMs: 100, measureMs: 400, latencyMs: 0, latencyLoad: 0, maxCount: 20_000_000 }
      : { warmupMs: 300, measureMs: 1500, latencyMs: 0, latencyLoad: 0, maxCount: 100_000_000 };
    const variants: Array<TopologyChildRequest['variant']> = [
      'compat',
      'migrated',
      ...(prepared.baseline ? (['baseline'] as const) : []),
    ];
    const request = (variant: TopologyChildRequest['variant'], p: ChildParams): TopologyChildRequest => ({
      variant,
      original: prepared.original,
      migrated: prepared.migrated,
      ...(prepared.baseline ? { baseline: prepared.baseline } : {}),
      recording: prepared.recording,
      params: p,
      ...(o.maxParallelism !== undefined ? { maxParallelism: o.maxParallelism } : {}),
    });
    const module = (variant: TopologyChildRequest['variant']): string =>
      variant === 'compat' ? prepared.original : variant === 'migrated' ? prepared.migrated : prepared.baseline!;
    const timeoutMs = o.quick ? 60_000 : 180_000;
    const results = new Map<string, RunResult[]>(variants.map((v) => [v, []]));
    // A discarded warm-up run per variant loads and transpiles its modules (tsx caches them).
    for (const v of variants) {
      log(`${v}: warm-up`);
      await runVariant(
        childEntryFor(module(v)),
        request(v, { ...params, warmupMs: 50, measureMs: 50 }),
        packageRoot(module(v)),
        timeoutMs,
      );
    }
    for (let round = 0; round < runs; round++) {
      for (const v of variants) {
        const r = await runVariant(childEntryFor(module(v)), request(v, params), packageRoot(module(v)), timeoutMs);
        results.get(v)!.push(r);
        log(`${v} ${round + 1}/${runs}: ${r.ok ? `${formatRate(r.recordsPerSec)} tuples/s` : `FAILED ${r.error}`}`);
      }
    }
    const summary = summarizeWorkload(
      'topology',
      relative(process.cwd(), o.topology),
      'spout tuples',
      variants.map((v) => summarizeVariant(v, results.get(v)!)),
      undefined,
      ['compat', ...(prepared.baseline ? ['baseline'] : [])],
    );
    process.stdout.write(`${formatTopologyBench(summary, o, prepared.baselineLabel)}\n`);
    if (o.json) {
      await mkdir(dirname(o.json), { recursive: true });
      await writeFile(
        o.json,
        `${JSON.stringify({ schema: 'stormshift-bench-topology/1', topology: o.topology, baseline: prepared.baselineLabel, settings: { runs, ...params, records: o.records, maxParallelism: o.maxParallelism }, summary }, null, 2)}\n`,
      );
    }
    return summary.variants.every((v) => v.status === 'ok') ? 0 : 1;
  } finally {
    prepared.cleanup();
  }
}

function ratioText(r: RatioSummary | undefined): string {
  if (!r) return '–';
  return r.n === 1 ? `${r.median.toFixed(2)}×` : `${r.median.toFixed(2)}× (${r.min.toFixed(2)}–${r.max.toFixed(2)})`;
}

export function formatTopologyBench(
  w: WorkloadSummary,
  o: Pick<TopologyOptions, 'topology' | 'maxParallelism'>,
  baseline: string | undefined,
): string {
  const lines = [
    `## ${w.title}: compat vs its migration${baseline ? ` vs ${relative(process.cwd(), baseline)}` : ''}${o.maxParallelism ? ` (parallelism capped at ${o.maxParallelism})` : ''}`,
    '',
    `| variant | ${w.unit}/s (median, min–max) | CPU s per million | vs compat | vs baseline |`,
    '| --- | --- | --- | --- | --- |',
  ];
  const find = (a: string, b: string): RatioSummary | undefined => w.ratios.find((r) => r.a === a && r.b === b);
  for (const v of w.variants) {
    if (v.status !== 'ok') {
      lines.push(`| ${v.variant} | failed: ${v.reason ?? ''} | | | |`);
      continue;
    }
    const rate = v.recordsPerSec!;
    const cpu = v.cpuSecPerMillion;
    lines.push(
      `| ${v.variant} | ${formatRate(rate.median)} (${formatRate(rate.min)}–${formatRate(rate.max)}) | ${cpu ? cpu.median.toFixed(2) : '–'} | ${v.variant === 'compat' ? '1' : ratioText(find(v.variant, 'compat'))} | ${baseline ? (v.variant === 'baseline' ? '1' : ratioText(find(v.variant, 'baseline'))) : '–'} |`,
    );
  }
  const m = find('migrated', 'compat');
  const b = find('migrated', 'baseline');
  lines.push('');
  if (m)
    lines.push(
      `migrated / compat: ${ratioText(m)}${basename(o.topology) === 'word-count.ts' ? ` (target ≥ 3×: ${m.median >= 3 ? 'met' : 'NOT met'})` : ''}`,
    );
  if (b)
    lines.push(
      `migrated / baseline: ${ratioText(b)}${basename(o.topology) === 'word-count.ts' ? ` (target ≥ 0.9×: ${b.median >= 0.9 ? 'met' : 'NOT met'})` : ''}`,
    );
  lines.push('Ratios are per round (runs interleaved), on the same recorded spout input; each run in its own process.');
  return lines.join('\n');
}
