/**
 * How a tuple crosses worker threads: the runtime's record codec refuses class instances unless a
 * codec is registered, and a live tuple references its context (the whole topology), so it travels
 * as plain data (values, source, stream, target, ids) and is rebuilt over the receiving thread's
 * own copy of the topology, which has the same task ids and output fields.
 */
import { registerRecordCodec } from '../../runtime/index.ts';
import type { Fields } from '../component/fields.ts';
import { MessageId } from '../component/message-id.ts';
import type { TupleSchemaSource } from '../component/tuple.ts';
import { RoutedTuple } from '../executor/routed-tuple.ts';

type Wire =
  | [string, number, string, readonly unknown[], number, string]
  | [string, number, string, readonly unknown[], number, string, bigint, bigint]
  | [string, number, string, readonly unknown[], number, string, Array<[bigint, bigint]>];

let schema: TupleSchemaSource | null = null;
const fieldsCache = new Map<string, Fields>();

function fieldsOf(component: string, stream: string): Fields {
  const key = `${component}\u0000${stream}`;
  let f = fieldsCache.get(key);
  if (f === undefined) fieldsCache.set(key, (f = schema!.getComponentOutputFields(component, stream)));
  return f;
}

/** Called once per worker thread, with that thread's topology, before any tuple arrives. */
export function registerTupleWire(source: TupleSchemaSource): void {
  schema = source;
  fieldsCache.clear();
  registerRecordCodec(
    RoutedTuple,
    {
      encode(t: RoutedTuple): Wire {
        const head = [
          t.getSourceComponent(),
          t.getSourceTask(),
          t.getSourceStreamId(),
          t.getValues(),
          t.targetIndex,
          t.tag,
        ] as const;
        const roots = t.rootCount();
        if (roots === 0) return [...head];
        if (roots === 1) return [...head, t.soleRoot(), t.soleValue()];
        return [...head, [...t.getMessageId().getAnchorsToIds()]];
      },
      decode(data: unknown): RoutedTuple {
        const w = data as Wire;
        const [component, task, stream, values, targetIndex, tag] = w;
        const fields = fieldsOf(component, stream);
        if (w.length === 8)
          return new RoutedTuple(
            schema!,
            values,
            component,
            task,
            stream,
            MessageId.makeUnanchored(),
            targetIndex,
            tag,
            fields,
            w[6],
            w[7],
          );
        const id = w.length === 7 ? MessageId.makeId(new Map(w[6])) : MessageId.makeUnanchored();
        return new RoutedTuple(schema!, values, component, task, stream, id, targetIndex, tag, fields);
      },
    },
    'stormshift.compat.Tuple',
  );
}
