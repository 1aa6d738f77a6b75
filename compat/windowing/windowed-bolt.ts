import type { OutputCollector } from '../component/collectors.ts';
import type { Conf } from '../component/config.ts';
import type { TopologyContext } from '../component/context.ts';
import type { IComponent, MaybePromise } from '../component/interfaces.ts';
import type { State } from '../state/state.ts';
import type { IStatefulComponent } from '../state/stateful-bolt.ts';
import type { TimestampExtractor } from './timestamp-extractor.ts';
import type { TupleWindow } from './window.ts';

export { LATE_TUPLE_FIELD } from '../component/constants.ts';

/** Storm's `IWindowedBolt` (§9): `execute` gets a whole window instead of one tuple. */
export interface IWindowedBolt extends IComponent {
  prepare(topoConf: Conf, context: TopologyContext, collector: OutputCollector): MaybePromise;
  execute(inputWindow: TupleWindow): MaybePromise;
  cleanup(): void;
  /** Non-null ⇒ event-time windows. */
  getTimestampExtractor(): TimestampExtractor | null;
}

/** Storm's `IStatefulWindowedBolt`. */
export interface IStatefulWindowedBolt<T extends State = State> extends IStatefulComponent<T>, IWindowedBolt {
  isPersistent(): boolean;
  maxEventsInMemory(): number;
}
