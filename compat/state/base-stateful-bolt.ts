import type { Tuple } from '../component/tuple.ts';
import type { State } from './state.ts';
import type { Conf, IStatefulBolt } from './stateful-bolt.ts';

/** Storm's BaseStatefulBolt: no-op lifecycle and hooks; subclasses write `initState` and `execute`. */
export abstract class BaseStatefulBolt<T extends State = State> implements IStatefulBolt<T> {
  prepare(_topoConf: Conf, _context: any, _collector: any): void | Promise<void> {}

  abstract execute(input: Tuple): void | Promise<void>;

  abstract initState(state: T): void | Promise<void>;

  cleanup(): void {}

  declareOutputFields(_declarer: any): void {}

  getComponentConfiguration(): Conf | null {
    return null;
  }

  preCommit(_txid: number): void {}

  prePrepare(_txid: number): void {}

  preRollback(): void {}
}
