/**
 * An unchanged-style Storm word count in checkpoint mode for `stormshift soak word-count-topology`:
 * a replayable spout (its position is a plain field, snapshotted at barriers) → split → count.
 * After the last sentence the counter writes its counts (the final state) to SOAK_OUT.
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
    this.collector.emit(new Values(i === TOTAL ? '<end>' : sentenceAt(i)), i);
  }

  declareOutputFields(declarer: OutputFieldsDeclarer): void {
    declarer.declare(new Fields('sentence'));
  }
}

export class SplitSentence extends BaseBasicBolt {
  execute(tuple: Tuple, collector: BasicOutputCollector): void {
    const sentence = tuple.getString(0);
    if (sentence === '<end>') collector.emit(new Values('<end>'));
    else for (const word of sentence.split(' ')) collector.emit(new Values(word));
  }

  declareOutputFields(declarer: OutputFieldsDeclarer): void {
    declarer.declare(new Fields('word'));
  }
}

export class WordCount extends BaseBasicBolt {
  private counts: Record<string, number> = {};

  execute(tuple: Tuple, _collector: BasicOutputCollector): void {
    const word = tuple.getString(0);
    if (word === '<end>') {
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
builder.setBolt('split', new SplitSentence(), 2).shuffleGrouping('sentences');
// One counter task: the end marker must reach the task that holds every count.
builder.setBolt('count', new WordCount(), 1).fieldsGrouping('split', new Fields('word'));

export const config = new Config();
config.put('stormshift.reliability', 'checkpoint');
config.put('topology.state.checkpoint.interval.ms', 100);

export default builder.createTopology();
