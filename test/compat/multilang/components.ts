/**
 * Shell components and a recorder for the multilang tests. Each task runs a private clone (R9), so
 * what the test observes lives in a module-level registry keyed by a journal id.
 */
import { fileURLToPath } from 'node:url';
import {
  BaseRichBolt,
  Fields,
  ShellBolt,
  ShellSpout,
  type Conf,
  type OutputCollector,
  type OutputFieldsDeclarer,
  type TopologyContext,
  type Tuple,
} from '../../../compat/index.ts';

export const RESOURCES = fileURLToPath(new URL('./resources/', import.meta.url));

export const SENTENCES = [
  'the cow jumped over the moon',
  'an apple a day keeps the doctor away',
  'four score and seven years ago',
  'snow white and the seven dwarfs',
];

export function expectedCounts(n: number): Map<string, number> {
  const m = new Map<string, number>();
  for (let i = 0; i < n; i++) for (const w of SENTENCES[i % SENTENCES.length]!.split(' ')) m.set(w, (m.get(w) ?? 0) + 1);
  return m;
}

export interface Record {
  tuples: Array<{ stream: string; source: string; values: unknown[] }>;
}
const records = new Map<string, Record>();
let nextId = 0;
export function newRecord(): string {
  const id = `r${++nextId}`;
  records.set(id, { tuples: [] });
  return id;
}
export function record(id: string): Record {
  return records.get(id)!;
}

export class SentenceSpout extends ShellSpout {
  constructor() {
    super('python3', 'sentence_spout.py');
  }
  declareOutputFields(d: OutputFieldsDeclarer): void {
    d.declare(new Fields('sentence', 'i', 'attempt'));
    d.declareStream('verdicts', new Fields('verdict', 'id'));
  }
}

export class PySplitBolt extends ShellBolt {
  constructor() {
    super('python3', 'splitsentence.py');
  }
  declareOutputFields(d: OutputFieldsDeclarer): void {
    d.declare(new Fields('word'));
  }
}

export class NodeCountBolt extends ShellBolt {
  constructor() {
    super('node', 'count.cjs');
  }
  declareOutputFields(d: OutputFieldsDeclarer): void {
    d.declare(new Fields('word', 'count'));
  }
}

/** A shell bolt over any script in resources/, declaring the given fields on the default stream. */
export class ScriptBolt extends ShellBolt {
  constructor(
    command: string[],
    private readonly fields: string[],
  ) {
    super(command);
  }
  declareOutputFields(d: OutputFieldsDeclarer): void {
    d.declare(new Fields(...this.fields));
  }
}

export class RecorderBolt extends BaseRichBolt {
  private collector!: OutputCollector;
  constructor(private readonly recordId: string) {
    super();
  }
  prepare(_c: Conf, _ctx: TopologyContext, collector: OutputCollector): void {
    this.collector = collector;
  }
  execute(t: Tuple): void {
    record(this.recordId).tuples.push({ stream: t.getSourceStreamId(), source: t.getSourceComponent(), values: [...t.getValues()] });
    this.collector.ack(t);
  }
  declareOutputFields(): void {}
}
