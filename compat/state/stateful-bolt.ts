import type { IBolt, IComponent, MaybePromise } from '../component/interfaces.ts';
import type { State } from './state.ts';

/** Storm's `IStatefulComponent<T>`: `initState` once before any data tuple, and the checkpoint hooks (§10). */
export interface IStatefulComponent<T extends State = State> extends IComponent {
  initState(state: T): MaybePromise;
  preCommit(txid: number): void;
  prePrepare(txid: number): void;
  preRollback(): void;
}

/** Storm's `IStatefulBolt<T>`: an `IBolt` whose state the framework checkpoints. */
export interface IStatefulBolt<T extends State = State> extends IStatefulComponent<T>, IBolt {}
