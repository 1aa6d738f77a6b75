/** Storm's `TestWordCounter`: counts each word (value 0) and emits [word, count]. */
import type { BasicOutputCollector } from '../component/collectors.ts';
import type { Conf } from '../component/config.ts';
import type { TopologyContext } from '../component/context.ts';
import { BaseBasicBolt } from '../component/base.ts';
import { Fields } from '../component/fields.ts';
import type { OutputFieldsDeclarer } from '../component/interfaces.ts';
import type { Tuple } from '../component/tuple.ts';
import { Utils } from '../component/utils.ts';

export class TestWordCounter extends BaseBasicBolt {
  protected _counts!: Map<string, number>;

  override prepare(_topoConf: Conf, _context: TopologyContext): void {
    this._counts = new Map();
  }

  protected getTupleValue(t: Tuple, idx: number): string {
    return t.getValues()[idx] as string;
  }

  execute(input: Tuple, collector: BasicOutputCollector): void {
    const word = this.getTupleValue(input, 0);
    const count = (this._counts.get(word) ?? 0) + 1;
    this._counts.set(word, count);
    collector.emit(Utils.tuple(word, count));
  }

  override cleanup(): void {}

  declareOutputFields(declarer: OutputFieldsDeclarer): void {
    declarer.declare(new Fields('word', 'count'));
  }
}
