import type { OutputCollector } from '../component/collectors.ts';
import type { Conf } from '../component/config.ts';
import type { TopologyContext } from '../component/context.ts';
import type { MaybePromise, OutputFieldsDeclarer } from '../component/interfaces.ts';
import type { Tuple } from '../component/tuple.ts';
import type { State } from './state.ts';
import type { IStatefulBolt } from './stateful-bolt.ts';

/** Storm's BaseStatefulBolt: no-op lifecycle and hooks; subclasses write `initState` and `execute`. */
export abstract class BaseStatefulBolt<T extends State = State> implements IStatefulBolt<T> {
  prepare(_topoConf: Conf, _context: TopologyContext, _collector: OutputCollector): MaybePromise {}

  abstract execute(input: Tuple): MaybePromise;

  abstract initState(state: T): MaybePromise;

  cleanup(): void {}

  declareOutputFields(_declarer: OutputFieldsDeclarer): void {}

  getComponentConfiguration(): Conf | null {
    return null;
  }

  preCommit(_txid: number): void {}

  prePrepare(_txid: number): void {}

  preRollback(): void {}
}
