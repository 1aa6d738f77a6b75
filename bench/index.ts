/**
 * `stormshift bench`: runs each workload's variants interleaved (A B C A B C …) after a warm-up
 * round, every run in its own process, then prints and writes medians, pairwise ratios and targets.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import cliProgress from 'cli-progress';
import { readFlags, UsageError } from './args.ts';
import { RESULT_PREFIX, type ChildParams, type RunResult, type WorkloadModule } from './harness.ts';
import { markdown, svgChart, type BenchDocument } from './report.ts';
import {
  evaluateTargets,
  summarizeVariant,
  summarizeWorkload,
  type VariantSummary,
  type WorkloadSummary,
} from './stats.ts';
import { loadWorkload, WORKLOADS } from './workloads/index.ts';

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
const FROM_SOURCE = import.meta.url.endsWith('.ts');
// From the sources each child needs tsx first (child.mjs); compiled, it runs dist/bench/variant.js.
const CHILD = join(BENCH_DIR, FROM_SOURCE ? 'child.mjs' : 'variant.js');
// Compiled, results go to the checkout's bench/results when there is one, else to the working folder.
const CHECKOUT_RESULTS = join(BENCH_DIR, '..', '..', 'bench', 'results');
const RESULTS_DIR = FROM_SOURCE
  ? join(BENCH_DIR, 'results')
  : existsSync(CHECKOUT_RESULTS)
    ? CHECKOUT_RESULTS
    : resolve('stormshift-bench');

interface Options {
  quick: boolean;
  only: string[];
  json: string;
  md: string;
  svg: string;
  runs: number | undefined;
}

const USAGE = `usage: stormshift bench [--quick] [--only WORKLOAD[,WORKLOAD]] [--runs N] [--json FILE] [--md FILE] [--svg FILE]
workloads: ${Object.keys(WORKLOADS).join(', ')}
       stormshift bench --topology FILE [--baseline FILE] [--migrated FILE] [--quick] [--runs N]   (your topology vs its migration)`;

export function parseArgs(args: readonly string[]): Options {
  const options: Options = {
    quick: false,
    only: [],
    json: join(RESULTS_DIR, 'latest.json'),
    md: join(RESULTS_DIR, 'latest.md'),
    svg: join(RESULTS_DIR, 'latest.svg'),
    runs: undefined,
  };
  for (const { arg, name: flag, value, count } of readFlags(args)) {
    switch (flag) {
      case '--quick':
        options.quick = true;
        break;
      case '--only':
        options.only.push(
          ...value()
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean),
        );
        break;
      case '--json':
        options.json = resolve(value());
        break;
      case '--md':
        options.md = resolve(value());
        break;
      case '--svg':
        options.svg = resolve(value());
        break;
      case '--runs':
        options.runs = count();
        break;
      case '--help':
      case '-h':
        throw new UsageError('');
      default:
        throw new UsageError(`unknown argument '${arg}'`);
    }
  }
  for (const name of options.only) if (!(name in WORKLOADS)) throw new UsageError(`unknown workload '${name}'`);
  return options;
}

interface Settings extends ChildParams {
  runs: number;
  childTimeoutMs: number;
  /** Discarded warm-up runs before a workload's rounds: every variant (full) or just one (quick, for time). */
  warmupRound: 'all' | 'one';
}

function settingsFor(quick: boolean, runs: number | undefined): Settings {
  return quick
    ? {
        runs: runs ?? 5,
        warmupMs: 100,
        measureMs: 400,
        latencyMs: 250,
        latencyLoad: 0.5,
        maxCount: 60_000_000,
        childTimeoutMs: 60_000,
        warmupRound: 'one',
      }
    : {
        runs: runs ?? 7,
        warmupMs: 300,
        measureMs: 1500,
        latencyMs: 750,
        latencyLoad: 0.5,
        maxCount: 250_000_000,
        childTimeoutMs: 180_000,
        warmupRound: 'all',
      };
}

function paramsFor(settings: Settings, workload: WorkloadModule): ChildParams {
  const { runs: _runs, childTimeoutMs: _t, warmupRound: _w, ...params } = settings;
  return { ...params, measureMs: Math.max(params.measureMs, workload.minMeasureMs ?? 0) };
}

/** Runs one variant in a fresh process and returns its result line (or a failed result). */
function runChild(workload: string, variant: string, params: ChildParams, timeoutMs: number): Promise<RunResult> {
  return new Promise((resolvePromise) => {
    const startedAt = performance.now();
    const child = spawn(process.execPath, [CHILD, workload, variant, JSON.stringify(params)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const line = stdout.split('\n').find((l) => l.startsWith(RESULT_PREFIX));
      if (line) {
        const result = JSON.parse(line.slice(RESULT_PREFIX.length)) as RunResult;
        result.childSeconds = (performance.now() - startedAt) / 1000;
        resolvePromise(result);
        return;
      }
      const why =
        signal === 'SIGKILL' ? `timed out after ${timeoutMs / 1000} s` : `exited with ${signal ?? code} and no result`;
      const tail = stderr.trim().split('\n').slice(-3).join(' | ');
      resolvePromise({
        workload,
        variant,
        ok: false,
        error: `${why}${tail ? `: ${tail}` : ''}`,
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

interface Planned {
  name: string;
  module: WorkloadModule;
  unavailable: string | undefined;
  runnable: string[];
  skipped: VariantSummary[];
}

async function plan(names: string[], quick: boolean): Promise<Planned[]> {
  const planned: Planned[] = [];
  for (const name of names) {
    const module = await loadWorkload(name);
    const unavailable = await module.unavailable?.();
    const runnable: string[] = [];
    const skipped: VariantSummary[] = [];
    for (const variant of module.variants) {
      if (quick && module.quickVariants && !module.quickVariants.includes(variant)) {
        skipped.push({
          variant,
          status: 'skipped',
          reason: 'with --quick (no target depends on it); run without --quick',
          runs: [],
        });
        continue;
      }
      const reason = unavailable ?? (await module.variantUnavailable?.(variant));
      if (reason) skipped.push({ variant, status: 'not-available', reason, runs: [] });
      else runnable.push(variant);
    }
    for (const [variant, reason] of Object.entries(module.notApplicable))
      skipped.push({ variant, status: 'not-applicable', reason, runs: [] });
    planned.push({ name, module, unavailable, runnable, skipped });
  }
  return planned;
}

export async function runBench(args: string[]): Promise<number> {
  // The user's own topology against its migration: a separate flow (bench/topology.ts).
  if (args.some((a) => a === '--topology' || a.startsWith('--topology=')))
    return (await import('./topology.ts')).runTopologyBench(args);
  let options: Options;
  try {
    options = parseArgs(args);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`${error.message ? `stormshift bench: ${error.message}\n` : ''}${USAGE}\n`);
      return error.message ? 2 : 0;
    }
    throw error;
  }
  const settings = settingsFor(options.quick, options.runs);
  const startedAt = new Date();
  const names =
    options.only.length > 0 ? Object.keys(WORKLOADS).filter((n) => options.only.includes(n)) : Object.keys(WORKLOADS);
  const planned = await plan(names, options.quick);

  // Each workload starts with discarded warm-up runs (they load and compile its modules and warm
  // the disk cache); every child also warms up and calibrates before it measures.
  const warmups = (p: Planned): string[] => (settings.warmupRound === 'all' ? p.runnable : p.runnable.slice(0, 1));
  const total = planned.reduce((sum, p) => sum + p.runnable.length * settings.runs + warmups(p).length, 0);
  const tty = process.stderr.isTTY === true;
  const bar = new cliProgress.SingleBar(
    {
      format: 'bench [{bar}] {value}/{total} runs | {eta_formatted} left | {what}',
      stream: process.stderr,
      hideCursor: true,
      etaBuffer: 20,
    },
    cliProgress.Presets.shades_classic,
  );
  if (tty) bar.start(total, 0, { what: 'starting' });
  else
    process.stderr.write(
      `stormshift bench: ${total} runs (${options.quick ? 'quick' : 'full'}), ${settings.runs} rounds\n`,
    );

  const summaries: WorkloadSummary[] = [];
  const rawRuns: RunResult[] = [];
  for (const p of planned) {
    let extra: Record<string, unknown> | undefined;
    if (p.module.setup && p.runnable.length > 0) {
      if (tty) bar.update({ what: `${p.name}: setting up` });
      try {
        extra = await p.module.setup();
      } catch (error) {
        p.unavailable = `set-up failed: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`;
        for (const variant of p.runnable)
          p.skipped.unshift({ variant, status: 'not-available', reason: p.unavailable, runs: [] });
        if (tty) bar.increment(p.runnable.length * settings.runs + warmups(p).length);
        p.runnable = [];
      }
    }
    const childParams = { ...paramsFor(settings, p.module), ...(extra ? { extra } : {}) };
    const results = new Map<string, Array<RunResult | null>>(p.runnable.map((v) => [v, []]));
    const note = (what: string): void => {
      if (tty) bar.increment(1, { what });
    };
    for (const variant of warmups(p)) {
      note(`${p.name}/${variant} warm-up`);
      await runChild(
        p.name,
        variant,
        { ...childParams, warmupMs: 50, measureMs: 50, latencyMs: 0 },
        settings.childTimeoutMs,
      );
    }
    for (let round = 0; round < settings.runs; round++) {
      for (const variant of p.runnable) {
        const result = await runChild(p.name, variant, childParams, settings.childTimeoutMs);
        rawRuns.push(result);
        results.get(variant)!.push(result);
        note(`${p.name}/${variant} ${round + 1}/${settings.runs}${result.ok ? '' : ' FAILED'}`);
      }
    }
    await p.module.teardown?.().catch(() => {});
    const variants = [...p.runnable.map((v) => summarizeVariant(v, results.get(v)!)), ...p.skipped];
    summaries.push(
      summarizeWorkload(p.name, WORKLOADS[p.name]!.title, p.module.unit, variants, p.unavailable, p.module.baselines),
    );
    if (!tty) process.stderr.write(`  ${p.name}: done\n`);
  }
  if (tty) bar.stop();

  const doc: BenchDocument = {
    schema: 'stormshift-bench/1',
    mode: options.quick ? 'quick' : 'full',
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    machine: {
      node: process.versions.node,
      platform: `${process.platform}-${process.arch}`,
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
    },
    settings: {
      runs: settings.runs,
      warmupMs: settings.warmupMs,
      measureMs: settings.measureMs,
      latencyMs: settings.latencyMs,
      latencyLoad: settings.latencyLoad,
    },
    workloads: summaries,
    // With --only, targets about workloads that were not selected are left out rather than listed as N/A.
    targets: evaluateTargets(summaries).filter((t) => t.workload === undefined || names.includes(t.workload)),
  };
  const md = markdown(doc);
  process.stdout.write(`\n${md}\n`);
  await writeOut(options.json, `${JSON.stringify(doc, null, 2)}\n`);
  await writeOut(options.md, md);
  await writeOut(options.svg, svgChart(doc));
  await writeOut(
    join(RESULTS_DIR, 'runs', `${startedAt.toISOString().replace(/[:.]/g, '-')}.json`),
    `${JSON.stringify(rawRuns)}\n`,
  );
  process.stdout.write(
    `\nwrote ${options.json}, ${options.md}, ${options.svg} in ${((Date.now() - startedAt.getTime()) / 1000).toFixed(0)} s\n`,
  );
  // Targets are reported, never enforced: only a run that could not measure anything is an error.
  return summaries.some((w) => w.variants.some((v) => v.status === 'ok')) ? 0 : 1;
}

async function writeOut(path: string, content: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, content);
}
