/**
 * storm-starter's ExclamationTopology: test words, then two bolts that each append "!!!".
 * Run: node cli/bin.js run samples/storm/exclamation.ts --ttl 10
 */
import {
  BaseRichBolt,
  Config,
  Fields,
  TopologyBuilder,
  Values,
  type Conf,
  type OutputCollector,
  type OutputFieldsDeclarer,
  type TopologyContext,
  type Tuple,
  TestWordSpout,
} from '../../compat/index.ts';

export class ExclamationBolt extends BaseRichBolt {
  private collector!: OutputCollector;

  prepare(_conf: Conf, _context: TopologyContext, collector: OutputCollector): void {
    this.collector = collector;
  }

  execute(tuple: Tuple): void {
    this.collector.emit(tuple, new Values(tuple.getString(0) + '!!!'));
    this.collector.ack(tuple);
  }

  override declareOutputFields(declarer: OutputFieldsDeclarer): void {
    declarer.declare(new Fields('word'));
  }
}

/** The sample's wiring, so tests can run it with other spouts or add bolts. */
export function exclamationBuilder(): TopologyBuilder {
  const builder = new TopologyBuilder();
  builder.setSpout('word', new TestWordSpout(), 10);
  builder.setBolt('exclaim1', new ExclamationBolt(), 3).shuffleGrouping('word');
  builder.setBolt('exclaim2', new ExclamationBolt(), 2).shuffleGrouping('exclaim1');
  return builder;
}

export const config = new Config();
config.setDebug(true);

export default exclamationBuilder().createTopology();
