/**
 * Migration speed: generates a repository of N Storm-API files (default 2,000: topology modules
 * shaped like storm-starter's word count with varied names and fields, and component-only modules)
 * in a temp folder linked to this package's compat/runtime, runs `migrate` over it (dry run) in
 * this process and prints files/s, the phase timings and the peak RSS.
 * Run: npx tsx bench/migrate-files.ts [--files N] [--keep]
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { migrate } from '../transpiler/index.ts';

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

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const files = Number(args[args.indexOf('--files') + 1] ?? 2000) || 2000;
  const dir = generateRepo(files);
  let peak = 0;
  const sample = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 100);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const result = await migrate({ paths: ['src'], cwd: dir });
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  clearInterval(sample);
  peak = Math.max(peak, process.memoryUsage().rss);
  const r = result.report;
  console.log(
    `migrate: ${r.filesScanned} files in ${seconds.toFixed(1)} s = ${(r.filesScanned / seconds).toFixed(0)} files/s (wall); CPU ${cpuSeconds.toFixed(1)} s = ${(r.filesScanned / cpuSeconds).toFixed(0)} files per CPU-second; ${r.filesChanged} would change; peak RSS ${(peak / 1e6).toFixed(0)} MB`,
  );
  console.log(`summary: ${JSON.stringify(r.summary)}`);
  console.log(`timings (ms): ${JSON.stringify(r.timings)}`);
  if (!args.includes('--keep')) rmSync(dir, { recursive: true, force: true });
  else console.log(`repo kept at ${dir}`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
