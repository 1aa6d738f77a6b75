import type { StreamOperator } from '../api/operator.ts';
import type { Source } from '../api/source.ts';
import type { KeySelector } from '../api/functions.ts';
import type { PartitionerSpec } from './partitioner.ts';

/**
 * The logical graph: one node per API call. Nothing here runs; the plan (plan.ts) turns nodes
 * into chains and subtasks.
 */
export interface InputEdge {
  readonly from: Transformation;
  /** Undefined until the plan decides: forward when parallelism matches, rebalance otherwise. */
  readonly partitioner: PartitionerSpec | undefined;
  /** Which input of a two-input operator this edge feeds. */
  readonly inputSide: 1 | 2;
  /** Consumes this side output of `from` instead of its main output. */
  readonly sideTag: string | undefined;
}

export interface OperatorFactoryContext {
  readonly subtaskIndex: number;
  readonly parallelism: number;
}

export interface Transformation {
  readonly id: number;
  name: string;
  uid: string;
  /** Undefined means the job default. */
  parallelism: number | undefined;
  /** Fixed at 1 (non-parallel sources, global aggregates); setting another parallelism is an error. */
  readonly maxParallelismOne?: boolean;
  chaining: boolean;
  readonly kind: 'source' | 'operator' | 'sink';
  readonly inputs: InputEdge[];
  readonly source?: Source<unknown>;
  readonly createOperator?: (context: OperatorFactoryContext) => StreamOperator<any, any>;
  /** Keyed operators get keyed state and timers and need a hash-partitioned input. */
  readonly keySelector?: KeySelector<any, unknown>;
  /**
   * What shows, before the operator runs, that its function needs keyed state or timers (it has
   * onTimer, it holds a state descriptor), phrased for the error: the plan rejects it without a keyBy.
   */
  readonly keyedUse?: string;
  /** Side output tags this operator may emit (for validation of getSideOutput). */
  readonly sideTags: Set<string>;
}
