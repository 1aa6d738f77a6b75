/**
 * storm-starter's SlidingWindowTopology: random integers → sum over a sliding count window (the
 * last 30 tuples, every 10) → average of every 3 sums (tumbling count window) → printer.
 * Run: node cli/bin.js run samples/storm/sliding-window-sum.ts --ttl 15
 */
import {
  BaseWindowedBolt,
  Config,
  Count,
  Fields,
  TopologyBuilder,
  Values,
  type Conf,
  type IRichSpout,
  type OutputCollector,
  type OutputFieldsDeclarer,
  type TopologyContext,
  type TupleWindow,
} from '../../compat/index.ts';
import { PrinterBolt } from './lib/printer-bolt.ts';
import { RandomIntegerSpout } from './lib/random-integer-spout.ts';

export { PrinterBolt, RandomIntegerSpout };

/** Keeps a running sum: adds the tuples new to the window and subtracts the ones that left it. */
export class SlidingWindowSumBolt extends BaseWindowedBolt {
  private sum = 0;
  private collector!: OutputCollector;

  override prepare(_conf: Conf, _context: TopologyContext, collector: OutputCollector): void {
    this.collector = collector;
  }

  execute(inputWindow: TupleWindow): void {
    for (const tuple of inputWindow.getNew()) this.sum += tuple.getValue(0) as number;
    for (const tuple of inputWindow.getExpired()) this.sum -= tuple.getValue(0) as number;
    this.collector.emit(new Values(this.sum));
  }

  override declareOutputFields(declarer: OutputFieldsDeclarer): void {
    declarer.declare(new Fields('sum'));
  }
}

/** Averages every tuple of its (tumbling) window, in integer arithmetic as the Java original. */
export class TumblingWindowAvgBolt extends BaseWindowedBolt {
  private collector!: OutputCollector;

  override prepare(_conf: Conf, _context: TopologyContext, collector: OutputCollector): void {
    this.collector = collector;
  }

  execute(inputWindow: TupleWindow): void {
    const tuplesInWindow = inputWindow.get();
    if (tuplesInWindow.length > 0) {
      let sum = 0;
      for (const tuple of tuplesInWindow) sum += tuple.getValue(0) as number;
      this.collector.emit(new Values(Math.trunc(sum / tuplesInWindow.length)));
    }
  }

  override declareOutputFields(declarer: OutputFieldsDeclarer): void {
    declarer.declare(new Fields('avg'));
  }
}

export function slidingWindowBuilder(spout: IRichSpout = new RandomIntegerSpout()): TopologyBuilder {
  const builder = new TopologyBuilder();
  builder.setSpout('integer', spout, 1);
  builder
    .setBolt('slidingsum', new SlidingWindowSumBolt().withWindow(Count.of(30), Count.of(10)), 1)
    .shuffleGrouping('integer');
  builder
    .setBolt('tumblingavg', new TumblingWindowAvgBolt().withTumblingWindow(Count.of(3)), 1)
    .shuffleGrouping('slidingsum');
  builder.setBolt('printer', new PrinterBolt(), 1).shuffleGrouping('tumblingavg');
  return builder;
}

/** storm-starter turns debug on; here the printer shows the averages instead of every emit being logged. */
export const config = new Config();
config.setDebug(false);

export default slidingWindowBuilder().createTopology();
