/**
 * Shell components and a recorder for the multilang tests. Each task runs a private clone (R9), so
 * what the test observes lives in a module-level registry keyed by a journal id.
 */
import { fileURLToPath } from 'node:url';
import {
  BaseRichBolt,
  BaseRichSpout,
  type SpoutOutputCollector,
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
  for (let i = 0; i < n; i++)
    for (const w of SENTENCES[i % SENTENCES.length]!.split(' ')) m.set(w, (m.get(w) ?? 0) + 1);
  return m;
}

export interface Record {
  tuples: Array<{ stream: string; source: string; task: number; values: unknown[] }>;
  acked: unknown[];
  totals: number[];
  crashed: boolean;
}
// On globalThis: a Flux file loads this module by path, which may be a second module instance.
const g = globalThis as { __mlRecords?: Map<string, Record>; __mlNext?: number };
const records = (g.__mlRecords ??= new Map<string, Record>());
export function newRecord(): string {
  g.__mlNext = (g.__mlNext ?? 0) + 1;
  const id = `r${g.__mlNext}`;
  records.set(id, { tuples: [], acked: [], totals: [], crashed: false });
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
  private task = 0;
  constructor(private readonly recordId: string) {
    super();
  }
  prepare(_c: Conf, ctx: TopologyContext, collector: OutputCollector): void {
    this.collector = collector;
    this.task = ctx.getThisTaskId();
  }
  execute(t: Tuple): void {
    record(this.recordId).tuples.push({
      stream: t.getSourceStreamId(),
      source: t.getSourceComponent(),
      task: this.task,
      values: [...t.getValues()],
    });
    this.collector.ack(t);
  }
  declareOutputFields(): void {}
}

/** Checkpoint-mode source: its position is a data field, so a restore rewinds it (§7a). */
export class CounterSpout extends BaseRichSpout {
  private next = 0;
  private collector!: SpoutOutputCollector;
  constructor(
    private readonly recordId: string,
    private readonly n: number,
  ) {
    super();
  }
  open(_c: Conf, _ctx: TopologyContext, collector: SpoutOutputCollector): void {
    this.collector = collector;
  }
  nextTuple(): void {
    if (this.next >= this.n) return;
    const v = this.next++;
    this.collector.emit([v], v);
  }
  override ack(id: unknown): void {
    record(this.recordId).acked.push(id);
  }
  declareOutputFields(d: OutputFieldsDeclarer): void {
    d.declare(new Fields('v'));
  }
}

/** Sums its input in a data field (checkpointed); throws once after a checkpoint completed. */
export class TotalBolt extends BaseRichBolt {
  private total = 0;
  private collector!: OutputCollector;
  constructor(private readonly recordId: string) {
    super();
  }
  prepare(_c: Conf, _ctx: TopologyContext, collector: OutputCollector): void {
    this.collector = collector;
  }
  execute(t: Tuple): void {
    const r = record(this.recordId);
    if (!r.crashed && r.acked.length > 0) {
      r.crashed = true;
      throw new Error('crash after a completed checkpoint');
    }
    this.total += t.getInteger(0);
    r.totals.push(this.total);
    this.collector.ack(t);
  }
  declareOutputFields(): void {}
}
