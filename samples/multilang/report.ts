/** A TypeScript bolt in a Flux file (`className: "./report.ts#TopWordsBolt"`): prints the top words on each tick. */
import {
  BaseBasicBolt,
  TupleUtils,
  type BasicOutputCollector,
  type Conf,
  type OutputFieldsDeclarer,
  type Tuple,
} from '../../compat/index.ts';

export class TopWordsBolt extends BaseBasicBolt {
  private readonly counts = new Map<string, number>();

  constructor(private readonly top: number) {
    super();
  }

  execute(tuple: Tuple, _collector: BasicOutputCollector): void {
    if (TupleUtils.isTick(tuple)) {
      const best = [...this.counts].sort((a, b) => b[1] - a[1]).slice(0, this.top);
      process.stdout.write(`top${this.top} ${best.map(([w, n]) => `${w}=${n}`).join(' ')}\n`);
      return;
    }
    this.counts.set(tuple.getStringByField('word'), tuple.getIntegerByField('count'));
  }

  override getComponentConfiguration(): Conf {
    return { 'topology.tick.tuple.freq.secs': 2 };
  }

  declareOutputFields(_declarer: OutputFieldsDeclarer): void {}
}
