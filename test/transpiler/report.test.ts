/**
 * The report lists every construct that stands in the way of a file, not only the first: a user
 * fixing blockers one run at a time would otherwise need as many runs as there are blockers.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, type MigrationResult } from '../../transpiler/index.ts';
import { markdownSummary } from '../../transpiler/report/index.ts';
import { removeSandbox, sandbox } from './sandbox.ts';

const TOPOLOGY = `import {
  BaseBasicBolt,
  BaseRichBolt,
  BaseRichSpout,
  Config,
  Fields,
  TopologyBuilder,
  Values,
  type BasicOutputCollector,
  type Conf,
  type OutputCollector,
  type OutputFieldsDeclarer,
  type SpoutOutputCollector,
  type TopologyContext,
  type Tuple,
} from '../compat/index.ts';
import { Printer } from './printer.ts';

export class Lines extends BaseRichSpout {
  private collector!: SpoutOutputCollector;

  open(_conf: Conf, _context: TopologyContext, collector: SpoutOutputCollector): void {
    this.collector = collector;
  }

  async nextTuple(): Promise<void> {
    this.collector.emit(new Values(await Promise.resolve('a b')));
  }

  override declareOutputFields(declarer: OutputFieldsDeclarer): void {
    declarer.declare(new Fields('line'));
  }
}

export class Picky extends BaseRichBolt {
  private collector!: OutputCollector;

  prepare(_conf: Conf, _context: TopologyContext, collector: OutputCollector): void {
    this.collector = collector;
  }

  execute(input: Tuple): void {
    if (input.getString(0).length < 4) this.collector.fail(input);
    else this.collector.emit(input, new Values(input.getStringByField('text')));
  }

  override declareOutputFields(declarer: OutputFieldsDeclarer): void {
    declarer.declare(new Fields('line'));
  }
}

export class Upper extends BaseBasicBolt {
  execute(tuple: Tuple, collector: BasicOutputCollector): void {
    collector.emit(new Values(tuple.getStringByField('line').toUpperCase()));
  }

  override declareOutputFields(declarer: OutputFieldsDeclarer): void {
    declarer.declare(new Fields('upper'));
  }
}

export const conf = new Config();
conf.put('my.custom.key', 1);

export function build(): TopologyBuilder {
  const builder = new TopologyBuilder();
  builder.setSpout('lines', new Lines());
  builder.setBolt('picky', new Picky()).shuffleGrouping('lines');
  builder.setBolt('upper', new Upper()).shuffleGrouping('picky');
  builder.setBolt('print', new Printer()).shuffleGrouping('upper');
  return builder;
}

export default build().createTopology();
`;

const PRINTER = `import { BaseBasicBolt, type BasicOutputCollector, type OutputFieldsDeclarer, type Tuple } from '../compat/index.ts';

export class Printer extends BaseBasicBolt {
  execute(tuple: Tuple, _collector: BasicOutputCollector): void {
    console.log(tuple.getValues());
  }

  override declareOutputFields(_declarer: OutputFieldsDeclarer): void {}
}
`;

let dir: string;
let result: MigrationResult;

beforeAll(async () => {
  dir = sandbox();
  mkdirSync(join(dir, 'src'));
  writeFileSync(join(dir, 'src', 'topology.ts'), TOPOLOGY);
  writeFileSync(join(dir, 'src', 'printer.ts'), PRINTER);
  result = await migrate({ paths: ['src'], cwd: dir });
}, 120_000);

afterAll(() => removeSandbox(dir));

const lineOf = (text: string, needle: string): number => text.slice(0, text.indexOf(needle)).split('\n').length;

describe('migrate report', () => {
  it('lists every blocker of a left file, in source order, each with rule, code, location, reason and manual step', () => {
    const file = result.report.files.find((f) => f.file === 'src/topology.ts')!;
    expect(file.status).toBe('unchanged');
    expect(result.changes.has(join(dir, 'src', 'topology.ts'))).toBe(false);
    expect(file.findings.map((f) => [f.code, f.rule, f.status, f.construct, f.line])).toEqual([
      ['SS108', 'spout-source', 'left', 'Lines', lineOf(TOPOLOGY, 'async nextTuple')],
      ['SS204', 'bolt-function', 'left', 'Picky', lineOf(TOPOLOGY, 'this.collector.fail')],
      // A second blocker of the same bolt: each is reported, not only the first.
      ['SS205', 'bolt-function', 'left', 'Picky', lineOf(TOPOLOGY, "getStringByField('text')")],
      ['SS705', 'config', 'left', 'conf.put', lineOf(TOPOLOGY, "conf.put('my")],
    ]);
    for (const f of file.findings) {
      expect(f.file).toBe('src/topology.ts');
      expect(f.column).toBeGreaterThan(0);
      expect(f.reason.length).toBeGreaterThan(0);
      expect(f.manualStep?.length).toBeGreaterThan(0);
    }
    // The bolt between two blocked ones was analyzed too, and had nothing against it.
    expect(file.findings.some((f) => f.construct === 'Upper')).toBe(false);
    // The printer from another module is no blocker: it would convert with the topology, as a native sibling.
    expect(result.report.summary.left).toBe(5); // 4 here, and the printer module's SS007
  });

  it('the Markdown summary counts them, ranks the top reasons and lists each blocker with its location', () => {
    const md = markdownSummary(result.report);
    expect(md).toContain('Findings: 0 converted, 0 partial, 5 left, 0 error.');
    const top = md.slice(md.indexOf('## Top reasons'), md.indexOf('## Files'));
    for (const code of ['SS108', 'SS204', 'SS205', 'SS705', 'SS007']) expect(top).toContain(`${code} left`);
    expect(md).toContain(`src/topology.ts:${lineOf(TOPOLOGY, 'this.collector.fail')}:`);
    expect(md).toMatch(/SS705 left conf.put: .* — manual step: /);
  });

  it('the JSON schema in docs/migrate-codes.md names every field a finding carries', () => {
    const doc = readFileSync(join(import.meta.dirname, '../../docs/migrate-codes.md'), 'utf8');
    const schema = doc.slice(doc.indexOf('interface MigrationReport'));
    const finding = result.report.files.find((f) => f.file === 'src/topology.ts')!.findings[0]!;
    for (const key of Object.keys(finding)) expect(schema).toMatch(new RegExp(`\\b${key}\\??:`));
  });
});

const WINDOWED = `import {
  BaseWindowedBolt,
  Count,
  Fields,
  TestWordSpout,
  TopologyBuilder,
  Values,
  type Conf,
  type OutputCollector,
  type OutputFieldsDeclarer,
  type TopologyContext,
  type TupleWindow,
} from '../compat/index.ts';

export class Batches extends BaseWindowedBolt {
  private collector!: OutputCollector;
  private seen = 0;

  override prepare(_conf: Conf, _context: TopologyContext, collector: OutputCollector): void {
    this.collector = collector;
  }

  execute(window: TupleWindow): void {
    this.seen = this.count(window);
    this.collector.emit(new Values(window.getStartTimestamp(), this.seen));
  }

  count(window: TupleWindow): number {
    return window.get().length;
  }

  override cleanup(): void {
    this.seen = 0;
  }

  override declareOutputFields(declarer: OutputFieldsDeclarer): void {
    declarer.declare(new Fields('start', 'seen'));
  }
}

export class Loud extends BaseWindowedBolt {
  private collector!: OutputCollector;

  override prepare(_conf: Conf, _context: TopologyContext, collector: OutputCollector): void {
    this.collector = collector;
    console.log('ready');
  }

  execute(window: TupleWindow): void {
    const first = window.get()[0]!;
    this.collector.emit(first, new Values(first.getStringByField('word')));
    this.collector.emit(new Values('a', 'b'));
  }

  override declareOutputFields(declarer: OutputFieldsDeclarer): void {
    declarer.declare(new Fields('word'));
  }
}

export function build(): TopologyBuilder {
  const builder = new TopologyBuilder();
  builder.setSpout('words', new TestWordSpout());
  builder.setBolt('batches', new Batches().withTumblingWindow(Count.of(10))).shuffleGrouping('words');
  builder.setBolt('loud', new Loud().withTumblingWindow(Count.of(5))).shuffleGrouping('words');
  return builder;
}

export default build().createTopology();
`;

describe('migrate report, count-windowed bolt', () => {
  let windowedDir: string;
  let windowed: MigrationResult;

  beforeAll(async () => {
    windowedDir = sandbox();
    mkdirSync(join(windowedDir, 'src'));
    writeFileSync(join(windowedDir, 'src', 'topology.ts'), WINDOWED);
    windowed = await migrate({ paths: ['src'], cwd: windowedDir });
  }, 120_000);

  afterAll(() => removeSandbox(windowedDir));

  it('lists every blocker of the bolt with its line, not only the first, and leaves the file as it was', () => {
    const file = windowed.report.files.find((f) => f.file === 'src/topology.ts')!;
    expect(file.status).toBe('unchanged');
    expect(windowed.changes.has(join(windowedDir, 'src', 'topology.ts'))).toBe(false);
    const blockers = file.findings.filter((f) => f.status === 'left' && f.construct === 'Batches');
    expect(blockers.map((f) => [f.code, f.rule, f.construct, f.line, f.reason])).toEqual([
      ['SS601', 'windows', 'Batches', lineOf(WINDOWED, 'private seen'), 'field seen is state across windows'],
      [
        'SS601',
        'windows',
        'Batches',
        lineOf(WINDOWED, 'this.seen = this.count'),
        "`this.count(window)`: only window.get() has a native counterpart (the window's elements)",
      ],
      [
        'SS601',
        'windows',
        'Batches',
        lineOf(WINDOWED, 'this.seen = this.count'),
        '`this.count`: only emits reach the instance',
      ],
      [
        'SS601',
        'windows',
        'Batches',
        lineOf(WINDOWED, 'window.getStartTimestamp'),
        "`window.getStartTimestamp()`: only window.get() has a native counterpart (the window's elements)",
      ],
      [
        'SS601',
        'windows',
        'Batches',
        lineOf(WINDOWED, 'count(window: TupleWindow)'),
        'count() has no counterpart in a window function',
      ],
      [
        'SS601',
        'windows',
        'Batches',
        lineOf(WINDOWED, 'override cleanup'),
        'cleanup() has no counterpart in a window function',
      ],
    ]);
    for (const f of blockers) expect(f.manualStep?.length).toBeGreaterThan(0);
  });

  it('a prepare() doing more still keeps the collector: its field is not reported, the bad emits are', () => {
    const file = windowed.report.files.find((f) => f.file === 'src/topology.ts')!;
    const blockers = file.findings.filter((f) => f.status === 'left' && f.construct === 'Loud');
    expect(blockers.map((f) => [f.code, f.line, f.reason])).toEqual([
      ['SS601', lineOf(WINDOWED, "console.log('ready')") - 2, 'prepare() does more than keep the collector'],
      // The anchor is a use of the tuple too, and each is reported.
      [
        'SS601',
        lineOf(WINDOWED, 'this.collector.emit(first'),
        '`this.collector.emit(first, new Values(first.getStringByField`: the tuple is used other than by a field accessor',
      ],
      ['SS601', lineOf(WINDOWED, 'this.collector.emit(first'), 'emit with an anchor or a stream'],
      ['SS601', lineOf(WINDOWED, "new Values('a', 'b')"), 'emits 2 values where 1 fields are declared'],
    ]);
  });
});

describe('migrate report, JoinBolt on several tasks', () => {
  const FIXTURES = join(import.meta.dirname, 'fixtures', 'join');
  const input = (name: string): string => readFileSync(join(FIXTURES, name, 'input', 'topology.ts'), 'utf8');
  const cases = {
    // Processing time, but one input shuffled and one grouped on more than its join field.
    offKey: input('processing-time-tasks-left'),
    // Event time on three tasks.
    eventTime: input('several-tasks-left'),
    // A count window on three tasks, each input grouped on its join field.
    count: input('count-window').replace('.withTumblingWindow(Count.of(10)))', '.withTumblingWindow(Count.of(10)), 3)'),
  };
  let dir: string;
  let migrated: MigrationResult;

  beforeAll(async () => {
    expect(cases.count).toContain('Count.of(10)), 3)');
    dir = sandbox();
    for (const [name, text] of Object.entries(cases)) {
      mkdirSync(join(dir, name));
      writeFileSync(join(dir, name, 'topology.ts'), text);
    }
    migrated = await migrate({ paths: Object.keys(cases), cwd: dir });
  }, 120_000);

  afterAll(() => removeSandbox(dir));

  const blockers = (name: string) =>
    migrated.report.files
      .find((f) => f.file === `${name}/topology.ts`)!
      .findings.filter((f) => f.status === 'left')
      .map((f) => [f.code, f.line, f.reason]);

  it('says which input is not grouped on its join field, each at its grouping, and leaves the file', () => {
    expect(migrated.changes.has(join(dir, 'offKey', 'topology.ts'))).toBe(false);
    expect(blockers('offKey')).toEqual([
      [
        'SS922',
        lineOf(cases.offKey, ".fieldsGrouping('purchases'"),
        "'purchases' is not fields-grouped on its join field 'userId' alone (`.fieldsGrouping(...)` on userId, amount): over 3 tasks, tuples that join could meet on different tasks, so compat's rows depend on its task choice",
      ],
      [
        'SS922',
        lineOf(cases.offKey, ".shuffleGrouping('ads')"),
        "'ads' is not fields-grouped on its join field 'userId' alone (`.shuffleGrouping(...)`): over 3 tasks, tuples that join could meet on different tasks, so compat's rows depend on its task choice",
      ],
    ]);
  });

  it('leaves event-time and count windows on several tasks, saying what differs per task', () => {
    expect(blockers('eventTime')).toContainEqual([
      'SS922',
      lineOf(cases.eventTime, '    3,\n'),
      "event-time windows per task over 3 tasks: each task's watermark follows the timestamps of its own keys on Storm, the runtime's follows all of them, so which tuples are late and the last windows before the end of input differ",
    ]);
    expect(blockers('count')).toEqual([
      [
        'SS922',
        lineOf(cases.count, 'Count.of(10)), 3)'),
        "count windows per task over 3 tasks: a task's window counts the tuples of every key compat's hash sends it, in arrival order, and a native count window counts one key's",
      ],
    ]);
  });
});
