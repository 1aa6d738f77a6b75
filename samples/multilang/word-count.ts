/**
 * The same multilang word count as word-count.yaml, as a TypeScript topology: Python components
 * are ShellSpout/ShellBolt subclasses declaring their fields, as in Java.
 *   node cli/bin.js run samples/multilang/word-count.ts --ttl 10
 */
import {
  Fields,
  ShellBolt,
  ShellSpout,
  TopologyBuilder,
  type Conf,
  type OutputFieldsDeclarer,
} from '../../compat/index.ts';
import { TopWordsBolt } from './report.ts';

class SentenceSpout extends ShellSpout {
  constructor() {
    super('python3', 'sentence_spout.py');
  }
  declareOutputFields(d: OutputFieldsDeclarer): void {
    d.declare(new Fields('sentence'));
  }
}

class SplitSentence extends ShellBolt {
  constructor() {
    super('python3', 'splitsentence.py');
  }
  declareOutputFields(d: OutputFieldsDeclarer): void {
    d.declare(new Fields('word'));
  }
}

class WordCount extends ShellBolt {
  constructor() {
    super('python3', 'wordcount.py');
  }
  declareOutputFields(d: OutputFieldsDeclarer): void {
    d.declare(new Fields('word', 'count'));
  }
}

const builder = new TopologyBuilder();
builder.setSpout('sentence-spout', new SentenceSpout(), 1);
builder.setBolt('split', new SplitSentence(), 2).shuffleGrouping('sentence-spout');
builder.setBolt('count', new WordCount(), 2).fieldsGrouping('split', new Fields('word'));
builder.setBolt('report', new TopWordsBolt(10), 1).globalGrouping('count');

/** Scripts start in resources/ next to this file (stormshift run sets stormshift.multilang.code.dir). */
export const config: Conf = { 'topology.max.spout.pending': 500, 'sample.sentences.per.second': 200 };
export default builder.createTopology();
