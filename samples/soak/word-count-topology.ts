/**
 * An unchanged-style Storm word count in checkpoint mode for `stormshift soak word-count-topology`:
 * a replayable spout (its position is a plain field, snapshotted at barriers) → split → count.
 * After the last sentence the counter writes its counts (the final state) to SOAK_OUT.
 * The end marker goes to every split task (stream 'end', all grouping) and the counter publishes
 * once it has one from each: Storm orders tuples per (sender task, receiver task) only, so a single
 * marker through one split task could overtake words another split task (on another worker
 * thread, `-w 2`) has not delivered yet, and the counts would be published short.
 * Env: SOAK_OUT (file), SOAK_SENTENCES (total), SOAK_RATE (sentences/s, 0 = unpaced).
 */
import { renameSync, writeFileSync } from 'node:fs';
import {
  BaseBasicBolt,
  BaseRichSpout,
  Config,
  Fields,
  TopologyBuilder,
  Values,
  type BasicOutputCollector,
  type OutputFieldsDeclarer,
  type SpoutOutputCollector,
  type TopologyContext,
  type Tuple,
} from '../../compat/index.ts';
import { sentenceAt } from './word-count.ts';

const END_STREAM = 'end';
const END = '<end>';
const TOTAL = Number(process.env.SOAK_SENTENCES ?? 20000);
const RATE = Number(process.env.SOAK_RATE ?? 0);
// Pacing is per process, never checkpointed: module state on purpose.
let paceStart = 0;
let emittedHere = 0;

export class SentenceSpout extends BaseRichSpout {
  private collector!: SpoutOutputCollector;
  private next = 0;

  override open(_conf: unknown, _context: TopologyContext, collector: SpoutOutputCollector): void {
    this.collector = collector;
  }

  nextTuple(): void {
    if (this.next > TOTAL) return;
    if (RATE > 0) {
      const now = Date.now();
      if (paceStart === 0) paceStart = now;
      if (emittedHere >= ((now - paceStart) * RATE) / 1000) return;
      emittedHere++;
    }
    const i = this.next++;
    if (i === TOTAL) this.collector.emit(END_STREAM, new Values(END), i);
    else this.collector.emit(new Values(sentenceAt(i)), i);
  }

  declareOutputFields(declarer: OutputFieldsDeclarer): void {
    declarer.declare(new Fields('sentence'));
    declarer.declareStream(END_STREAM, new Fields('sentence'));
  }
}

export class SplitSentence extends BaseBasicBolt {
  execute(tuple: Tuple, collector: BasicOutputCollector): void {
    const sentence = tuple.getString(0);
    // After every sentence this task got: the spout→split and split→count channels keep order.
    if (tuple.getSourceStreamId() === END_STREAM) collector.emit(new Values(END));
    else for (const word of sentence.split(' ')) collector.emit(new Values(word));
  }

  declareOutputFields(declarer: OutputFieldsDeclarer): void {
    declarer.declare(new Fields('word'));
  }
}

export class WordCount extends BaseBasicBolt {
  private counts: Record<string, number> = {};
  // End markers seen, one per split task: a field, so checkpoints carry it with the counts.
  private ends = 0;
  private splitTasks = 1;

  override prepare(_conf: unknown, context: TopologyContext): void {
    this.splitTasks = context.getComponentTasks('split').length;
  }

  execute(tuple: Tuple, _collector: BasicOutputCollector): void {
    const word = tuple.getString(0);
    if (word === END) {
      if (++this.ends < this.splitTasks) return;
      const out = process.env.SOAK_OUT ?? 'soak-counts.json';
      writeFileSync(`${out}.tmp`, JSON.stringify(this.counts));
      renameSync(`${out}.tmp`, out);
      return;
    }
    this.counts[word] = (this.counts[word] ?? 0) + 1;
  }

  declareOutputFields(): void {}
}

const builder = new TopologyBuilder();
builder.setSpout('sentences', new SentenceSpout());
builder.setBolt('split', new SplitSentence(), 2).shuffleGrouping('sentences').allGrouping('sentences', END_STREAM);
// One counter task: the end marker must reach the task that holds every count.
builder.setBolt('count', new WordCount(), 1).fieldsGrouping('split', new Fields('word'));

export const config = new Config();
config.put('stormshift.reliability', 'checkpoint');
config.put('topology.state.checkpoint.interval.ms', 100);

export default builder.createTopology();
