/**
 * Tuples held across a checkpoint (window contents): written as plain data and rebuilt over the
 * task's context, since a live tuple references the whole topology (not serializable).
 */
import type { TopologyContext } from './context.ts';
import { MessageId } from './message-id.ts';
import { TupleImpl, type Tuple } from './tuple.ts';

export interface TupleData {
  c: string;
  t: number;
  s: string;
  v: readonly unknown[];
  id: [bigint, bigint][];
}

export function encodeTuple(tuple: Tuple): TupleData {
  return {
    c: tuple.getSourceComponent(),
    t: tuple.getSourceTask(),
    s: tuple.getSourceStreamId(),
    v: [...tuple.getValues()],
    id: [...tuple.getMessageId().getAnchorsToIds()],
  };
}

export function decodeTuple(context: TopologyContext, data: unknown): Tuple {
  const d = data as TupleData;
  return new TupleImpl(context, d.v, d.c, d.t, d.s, MessageId.makeId(new Map(d.id)));
}
