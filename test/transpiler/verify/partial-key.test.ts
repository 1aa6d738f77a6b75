/**
 * partialKey → keyBy + local-global aggregate, proven by running both sides: a word count whose
 * counter is partial-key grouped, migrated in a temp project, then `migrate --verify`'s
 * verification. The aggregate emits once per key per mini-batch where the bolt emitted every
 * running count, so the terminal bolt after it is compared as the last value per word.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { migrate } from '../../../transpiler/index.ts';
import { lastPerKeyOf } from '../../../cli/migrate.ts';
import { formatVerdicts, verifyMigration } from '../../../transpiler/verify/index.ts';
import { removeSandbox, sandbox } from '../sandbox.ts';

const TOPOLOGY = `import { BaseBasicBolt, Fields, TestWordSpout, TopologyBuilder, Values, type BasicOutputCollector, type OutputFieldsDeclarer, type Tuple } from '../compat/index.ts';

export class WordCount extends BaseBasicBolt {
  private readonly counts = new Map<string, number>();

  execute(tuple: Tuple, collector: BasicOutputCollector): void {
    const word = tuple.getStringByField('word');
    const count = (this.counts.get(word) ?? 0) + 1;
    this.counts.set(word, count);
    collector.emit(new Values(word, count));
  }

  override declareOutputFields(declarer: OutputFieldsDeclarer): void {
    declarer.declare(new Fields('word', 'count'));
  }
}

export class Report extends BaseBasicBolt {
  execute(tuple: Tuple, collector: BasicOutputCollector): void {
    collector.emit(new Values(tuple.getStringByField('word'), \`\${tuple.getStringByField('word')}=\${tuple.getIntegerByField('count')}\`));
  }

  override declareOutputFields(declarer: OutputFieldsDeclarer): void {
    declarer.declare(new Fields('word', 'line'));
  }
}

const builder = new TopologyBuilder();
builder.setSpout('words', new TestWordSpout());
builder.setBolt('count', new WordCount()).partialKeyGrouping('words', new Fields('word'));
builder.setBolt('report', new Report()).fieldsGrouping('count', new Fields('word'));

export default builder.createTopology();
`;

const dir = sandbox();
afterAll(() => removeSandbox(dir));

describe('partialKey grouping into a per-key count', { timeout: 300_000 }, () => {
  it('becomes a local-global aggregate whose last count per word equals the original', async () => {
    mkdirSync(join(dir, 'src'));
    const file = join(dir, 'src', 'topology.ts');
    writeFileSync(file, TOPOLOGY);
    const result = await migrate({ paths: ['src'], cwd: dir });
    const after = result.changes.get(file)?.after ?? '';
    expect(after).toContain('localGlobal: true');
    expect(result.report.files.flatMap((f) => f.findings.map((x) => x.code))).toContain('SS941');
    expect(lastPerKeyOf(result).get(file)?.get('count')).toEqual(['word']);
    const [verdict] = await verifyMigration({
      root: result.root,
      changes: result.changes,
      topologies: result.topologies,
      records: 100,
      // From the report: the aggregate's emits (and so what follows them) compare as the last count per word.
      lastPerKey: lastPerKeyOf(result),
    });
    expect(verdict!.status, formatVerdicts([verdict!])).toBe('equal');
    const lines = verdict!.sinks.find((s) => s.component === 'report' && s.what !== 'input')!;
    // The five test words each reach their last count on both sides.
    expect(lines.original).toBeGreaterThan(0);
  });
});
