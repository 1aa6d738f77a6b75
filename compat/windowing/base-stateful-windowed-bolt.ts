import { CONFIG_KEYS as K } from '../component/config-keys.ts';
import type { MaybePromise } from '../component/interfaces.ts';
import type { State } from '../state/state.ts';
import { BaseWindowedBolt } from './base-windowed-bolt.ts';
import type { IStatefulWindowedBolt } from './windowed-bolt.ts';

/** Storm's default cap on window events kept in memory by persistent windows. */
export const DEFAULT_MAX_EVENTS_IN_MEMORY = 1_000_000;

/** Storm's BaseStatefulWindowedBolt: a windowed bolt with `initState` and the checkpoint hooks (§9, §10). */
export abstract class BaseStatefulWindowedBolt<T extends State = State>
  extends BaseWindowedBolt
  implements IStatefulWindowedBolt<T>
{
  private persistent = false;
  private maxEvents = 0;

  /** Field holding a per-(source task, stream) increasing id; required by non-persistent windows. */
  withMessageIdField(fieldName: string): this {
    this.windowConfiguration[K.TOPOLOGY_BOLTS_MESSAGE_ID_FIELD_NAME] = fieldName;
    return this;
  }

  /** Keep the window contents in state (checkpointed); the bolt then iterates with `getIter()`. */
  withPersistence(): this {
    this.persistent = true;
    return this;
  }

  withMaxEventsInMemory(maxEventsInMemory: number | bigint): this {
    this.maxEvents = Number(maxEventsInMemory);
    return this;
  }

  isPersistent(): boolean {
    return this.persistent;
  }

  maxEventsInMemory(): number {
    return this.maxEvents > 0 ? this.maxEvents : DEFAULT_MAX_EVENTS_IN_MEMORY;
  }

  abstract initState(state: T): MaybePromise;

  preCommit(_txid: number): void {}

  prePrepare(_txid: number): void {}

  preRollback(): void {}
}
