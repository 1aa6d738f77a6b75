/** Small components for the topology tests. */
import { BaseBasicBolt, BaseRichBolt, BaseRichSpout } from '../../../compat/component/base.ts';
import type {
  BasicOutputCollector,
  OutputCollector,
  SpoutOutputCollector,
} from '../../../compat/component/collectors.ts';
import type { Conf } from '../../../compat/component/config.ts';
import type { TopologyContext } from '../../../compat/component/context.ts';
import { Fields } from '../../../compat/component/fields.ts';
import type { OutputFieldsDeclarer } from '../../../compat/component/interfaces.ts';
import type { Tuple } from '../../../compat/component/tuple.ts';

export class WordSpout extends BaseRichSpout {
  declared = 0;
  open(_c: Conf, _ctx: TopologyContext, _col: SpoutOutputCollector): void {}
  nextTuple(): void {}
  declareOutputFields(d: OutputFieldsDeclarer): void {
    this.declared++;
    d.declare(new Fields('word'));
  }
}

export class SplitBolt extends BaseBasicBolt {
  execute(_t: Tuple, _c: BasicOutputCollector): void {}
  declareOutputFields(d: OutputFieldsDeclarer): void {
    d.declare(new Fields('word'));
    d.declareStream('lengths', new Fields('len'));
  }
}

export class CountBolt extends BaseRichBolt {
  counts = new Map<string, number>();
  conf: Conf | null = null;
  prepare(_c: Conf, _ctx: TopologyContext, _col: OutputCollector): void {}
  execute(_t: Tuple): void {}
  declareOutputFields(d: OutputFieldsDeclarer): void {
    d.declare(new Fields('word', 'count'));
  }
  override getComponentConfiguration(): Conf | null {
    return this.conf;
  }
}

/** A plain-object stateful bolt (structural classification). */
export function statefulBolt(): object {
  return {
    prepare() {},
    execute(_t: Tuple) {},
    cleanup() {},
    initState(_s: unknown) {},
    declareOutputFields(d: OutputFieldsDeclarer) {
      d.declare(new Fields('out'));
    },
    getComponentConfiguration: () => null,
  };
}
