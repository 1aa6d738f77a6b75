/**
 * storm-starter's StatefulTopology: random integers → a partial sum kept in KeyValueState →
 * printers (which pass the values on) → a total sum, also in KeyValueState. The state is
 * checkpointed by the runtime, so both sums survive task crashes and restarts.
 * Run: node cli/bin.js run samples/storm/stateful-sum.ts --ttl 10
 */
import {
  BaseBasicBolt,
  BaseStatefulBolt,
  Config,
  Fields,
  TopologyBuilder,
  Values,
  type BasicOutputCollector,
  type Conf,
  type IRichSpout,
  type KeyValueState,
  type OutputCollector,
  type OutputFieldsDeclarer,
  type TopologyContext,
  type Tuple,
} from '../../compat/index.ts';
import { RandomIntegerSpout } from './lib/random-integer-spout.ts';

export { RandomIntegerSpout };

/** Adds up the "value" field; the sum lives in `KeyValueState` under "sum" and is emitted anchored. */
export class StatefulSumBolt extends BaseStatefulBolt<KeyValueState<string, number>> {
  readonly name: string;
  protected kvState!: KeyValueState<string, number>;
  protected sum = 0;
  private collector!: OutputCollector;

  constructor(name: string) {
    super();
    this.name = name;
  }

  override prepare(_conf: Conf, _context: TopologyContext, collector: OutputCollector): void {
    this.collector = collector;
  }

  execute(input: Tuple): void {
    this.sum += Number(input.getValueByField('value'));
    this.kvState.put('sum', this.sum);
    this.collector.emit(input, new Values(this.sum));
    this.collector.ack(input);
  }

  initState(state: KeyValueState<string, number>): void {
    this.kvState = state;
    this.sum = this.kvState.get('sum', 0);
  }

  override declareOutputFields(declarer: OutputFieldsDeclarer): void {
    declarer.declare(new Fields('value'));
  }
}

/** The name this sample's brief uses for the partial-sum bolt. */
export const PartialSumBolt = StatefulSumBolt;

/** Prints each tuple and passes its values on (anchored: a stateful topology requires it). */
export class PrinterBolt extends BaseBasicBolt {
  execute(tuple: Tuple, collector: BasicOutputCollector): void {
    console.log(String(tuple));
    collector.emit(tuple.getValues() as unknown[]);
  }

  override declareOutputFields(declarer: OutputFieldsDeclarer): void {
    declarer.declare(new Fields('value'));
  }
}

export function statefulSumBuilder(spout: IRichSpout = new RandomIntegerSpout()): TopologyBuilder {
  const builder = new TopologyBuilder();
  builder.setSpout('spout', spout);
  builder.setBolt('partialsum', new StatefulSumBolt('partial'), 1).shuffleGrouping('spout');
  builder.setBolt('printer', new PrinterBolt(), 2).shuffleGrouping('partialsum');
  builder.setBolt('total', new StatefulSumBolt('total'), 1).shuffleGrouping('printer');
  return builder;
}

export const config = new Config();
config.setDebug(false);

export default statefulSumBuilder().createTopology();
