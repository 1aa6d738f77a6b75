/**
 * Small components for the executor tests. State the test must observe lives in module-level
 * registries keyed by an id, because every task runs a private clone of the component (R9).
 */
import {
  BaseBasicBolt,
  BaseRichBolt,
  BaseRichSpout,
  Fields,
  Values,
  type BasicOutputCollector,
  type Conf,
  type OutputCollector,
  type OutputFieldsDeclarer,
  type SpoutOutputCollector,
  type TopologyContext,
  type Tuple,
} from '../../../compat/index.ts';

export interface Journal {
  emitted: unknown[];
  acked: unknown[];
  failed: unknown[];
  received: Array<{ task: number; values: readonly unknown[]; stream: string; source: string }>;
  opened: number[];
  prepared: number[];
  closed: number[];
  events: string[];
}

const journals = new Map<string, Journal>();
let nextId = 0;

export function newJournal(): string {
  const id = `j${++nextId}`;
  journals.set(id, {
    emitted: [],
    acked: [],
    failed: [],
    received: [],
    opened: [],
    prepared: [],
    closed: [],
    events: [],
  });
  return id;
}

export function journal(id: string): Journal {
  return journals.get(id)!;
}

/**
 * Waits for an event: `cond` is re-read every few ms until it holds. No wall-clock deadline of its
 * own (a loaded machine only makes the wait longer): the test's timeout is the bound. `timeoutMs`
 * and `what` are kept for the callers' documentation of what they expect.
 */
export async function waitFor(cond: () => boolean, _timeoutMs = 10_000, _what = 'condition'): Promise<void> {
  while (!cond()) await new Promise((r) => setTimeout(r, 5));
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Emits each item of `items` once (tracked with msgId = item index unless `untracked`), replays
 * failed ones when `replay`, and journals acks/fails. The cursor lives in the journal so a
 * restarted task continues instead of starting over.
 */
export class ListSpout extends BaseRichSpout {
  private collector!: SpoutOutputCollector;
  private taskId = 0;
  constructor(
    private readonly journalId: string,
    private readonly items: unknown[][],
    private readonly options: { untracked?: boolean; replay?: boolean; stream?: string; fields?: string[] } = {},
  ) {
    super();
  }
  open(_conf: Conf, context: TopologyContext, collector: SpoutOutputCollector): void {
    this.collector = collector;
    this.taskId = context.getThisTaskId();
    journal(this.journalId).opened.push(this.taskId);
  }
  nextTuple(): void {
    const j = journal(this.journalId) as Journal & { cursor?: number; retry?: number[] };
    const retry = (j.retry ??= []);
    let idx: number | undefined;
    if (this.options.replay && retry.length > 0) idx = retry.shift();
    else if ((j.cursor ?? 0) < this.items.length) idx = (j.cursor = (j.cursor ?? 0) + 1) - 1;
    if (idx === undefined) return;
    j.emitted.push(idx);
    const values = new Values(...this.items[idx]!);
    const msgId = this.options.untracked ? undefined : idx;
    if (this.options.stream) this.collector.emit(this.options.stream, values, msgId);
    else this.collector.emit(values, msgId);
  }
  override ack(msgId: unknown): void {
    journal(this.journalId).acked.push(msgId);
  }
  override fail(msgId: unknown): void {
    const j = journal(this.journalId) as Journal & { retry?: number[] };
    j.failed.push(msgId);
    if (this.options.replay) (j.retry ??= []).push(msgId as number);
  }
  override close(): void {
    journal(this.journalId).closed.push(this.taskId);
  }
  declareOutputFields(declarer: OutputFieldsDeclarer): void {
    const fields = new Fields(this.options.fields ?? ['word']);
    if (this.options.stream) declarer.declareStream(this.options.stream, fields);
    else declarer.declare(fields);
  }
}

export class ExclamationBolt extends BaseRichBolt {
  private collector!: OutputCollector;
  prepare(_conf: Conf, _context: TopologyContext, collector: OutputCollector): void {
    this.collector = collector;
  }
  execute(tuple: Tuple): void {
    this.collector.emit(tuple, new Values(tuple.getString(0) + '!!!'));
    this.collector.ack(tuple);
  }
  declareOutputFields(declarer: OutputFieldsDeclarer): void {
    declarer.declare(new Fields('word'));
  }
}

export class SplitSentence extends BaseBasicBolt {
  execute(tuple: Tuple, collector: BasicOutputCollector): void {
    for (const w of tuple.getString(0).split(' ')) collector.emit(new Values(w));
  }
  declareOutputFields(declarer: OutputFieldsDeclarer): void {
    declarer.declare(new Fields('word'));
  }
}

export class WordCount extends BaseBasicBolt {
  private counts = new Map<string, number>();
  execute(tuple: Tuple, collector: BasicOutputCollector): void {
    const word = tuple.getString(0);
    const count = (this.counts.get(word) ?? 0) + 1;
    this.counts.set(word, count);
    collector.emit(new Values(word, count));
  }
  declareOutputFields(declarer: OutputFieldsDeclarer): void {
    declarer.declare(new Fields('word', 'count'));
  }
}

/** Journals every tuple it receives with its task id, then acks it. */
export class RecorderBolt extends BaseRichBolt {
  private collector!: OutputCollector;
  private taskId = 0;
  constructor(private readonly journalId: string) {
    super();
  }
  prepare(_conf: Conf, context: TopologyContext, collector: OutputCollector): void {
    this.collector = collector;
    this.taskId = context.getThisTaskId();
    journal(this.journalId).prepared.push(this.taskId);
  }
  execute(tuple: Tuple): void {
    journal(this.journalId).received.push({
      task: this.taskId,
      values: tuple.getValues(),
      stream: tuple.getSourceStreamId(),
      source: tuple.getSourceComponent(),
    });
    this.collector.ack(tuple);
  }
  override cleanup(): void {
    journal(this.journalId).closed.push(this.taskId);
  }
  declareOutputFields(): void {}
}
