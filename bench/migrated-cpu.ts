/**
 * CPU seconds per million sentences: samples/storm/word-count.ts as the transpiler migrates it
 * against the hand-written samples/word-count/job.ts, in one process, rounds interleaved
 * (migrated, baseline, migrated, …) after one warm-up run each. CPU time of the process, so a
 * loaded machine changes the figures less than it changes records/s (`stormshift bench
 * --topology` measures wall-clock rates, each run in its own process).
 * Run: npx tsx bench/migrated-cpu.ts [--sentences N] [--rounds N] [--max-parallelism N]
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  applyRunOverrides,
  generatorSource,
  StreamEnvironment,
  type JobDefinition,
  type Source,
} from '../runtime/index.ts';
import baseline, { SENTENCES } from '../samples/word-count/job.ts';
import { migrate } from '../transpiler/index.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function arg(args: string[], name: string): number | undefined {
  const i = args.indexOf(name);
  return i < 0 ? undefined : Number(args[i + 1]);
}

/** The migration, written where its relative imports (../../runtime, ../word-count) still resolve. */
async function migratedJob(): Promise<{ job: JobDefinition; dir: string }> {
  const topology = join(ROOT, 'samples/storm/word-count.ts');
  const result = await migrate({ paths: [topology], cwd: ROOT });
  const after = result.changes.get(topology)?.after;
  if (!after) throw new Error('samples/storm/word-count.ts was not migrated');
  const dir = mkdtempSync(join(tmpdir(), 'stormshift-migrated-cpu-'));
  mkdirSync(join(dir, 'samples/storm'), { recursive: true });
  symlinkSync(join(ROOT, 'runtime'), join(dir, 'runtime'));
  symlinkSync(join(ROOT, 'samples/word-count'), join(dir, 'samples/word-count'));
  writeFileSync(join(dir, 'samples/storm/word-count.ts'), after);
  const module = (await import(pathToFileURL(join(dir, 'samples/storm/word-count.ts')).href)) as {
    default: JobDefinition;
  };
  return { job: module.default, dir };
}

async function cpuPerMillion(
  job: JobDefinition,
  sourceUid: string,
  items: unknown[],
  sentences: number,
  maxParallelism: number | undefined,
): Promise<number> {
  const env = StreamEnvironment.create({ jobName: `cpu-${sourceUid}`, log: () => {} });
  await job.build(env, []);
  env.configure({ workers: 0, restore: 'none' });
  const source = generatorSource({ generate: (i: number) => items[i % items.length], count: sentences });
  applyRunOverrides(env, {
    sources: new Map([[sourceUid, source as Source<unknown>]]),
    ...(maxParallelism !== undefined ? { maxParallelism } : {}),
  });
  const before = process.cpuUsage();
  await env.execute();
  const used = process.cpuUsage(before);
  return ((used.user + used.system) / 1e6 / sentences) * 1e6;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const sentences = arg(args, '--sentences') ?? 1_000_000;
  const rounds = arg(args, '--rounds') ?? 3;
  const maxParallelism = arg(args, '--max-parallelism');
  const { job, dir } = await migratedJob();
  const sides = [
    { name: 'migrated', job, uid: 'spout', items: SENTENCES.map((sentence) => ({ sentence })) as unknown[] },
    { name: 'baseline', job: baseline, uid: 'sentences', items: [...SENTENCES] as unknown[] },
  ];
  const cpu: Record<string, number[]> = { migrated: [], baseline: [] };
  // The jobs print (their top words on timers); only the figures belong on stdout.
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = (() => true) as typeof process.stdout.write;
  const log = console.log;
  console.log = () => {};
  try {
    for (const s of sides) await cpuPerMillion(s.job, s.uid, s.items, Math.min(sentences, 100_000), maxParallelism);
    for (let r = 0; r < rounds; r++)
      for (const s of sides) cpu[s.name]!.push(await cpuPerMillion(s.job, s.uid, s.items, sentences, maxParallelism));
  } finally {
    process.stdout.write = write;
    console.log = log;
    rmSync(dir, { recursive: true, force: true });
  }
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  console.log(
    `${sentences} sentences per run, ${rounds} interleaved rounds, parallelism ${maxParallelism === undefined ? 'as configured' : `capped at ${maxParallelism}`}`,
  );
  for (const [name, xs] of Object.entries(cpu))
    console.log(
      `${name.padEnd(8)}  ${median(xs).toFixed(2)} CPU s per million sentences (rounds: ${xs.map((x) => x.toFixed(2)).join(', ')})`,
    );
  const ratios = cpu.migrated!.map((m, i) => cpu.baseline![i]! / m);
  console.log(
    `migrated speed / baseline speed by CPU (baseline CPU / migrated CPU): ${median(ratios).toFixed(2)}× (rounds: ${ratios.map((x) => x.toFixed(2)).join(', ')})`,
  );
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await main();
  // The jobs' timers (top words every second) would keep the process alive.
  process.exit(0);
}
