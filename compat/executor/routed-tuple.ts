import type { Fields } from '../component/fields.ts';
import type { MessageId } from '../component/message-id.ts';
import { TupleImpl, type TupleSchemaSource } from '../component/tuple.ts';

/**
 * The record that crosses the runtime between tasks: the tuple itself, carrying where it goes.
 * One object per (emit, target task), as Storm sends one tuple per target; the runtime's direct
 * partitioner reads `targetIndex`, the producer's side output is chosen by `tag`.
 */
export class RoutedTuple extends TupleImpl {
  /** Index of the target task within its component (the consumer subtask). */
  readonly targetIndex: number;
  /** Side-output tag of the (stream, consumer) edge: `"<stream>-><consumer>"`. */
  readonly tag: string;

  constructor(
    context: TupleSchemaSource,
    values: readonly unknown[],
    srcComponent: string,
    taskId: number,
    streamId: string,
    id: MessageId,
    targetIndex: number,
    tag: string,
    fields?: Fields,
    /** When given, the ids are `{soleRoot → edge}` (the edge as int32 halves, see id64.ts) and `id` is ignored. */
    soleRoot?: bigint,
    edgeHi?: number,
    edgeLo?: number,
  ) {
    super(context, values, srcComponent, taskId, streamId, id, fields);
    this.targetIndex = targetIndex;
    this.tag = tag;
    if (soleRoot !== undefined) this.useSolePair(soleRoot, edgeHi!, edgeLo!);
  }
}

export function edgeTag(streamId: string, consumer: string): string {
  return `${streamId}->${consumer}`;
}
