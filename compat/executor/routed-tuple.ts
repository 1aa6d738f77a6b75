import type { MessageId } from '../component/message-id.ts';
import { TupleImpl, TupleOrigin } from '../component/tuple.ts';

/**
 * The origin of every tuple a task sends over one (stream, consumer) edge, its `tag` the edge's
 * side output `"<stream>-><consumer>"`. The same class as a plain tuple's origin: a second class
 * made the tuple getters polymorphic and measured slower.
 */
export const EdgeOrigin = TupleOrigin;
export type EdgeOrigin = TupleOrigin;

/**
 * The record that crosses the runtime between tasks: the tuple itself, carrying where it goes.
 * One object per (emit, target task), as Storm sends one tuple per target; the runtime's direct
 * partitioner reads `targetIndex`, the producer's side output is chosen by `tag`. What the tuples of
 * one edge share sits once in its {@link EdgeOrigin}.
 */
export class RoutedTuple extends TupleImpl {
  /** Index of the target task within its component (the consumer subtask). */
  readonly targetIndex: number;
  readonly edge: EdgeOrigin;

  constructor(
    edge: EdgeOrigin,
    values: readonly unknown[],
    id: MessageId,
    targetIndex: number,
    /** When given, the ids are `{soleRoot → edge}` (the edge as int32 halves, see id64.ts) and `id` is ignored. */
    soleRoot?: bigint,
    edgeHi?: number,
    edgeLo?: number,
  ) {
    super(edge, values, edge.srcComponent, edge.taskId, edge.streamId, id);
    this.targetIndex = targetIndex;
    this.edge = edge;
    if (soleRoot !== undefined) this.useSolePair(soleRoot, edgeHi!, edgeLo!);
  }

  get tag(): string {
    return this.edge.tag;
  }
}

export function edgeTag(streamId: string, consumer: string): string {
  return `${streamId}->${consumer}`;
}
