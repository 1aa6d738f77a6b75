/**
 * Migration speed: generates a repository of N Storm-API files (default 2,000: topology modules
 * shaped like storm-starter's word count with varied names and fields, and component-only modules)
 * in a temp folder linked to this package's compat/runtime, then runs `migrate` over it (dry run)
 * in child processes: the whole repository, and its first folder (100 files) to split the CPU into
 * a fixed cost and a cost per file. Prints files/s wall (the whole process, start-up included: what
 * `stormshift migrate` takes), files per CPU-second, the fixed CPU seconds, the peak RSS, the load
 * average, and the target (>= 50 files/s wall) as PASS or FAIL.
 * Run: npx tsx bench/migrate-files.ts [--files N] [--rounds R] [--compare DIR] [--keep]
 * `--compare DIR` alternates each round between this checkout's transpiler and DIR's (another
 * checkout of stormshift) on the same repository and prints the CPU ratio per round.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync, copyFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export function topologyModule(i: number): string {
  const field = ['word', 'token', 'term', 'item'][i % 4]!;
  return `/** Generated topology ${i}. */
import {
  BaseBasicBolt,
  BaseRichSpout,
  Fields,
  TopologyBuilder,
  Values,
  type BasicOutputCollector,
  type Conf,
  type OutputFieldsDeclarer,
  type SpoutOutputCollector,
  type TopologyContext,
  type Tuple,
} from '../../compat/index.ts';

const LINES_${i} = ['a b c', 'd e f ${i}', 'g h'];

export class LineSpout${i} extends BaseRichSpout {
  private collector!: SpoutOutputCollector;
  private next = 0;

  open(_conf: Conf, _context: TopologyContext, collector: SpoutOutputCollector): void {
    this.collector = collector;
  }

  nextTuple(): void {
    const line = LINES_${i}[this.next++ % LINES_${i}.length]!;
    this.collector.emit(new Values(line));
  }

  override declareOutputFields(declarer: OutputFieldsDeclarer): void {
    declarer.declare(new Fields('line'));
  }
}

export class Split${i} extends BaseBasicBolt {
  execute(tuple: Tuple, collector: BasicOutputCollector): void {
    // split on spaces
    for (const ${field} of tuple.getStringByField('line').split(' ')) collector.emit(new Values(${field}));
  }

  override declareOutputFields(declarer: OutputFieldsDeclarer): void {
    declarer.declare(new Fields('${field}'));
  }
}

export class Count${i} extends BaseBasicBolt {
  private counts = new Map<string, number>();

  execute(tuple: Tuple, collector: BasicOutputCollector): void {
    const ${field} = tuple.getString(0);
    const n = (this.counts.get(${field}) ?? 0) + 1;
    this.counts.set(${field}, n);
    collector.emit(new Values(${field}, n));
  }

  override declareOutputFields(declarer: OutputFieldsDeclarer): void {
    declarer.declare(new Fields('${field}', 'count'));
  }
}

export function build${i}(): TopologyBuilder {
  const builder = new TopologyBuilder();
  builder.setSpout('lines', new LineSpout${i}(), 1);
  builder.setBolt('split', new Split${i}(), 2).shuffleGrouping('lines');
  builder.setBolt('count', new Count${i}(), 2).fieldsGrouping('split', new Fields('${field}'));
  return builder;
}

export default build${i}().createTopology();
`;
}

function componentModule(i: number): string {
  return `import { BaseBasicBolt, Fields, Values, type BasicOutputCollector, type OutputFieldsDeclarer, type Tuple } from '../../compat/index.ts';

/** A shared bolt ${i}, wired elsewhere. */
export class Upper${i} extends BaseBasicBolt {
  execute(tuple: Tuple, collector: BasicOutputCollector): void {
    collector.emit(new Values(tuple.getString(0).toUpperCase()));
  }

  override declareOutputFields(declarer: OutputFieldsDeclarer): void {
    declarer.declare(new Fields('upper'));
  }
}
`;
}

export function generateRepo(files: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'stormshift-migrate-bench-'));
  for (const layer of ['compat', 'runtime', 'node_modules']) symlinkSync(join(ROOT, layer), join(dir, layer));
  copyFileSync(join(ROOT, 'tsconfig.json'), join(dir, 'tsconfig.json'));
  for (let i = 0; i < files; i++) {
    const folder = join(dir, 'src', `pkg${Math.floor(i / 100)}`);
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, `m${i}.ts`), i % 4 === 3 ? componentModule(i) : topologyModule(i));
  }
  return dir;
}

/** What one child process measured (CPU and RSS of the whole process, start-up included). */
interface ChildResult {
  files: number;
  filesChanged: number;
  summary: Record<string, number>;
  timings: Record<string, number>;
  /** CPU seconds from process start to the end of migrate. */
  cpuSeconds: number;
  /** CPU seconds from process start until the transpiler was loaded. */
  loadCpuSeconds: number;
  peakRssMB: number;
}

interface Run extends ChildResult {
  code: string;
  /** Spawn to exit of the child process. */
  wallSeconds: number;
}

/** Child: migrates `paths` under `dir` with the transpiler of checkout `code`; prints a ChildResult as JSON. */
async function child(dir: string, code: string, paths: string[]): Promise<void> {
  const cpuSeconds = (): number => {
    const c = process.cpuUsage();
    return (c.user + c.system) / 1e6;
  };
  const { migrate } = (await import(
    pathToFileURL(join(code, 'transpiler', 'index.ts')).href
  )) as typeof import('../transpiler/index.ts');
  const loadCpuSeconds = cpuSeconds();
  const { report } = await migrate({ paths, cwd: dir });
  const result: ChildResult = {
    files: report.filesScanned,
    filesChanged: report.filesChanged,
    summary: report.summary as unknown as Record<string, number>,
    timings: report.timings,
    cpuSeconds: cpuSeconds(),
    loadCpuSeconds,
    peakRssMB: process.resourceUsage().maxRSS / 1024,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

function runChild(dir: string, code: string, paths: string[]): Run {
  const t0 = performance.now();
  const out = spawnSync(
    process.execPath,
    [...process.execArgv, fileURLToPath(import.meta.url), '--child', dir, '--code', code, '--paths', paths.join(',')],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  const wallSeconds = (performance.now() - t0) / 1000;
  if (out.status !== 0) throw new Error(`migrate child (${code}) failed with ${out.status}: ${out.stderr}`);
  const line = out.stdout.trim().split('\n').at(-1)!;
  return { ...(JSON.parse(line) as ChildResult), code, wallSeconds };
}

const load = (): string =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const option = (name: string): string | undefined => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const childDir = option('--child');
  if (childDir) return child(childDir, option('--code')!, option('--paths')!.split(','));

  const files = Number(option('--files') ?? 2000) || 2000;
  const rounds = Math.max(1, Number(option('--rounds') ?? 1) || 1);
  const compare = option('--compare');
  const codes = compare ? [ROOT, resolve(compare)] : [ROOT];
  const dir = generateRepo(files);
  // The first folder (files 0-99, the same mix of modules) gives the fixed cost by difference.
  const smallFiles = Math.min(100, files);
  const runs: Array<{ round: number; full: Run; small: Run }> = [];
  console.log(`repository: ${files} files in ${dir}; load average ${load()} at start`);
  for (let round = 1; round <= rounds; round++) {
    for (const code of round % 2 ? codes : [...codes].reverse()) {
      const small = runChild(dir, code, ['src/pkg0']);
      const full = runChild(dir, code, ['src']);
      if (small.files !== smallFiles || full.files !== files)
        throw new Error(`expected ${smallFiles} and ${files} files, migrate scanned ${small.files} and ${full.files}`);
      runs.push({ round, full, small });
      // With 100 files or fewer both runs are the same repository: no slope to take.
      const perFile =
        full.files > small.files ? (full.cpuSeconds - small.cpuSeconds) / (full.files - small.files) : Number.NaN;
      const fixed = small.cpuSeconds - perFile * small.files;
      console.log(
        `round ${round} ${code === ROOT ? 'this checkout' : code}: ${full.files} files, wall ${full.wallSeconds.toFixed(1)} s = ${(full.files / full.wallSeconds).toFixed(0)} files/s; ` +
          `CPU ${full.cpuSeconds.toFixed(1)} s = ${(full.files / full.cpuSeconds).toFixed(0)} files per CPU-second ` +
          `(${(perFile * 1000).toFixed(1)} ms per file, fixed ${fixed.toFixed(1)} s of which ${full.loadCpuSeconds.toFixed(1)} s loading the transpiler); ` +
          `peak RSS ${full.peakRssMB.toFixed(0)} MB; ${full.filesChanged} would change; load average ${load()}`,
      );
    }
  }
  const last = runs.at(-1)!.full;
  console.log(`summary: ${JSON.stringify(last.summary)}`);
  console.log(`timings (ms): ${JSON.stringify(last.timings)}`);
  if (compare) {
    const ratios = runs
      .filter((r) => r.full.code === ROOT)
      .map((r) => {
        const other = runs.find((o) => o.round === r.round && o.full.code !== ROOT)!;
        return other.full.cpuSeconds / r.full.cpuSeconds;
      });
    console.log(
      `CPU of ${compare} / CPU of this checkout per round: ${ratios.map((x) => x.toFixed(2)).join(' ')} (median ${median(ratios).toFixed(2)})`,
    );
  }
  const mine = runs.filter((r) => r.full.code === ROOT).map((r) => r.full);
  const wallRate = median(mine.map((r) => r.files / r.wallSeconds));
  const cpuRate = median(mine.map((r) => r.files / r.cpuSeconds));
  // Wall time follows the machine's load; the CPU rate is what one idle core would give.
  console.log(
    `${wallRate >= 50 ? 'PASS' : 'FAIL'} migrate ${files} files >= 50 files/s wall: ${wallRate.toFixed(0)} files/s (load average ${load()}); ` +
      `${cpuRate.toFixed(0)} files per CPU-second (about one idle core)`,
  );
  if (!args.includes('--keep')) rmSync(dir, { recursive: true, force: true });
  else console.log(`repo kept at ${dir}`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
