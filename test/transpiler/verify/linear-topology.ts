/**
 * Random linear topologies for the migration property: a spout, then 1–4 bolts, each a map, a
 * filter or a flatMap over records { word, n }, wired by shuffle or fields('word') grouping with
 * parallelism 1–3. Rendered as TypeScript source text a user could have written against
 * stormshift/compat, and (for checking verify itself) as the native job a correct migration is.
 */
import fc from 'fast-check';

export type StageKind = 'map' | 'filter' | 'flatMap';

export interface Stage {
  kind: StageKind;
  grouping: 'shuffle' | 'fields';
  parallelism: number;
  /** Constants of the stage's logic (1..5 and 0..4). */
  a: number;
  b: number;
}

export interface LinearTopology {
  spoutParallelism: number;
  stages: Stage[];
}

export const stageArb: fc.Arbitrary<Stage> = fc.record({
  kind: fc.constantFrom<StageKind>('map', 'filter', 'flatMap'),
  grouping: fc.constantFrom<'shuffle' | 'fields'>('shuffle', 'fields'),
  parallelism: fc.integer({ min: 1, max: 3 }),
  a: fc.integer({ min: 1, max: 5 }),
  b: fc.integer({ min: 0, max: 4 }),
});

/** The stages applied to one spout record, in process: what reaches the terminal bolt. */
export function runStages(t: LinearTopology, input: { word: string; n: number }): Array<{ word: string; n: number }> {
  let records = [input];
  for (const s of t.stages) {
    const next: Array<{ word: string; n: number }> = [];
    for (const { word, n } of records) {
      if (s.kind === 'map') next.push({ word: word + String.fromCharCode(97 + s.b), n: n * s.a + s.b });
      else if (s.kind === 'filter') {
        if (n % (s.a + 1) !== s.b % (s.a + 1)) next.push({ word, n });
      } else for (let k = 0; k < n % (s.a + 1); k++) next.push({ word: word + k, n: n + k });
    }
    records = next;
  }
  return records;
}

/**
 * Every spout task counts from 0, and 40 recorded tuples over at most 3 tasks give one task at
 * least 14: n = 0..12 is always in the input. A topology whose stages drop all of those may leave
 * its terminal empty, which verify rightly calls unverifiable rather than equal; the property is
 * about topologies with output.
 */
function hasOutput(t: LinearTopology): boolean {
  for (let n = 0; n <= 12; n++) if (runStages(t, { word: 'w' + (n % 7), n }).length > 0) return true;
  return false;
}

export const linearTopologyArb: fc.Arbitrary<LinearTopology> = fc
  .record({
    spoutParallelism: fc.integer({ min: 1, max: 3 }),
    stages: fc.array(stageArb, { minLength: 1, maxLength: 4 }),
  })
  .filter(hasOutput);

/** The bolt body in Storm terms (`word`, `n` in scope; emits through `collector`). */
function stormBody(s: Stage): string {
  switch (s.kind) {
    case 'map':
      return `collector.emit(new Values(word + '${String.fromCharCode(97 + s.b)}', n * ${s.a} + ${s.b}));`;
    case 'filter':
      return `if (n % ${s.a + 1} !== ${s.b % (s.a + 1)}) collector.emit(new Values(word, n));`;
    case 'flatMap':
      return `for (let k = 0; k < n % ${s.a + 1}; k++) collector.emit(new Values(word + k, n + k));`;
  }
}

/** The same logic as a native operator over records. */
function nativeCall(s: Stage, id: string): string {
  const options = `{ name: '${id}', uid: '${id}', parallelism: ${s.parallelism} }`;
  switch (s.kind) {
    case 'map':
      return `.map((r) => ({ word: r.word + '${String.fromCharCode(97 + s.b)}', n: r.n * ${s.a} + ${s.b} }), ${options})`;
    case 'filter':
      return `.filter((r) => r.n % ${s.a + 1} !== ${s.b % (s.a + 1)}, ${options})`;
    case 'flatMap':
      return `.flatMap<Rec>((r, emit) => {\n      for (let k = 0; k < r.n % ${s.a + 1}; k++) emit({ word: r.word + k, n: r.n + k });\n    }, ${options})`;
  }
}

/** The topology as a Storm-API module importing `compat` (e.g. 'stormshift/compat'). */
export function stormSource(t: LinearTopology, compat: string): string {
  const bolts = t.stages
    .map(
      (s, i) => `export class Stage${i + 1} extends BaseBasicBolt {
  execute(tuple: Tuple, collector: BasicOutputCollector): void {
    const word = tuple.getStringByField('word');
    const n = tuple.getIntegerByField('n');
    ${stormBody(s)}
  }

  override declareOutputFields(declarer: OutputFieldsDeclarer): void {
    declarer.declare(new Fields('word', 'n'));
  }
}
`,
    )
    .join('\n');
  const wiring = t.stages
    .map((s, i) => {
      const from = i === 0 ? 'spout' : `stage${i}`;
      const grouping =
        s.grouping === 'fields' ? `.fieldsGrouping('${from}', new Fields('word'))` : `.shuffleGrouping('${from}')`;
      return `builder.setBolt('stage${i + 1}', new Stage${i + 1}(), ${s.parallelism})${grouping};`;
    })
    .join('\n');
  return `/** Generated: ${JSON.stringify(t)} */
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
} from '${compat}';

export class NumberSpout extends BaseRichSpout {
  private collector!: SpoutOutputCollector;
  private next = 0;

  open(_conf: Conf, _context: TopologyContext, collector: SpoutOutputCollector): void {
    this.collector = collector;
  }

  nextTuple(): void {
    const n = this.next++;
    this.collector.emit(new Values('w' + (n % 7), n));
  }

  override declareOutputFields(declarer: OutputFieldsDeclarer): void {
    declarer.declare(new Fields('word', 'n'));
  }
}

${bolts}
const builder = new TopologyBuilder();
builder.setSpout('spout', new NumberSpout(), ${t.spoutParallelism});
${wiring}

export default builder.createTopology();
`;
}

/** What a correct migration of `stormSource(t)` is, written by hand from the same spec. */
export function nativeSource(t: LinearTopology, runtime: string): string {
  const stages = t.stages
    .map(
      (s, i) =>
        `    ${s.grouping === 'fields' ? '.keyBy((r) => r.word)' : '.rebalance()'}\n    ${nativeCall(s, `stage${i + 1}`)}`,
    )
    .join('\n');
  return `/** Generated native rewrite of ${JSON.stringify(t)} */
import { defineJob } from '${runtime}';

interface Rec {
  word: string;
  n: number;
}

export default defineJob((env) => {
  env
    .generate<Rec>({ generate: (i) => ({ word: 'w' + (i % 7), n: i }) }, { name: 'spout', uid: 'spout', parallelism: ${t.spoutParallelism} })
${stages};
});
`;
}
