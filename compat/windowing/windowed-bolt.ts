import type { Tuple } from '../component/tuple.ts';
import type { State } from '../state/state.ts';
import type { IStatefulComponent } from '../state/stateful-bolt.ts';
import type { TimestampExtractor } from './timestamp-extractor.ts';
import type { TupleWindow } from './window.ts';

export type Conf = Record<string, unknown>;

/**
 * The collector a windowed bolt receives in `prepare`. Declared structurally so this folder does not
 * depend on the collector implementation; `OutputCollector` satisfies it.
 */
export interface WindowOutputCollector {
  emit(...args: any[]): number[];
  emitDirect(...args: any[]): void;
  ack(input: Tuple): void;
  fail(input: Tuple): void;
  resetTimeout?(input: Tuple): void;
  reportError(error: unknown): void;
  flush?(): void;
}

/** What `declareOutputFields` receives; `OutputFieldsDeclarer` satisfies it. */
export interface WindowOutputFieldsDeclarer {
  declare(...args: any[]): void;
  declareStream(...args: any[]): void;
}

/** Storm's `IWindowedBolt` (§9): `execute` gets a whole window instead of one tuple. */
export interface IWindowedBolt {
  prepare(topoConf: Conf, context: any, collector: WindowOutputCollector): void | Promise<void>;
  execute(inputWindow: TupleWindow): void | Promise<void>;
  cleanup(): void;
  /** Non-null ⇒ event-time windows. */
  getTimestampExtractor(): TimestampExtractor | null;
  declareOutputFields(declarer: any): void;
  getComponentConfiguration(): Conf | null;
}

/** Storm's `IStatefulWindowedBolt`. */
export interface IStatefulWindowedBolt<T extends State = State> extends IStatefulComponent<T>, IWindowedBolt {
  isPersistent(): boolean;
  maxEventsInMemory(): number;
}
