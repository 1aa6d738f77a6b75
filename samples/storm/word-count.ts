/**
 * storm-starter's WordCountTopology: random sentences (tracked, replayed on failure) → split into
 * words → running count per word (fields grouping). Each counter task prints its top words on a
 * tick tuple.
 * Run: node cli/bin.js run samples/storm/word-count.ts --ttl 10
 */
import {
  BaseBasicBolt,
  BaseRichSpout,
  Config,
  Fields,
  TopologyBuilder,
  TupleUtils,
  Utils,
  Values,
  type BasicOutputCollector,
  type Conf,
  type OutputFieldsDeclarer,
  type SpoutOutputCollector,
  type TopologyContext,
  type Tuple,
} from '../../compat/index.ts';
import { SENTENCES } from '../word-count/job.ts';

export { SENTENCES };

export class RandomSentenceSpout extends BaseRichSpout {
  private collector!: SpoutOutputCollector;
  private nextId = 0;
  /** Sentences emitted and not yet acked, by message id: a failed one is emitted again. */
  private pending = new Map<number, string>();
  private replay: number[] = [];

  open(_conf: Conf, _context: TopologyContext, collector: SpoutOutputCollector): void {
    this.collector = collector;
  }

  nextTuple(): void {
    const again = this.replay.shift();
    if (again !== undefined) {
      this.collector.emit(new Values(this.pending.get(again)), again);
      return;
    }
    void Utils.sleep(100);
    const sentence = SENTENCES[Math.floor(Math.random() * SENTENCES.length)]!;
    const id = ++this.nextId;
    this.pending.set(id, sentence);
    this.collector.emit(new Values(sentence), id);
  }

  override ack(id: unknown): void {
    this.pending.delete(id as number);
  }

  override fail(id: unknown): void {
    if (this.pending.has(id as number)) this.replay.push(id as number);
  }

  override declareOutputFields(declarer: OutputFieldsDeclarer): void {
    declarer.declare(new Fields('sentence'));
  }
}

export class SplitSentence extends BaseBasicBolt {
  execute(tuple: Tuple, collector: BasicOutputCollector): void {
    for (const word of tuple.getString(0).split(' ')) {
      if (word.length > 0) collector.emit(new Values(word));
    }
  }

  override declareOutputFields(declarer: OutputFieldsDeclarer): void {
    declarer.declare(new Fields('word'));
  }
}

export class WordCount extends BaseBasicBolt {
  private counts = new Map<string, number>();
  private taskId = 0;
  private readonly printEverySecs: number;

  /** `printEverySecs` ≤ 0: never print. */
  constructor(printEverySecs = 5) {
    super();
    this.printEverySecs = printEverySecs;
  }

  override prepare(_conf: Conf, context: TopologyContext): void {
    this.taskId = context.getThisTaskId();
  }

  execute(tuple: Tuple, collector: BasicOutputCollector): void {
    if (TupleUtils.isTick(tuple)) {
      this.printCounts();
      return;
    }
    const word = tuple.getString(0);
    const count = (this.counts.get(word) ?? 0) + 1;
    this.counts.set(word, count);
    collector.emit(new Values(word, count));
  }

  /** This task's ten most frequent words, most frequent first. */
  topWords(n = 10): Array<[string, number]> {
    return [...this.counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, n);
  }

  private printCounts(): void {
    if (this.counts.size === 0) return;
    console.log(
      `count[${this.taskId}] ${this.topWords()
        .map(([w, c]) => `${w}=${c}`)
        .join(' ')}`,
    );
  }

  override declareOutputFields(declarer: OutputFieldsDeclarer): void {
    declarer.declare(new Fields('word', 'count'));
  }

  override getComponentConfiguration(): Conf | null {
    return this.printEverySecs > 0 ? TupleUtils.putTickFrequencyIntoComponentConfig(null, this.printEverySecs) : null;
  }
}

export function wordCountBuilder(printEverySecs = 5): TopologyBuilder {
  const builder = new TopologyBuilder();
  builder.setSpout('spout', new RandomSentenceSpout(), 5);
  builder.setBolt('split', new SplitSentence(), 8).shuffleGrouping('spout');
  builder.setBolt('count', new WordCount(printEverySecs), 12).fieldsGrouping('split', new Fields('word'));
  return builder;
}

/** storm-starter turns debug on; here the counters print their top words instead of every emit being logged. */
export const config = new Config();
config.setDebug(false);

export default wordCountBuilder().createTopology();
