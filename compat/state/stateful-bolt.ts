import type { Tuple } from '../component/tuple.ts';
import type { State } from './state.ts';

export type Conf = Record<string, unknown>;

/** Storm's `IStatefulComponent<T>`: `initState` once before any data tuple, and the checkpoint hooks. */
export interface IStatefulComponent<T extends State = State> {
  initState(state: T): void | Promise<void>;
  preCommit(txid: number): void;
  prePrepare(txid: number): void;
  preRollback(): void;
  declareOutputFields(declarer: any): void;
  getComponentConfiguration(): Conf | null;
}

/** Storm's `IStatefulBolt<T>`: an `IBolt` whose state the framework checkpoints (§10). */
export interface IStatefulBolt<T extends State = State> extends IStatefulComponent<T> {
  prepare(topoConf: Conf, context: any, collector: any): void | Promise<void>;
  execute(input: Tuple): void | Promise<void>;
  cleanup(): void;
}
