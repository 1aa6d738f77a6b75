/** Storm's `TestGlobalCount`: emits the running number of tuples seen, anchored, and acks. */
import type { OutputCollector } from '../component/collectors.ts';
import type { Conf } from '../component/config.ts';
import type { TopologyContext } from '../component/context.ts';
import { BaseRichBolt } from '../component/base.ts';
import { Fields } from '../component/fields.ts';
import type { OutputFieldsDeclarer } from '../component/interfaces.ts';
import type { Tuple } from '../component/tuple.ts';
import { Values } from '../component/values.ts';

export class TestGlobalCount extends BaseRichBolt {
  private collector!: OutputCollector;
  private count = 0;

  prepare(_topoConf: Conf, _context: TopologyContext, collector: OutputCollector): void {
    this.collector = collector;
    this.count = 0;
  }

  execute(input: Tuple): void {
    this.count++;
    this.collector.emit(input, new Values(this.count));
    this.collector.ack(input);
  }

  override cleanup(): void {}

  getOutputFields(): Fields {
    return new Fields('global-count');
  }

  declareOutputFields(declarer: OutputFieldsDeclarer): void {
    declarer.declare(new Fields('global-count'));
  }
}
