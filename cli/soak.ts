/**
 * `stormshift soak TARGET`: kills a checkpointed job at random moments N times, restarts it each
 * time, and compares what it committed (and its final state) with an uninterrupted run of the
 * same input. Every kill comes after a checkpoint newer than the run's start was seen on disk, so
 * each incarnation makes progress and restores are really exercised.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * The checkout (or installed package) root: cli/bin.js and samples/ live there. Compiled, this
 * file runs from dist/cli/, one level deeper than its source.
 */
export const ROOT = ((): string => {
  const up = resolve(import.meta.dirname, '..');
  return existsSync(join(up, 'package.json')) ? up : resolve(up, '..');
})();
const BIN = join(ROOT, 'cli/bin.js');

export interface SoakOptions {
  kills: number;
  sentences?: number;
  rate?: number;
  workers?: number;
  seed: number;
  maxDelayMs: number;
  keep: boolean;
  log(line: string): void;
}

export interface SoakReport {
  target: string;
  kills: number;
  runs: number;
  restoredRuns: number;
  referenceRecords: number;
  soakRecords: number;
  lost: number;
  duplicated: number;
  stateMismatches: number;
  dir: string;
}

interface Target {
  /** Module run by `stormshift run`. */
  module: string;
  kind: 'native' | 'topology' | 'kafka';
  checkpointIntervalMs: number;
  defaultRate: number;
}

const TARGETS: Record<string, Target> = {
  'word-count': { module: 'samples/soak/word-count.ts', kind: 'native', checkpointIntervalMs: 50, defaultRate: 5000 },
  'word-count-topology': {
    module: 'samples/soak/word-count-topology.ts',
    kind: 'topology',
    checkpointIntervalMs: 100,
    defaultRate: 4000,
  },
  // Runs on the harness's Kafka test broker with broker faults between kills: see soak-kafka.ts.
  'kafka-word-count': {
    module: 'samples/soak/kafka-word-count.ts',
    kind: 'kafka',
    checkpointIntervalMs: 100,
    defaultRate: 2000,
  },
};

export function soakTargets(): string[] {
  return Object.keys(TARGETS);
}

/** A small seeded generator (mulberry32), so a soak's kill moments can be replayed with --seed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function newestCheckpoint(dir: string): number {
  if (!existsSync(dir)) return 0;
  let newest = 0;
  for (const name of readdirSync(dir)) {
    const m = /^chk-(\d+)\.snap$/.exec(name);
    if (m) newest = Math.max(newest, Number(m[1]));
  }
  return newest;
}

class Run {
  readonly child: ChildProcess;
  exitCode: number | null | undefined;
  stderr = '';
  readonly exited: Promise<void>;

  constructor(target: Target, out: string, ckpt: string, sentences: number, rate: number, workers: number | undefined) {
    const args = [
      BIN,
      'run',
      join(ROOT, target.module),
      '--checkpoint-interval',
      String(target.checkpointIntervalMs),
      '--checkpoint-dir',
      ckpt,
      '--metrics-port',
      '0',
      '-q',
    ];
    if (workers !== undefined && workers > 0) args.push('--workers', String(workers));
    const env = { ...process.env };
    if (target.kind === 'native') args.push('--', out, String(sentences), String(rate));
    else {
      args.push('--ttl', '3600');
      Object.assign(env, {
        SOAK_OUT: join(out, 'counts.json'),
        SOAK_SENTENCES: String(sentences),
        SOAK_RATE: String(rate),
      });
    }
    this.child = spawn(process.execPath, args, { cwd: out, env, stdio: ['ignore', 'ignore', 'pipe'] });
    this.child.stderr!.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString()).slice(-20_000);
    });
    this.exited = new Promise((r) =>
      this.child.once('exit', (code) => {
        this.exitCode = code;
        r();
      }),
    );
  }

  get alive(): boolean {
    return this.exitCode === undefined;
  }

  async kill(signal: NodeJS.Signals): Promise<void> {
    if (this.alive) this.child.kill(signal);
    await this.exited;
  }
}

/** Native runs end by themselves; a topology runs until stopped, so its end is its counts file. */
async function untilDone(target: Target, run: Run, out: string): Promise<void> {
  if (target.kind === 'native') {
    await run.exited;
  } else {
    const file = join(out, 'counts.json');
    while (!existsSync(file) && run.alive) await sleep(10);
    await run.kill('SIGTERM');
  }
  if (target.kind === 'native' ? run.exitCode !== 0 : !existsSync(join(out, 'counts.json'))) {
    throw new Error(`run ended without finishing (exit ${String(run.exitCode)}):\n${run.stderr}`);
  }
}

/** Committed output as a multiset of lines (native) or the counts the topology published. */
function readOutcome(
  target: Target,
  out: string,
): { lines: Map<string, number>; state: Map<string, number>; records: number } {
  const lines = new Map<string, number>();
  const state = new Map<string, number>();
  let records = 0;
  if (target.kind === 'native') {
    for (const name of readdirSync(out)) {
      const path = join(out, name);
      if (name.startsWith('.') || !statSync(path).isFile()) continue;
      for (const line of readFileSync(path, 'utf8').split('\n')) {
        if (line === '') continue;
        records++;
        lines.set(line, (lines.get(line) ?? 0) + 1);
        const at = line.lastIndexOf(':');
        const word = line.slice(0, at);
        state.set(word, Math.max(state.get(word) ?? 0, Number(line.slice(at + 1))));
      }
    }
  } else {
    const counts = JSON.parse(readFileSync(join(out, 'counts.json'), 'utf8')) as Record<string, number>;
    for (const [word, n] of Object.entries(counts)) {
      // A topology's committed result is its counts: n occurrences of word are n records.
      for (let i = 1; i <= n; i++) lines.set(`${word}:${i}`, 1);
      records += n;
      state.set(word, n);
    }
  }
  return { lines, state, records };
}

export async function soak(targetName: string, options: SoakOptions): Promise<SoakReport> {
  const target = TARGETS[targetName];
  if (!target) throw new Error(`unknown soak target '${targetName}' (known: ${soakTargets().join(', ')})`);
  if (target.kind === 'kafka') {
    const { soakKafka } = await import('./soak-kafka.ts');
    return soakKafka(options, random(options.seed));
  }
  const rate = options.rate ?? target.defaultRate;
  // Each incarnation lives about one checkpoint interval plus a random delay: size the input so
  // the job is still running at the last kill.
  const sentences =
    options.sentences ??
    Math.max(
      20_000,
      Math.ceil(options.kills * rate * ((target.checkpointIntervalMs + options.maxDelayMs) / 1000) * 1.5),
    );
  const dir = mkdtempSync(join(tmpdir(), `stormshift-soak-${targetName}-`));
  const next = random(options.seed);
  try {
    const refOut = join(dir, 'reference');
    const soakOut = join(dir, 'soak');
    for (const d of [refOut, soakOut]) mkdirSync(d, { recursive: true });
    options.log(
      `soak ${targetName}: ${sentences} sentences at ${rate}/s, ${options.kills} kills, seed ${options.seed}${options.workers ? `, ${options.workers} workers` : ''}`,
    );

    // The uninterrupted run: same input, unpaced.
    const reference = new Run(
      target,
      refOut,
      join(dir, 'reference-ckpt'),
      sentences,
      target.kind === 'native' ? 1e9 : 0,
      options.workers,
    );
    await untilDone(target, reference, refOut);

    const ckpt = join(dir, 'soak-ckpt');
    let kills = 0;
    let runs = 0;
    let restoredRuns = 0;
    let finished = false;
    while (kills < options.kills) {
      const before = newestCheckpoint(ckpt);
      if (before > 0) restoredRuns++;
      const run = new Run(target, soakOut, ckpt, sentences, rate, options.workers);
      runs++;
      // Progress first: a checkpoint newer than the one this run restored must be on disk.
      while (run.alive && newestCheckpoint(ckpt) <= before) await sleep(5);
      if (!run.alive) {
        if (target.kind === 'native' && run.exitCode === 0) {
          finished = true;
          break;
        }
        throw new Error(`run ${runs} exited (${String(run.exitCode)}) before its first checkpoint:\n${run.stderr}`);
      }
      if (target.kind === 'topology' && existsSync(join(soakOut, 'counts.json'))) {
        await run.kill('SIGTERM');
        finished = true;
        break;
      }
      await sleep(Math.floor(next() * options.maxDelayMs));
      if (!run.alive && run.exitCode === 0) {
        finished = true;
        break;
      }
      await run.kill('SIGKILL');
      kills++;
      if (kills % 10 === 0) options.log(`  ${kills} kills`);
    }
    if (!finished) {
      if (newestCheckpoint(ckpt) > 0) restoredRuns++;
      const survivor = new Run(target, soakOut, ckpt, sentences, rate * 20, options.workers);
      runs++;
      await untilDone(target, survivor, soakOut);
    }

    const ref = readOutcome(target, refOut);
    const got = readOutcome(target, soakOut);
    let lost = 0;
    let duplicated = 0;
    for (const [line, n] of ref.lines) lost += Math.max(0, n - (got.lines.get(line) ?? 0));
    for (const [line, n] of got.lines) duplicated += Math.max(0, n - (ref.lines.get(line) ?? 0));
    let stateMismatches = 0;
    for (const key of new Set([...ref.state.keys(), ...got.state.keys()]))
      if (ref.state.get(key) !== got.state.get(key)) stateMismatches++;
    return {
      target: targetName,
      kills,
      runs,
      restoredRuns,
      referenceRecords: ref.records,
      soakRecords: got.records,
      lost,
      duplicated,
      stateMismatches,
      dir,
    };
  } finally {
    if (!options.keep) rmSync(dir, { recursive: true, force: true });
  }
}

export function formatSoakReport(r: SoakReport): string {
  return [
    `soak ${r.target}: ${r.kills} kills (SIGKILL, each after a new checkpoint on disk), ${r.runs} runs, ${r.restoredRuns} restored from a checkpoint`,
    `  committed records: uninterrupted ${r.referenceRecords}, soaked ${r.soakRecords}`,
    `  lost: ${r.lost}  duplicated: ${r.duplicated}  state mismatches: ${r.stateMismatches}`,
  ].join('\n');
}
