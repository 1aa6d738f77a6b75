/**
 * How a tuple crosses worker threads: the runtime's record codec refuses class instances unless a
 * codec is registered, and a live tuple references its context (the whole topology), so it travels
 * as plain data and is rebuilt over the receiving thread's own copy of the topology, which has the
 * same task ids, output fields and subscriptions.
 *
 * The wire form is small because every tuple crossing pays for it on both threads: the edge (the
 * stream and the consumer, which is what the tag names) is an index into a table every thread
 * builds alike from the topology's subscriptions, the source component follows from the source
 * task, and the ids are bigints the record codec writes as 8 bytes each. A tag outside the table
 * (none today) travels as its strings.
 */
import { registerRecordCodec } from '../../runtime/index.ts';
import type { GeneralTopologyContext } from '../component/context.ts';
import type { Fields } from '../component/fields.ts';
import { MessageId } from '../component/message-id.ts';
import { EdgeOrigin, RoutedTuple, edgeTag } from '../executor/routed-tuple.ts';
import { hiOf, loOf } from '../component/id64.ts';

type Ids = [] | [bigint, bigint] | [Array<[bigint, bigint]>];
/** [edge index, source task, values, target index, ...ids] */
type IndexedWire = [number, number, readonly unknown[], number, ...Ids];
/** [source component, source task, stream, values, target index, tag, ...ids] */
type NamedWire = [string, number, string, readonly unknown[], number, string, ...Ids];

interface Edge {
  readonly stream: string;
  readonly tag: string;
  /** Output fields of (source task's component, stream), by source task: filled as tuples arrive. */
  readonly fieldsByTask: Map<number, Fields>;
}

let context: GeneralTopologyContext | null = null;
let edges: Edge[] = [];
let edgeIndex = new Map<string, number>();
const namedFields = new Map<string, Fields>();

/** Every (stream → bolt) subscription of the topology, in an order that does not depend on the thread. */
function subscriptions(context: GeneralTopologyContext): Edge[] {
  const out: Edge[] = [];
  const bolts = context.getRawTopology().get_bolts();
  for (const bolt of [...bolts.keys()].sort()) {
    const streams = new Set<string>();
    for (const gsid of bolts.get(bolt)!.get_common().get_inputs().keys()) streams.add(gsid.get_streamId());
    for (const stream of [...streams].sort()) out.push({ stream, tag: edgeTag(stream, bolt), fieldsByTask: new Map() });
  }
  return out;
}

function fieldsFor(edge: Edge, task: number): Fields {
  let f = edge.fieldsByTask.get(task);
  if (f === undefined)
    edge.fieldsByTask.set(task, (f = context!.getComponentOutputFields(context!.getComponentId(task)!, edge.stream)));
  return f;
}

function idsOf(t: RoutedTuple): Ids {
  const roots = t.rootCount();
  if (roots === 0) return [];
  if (roots === 1) return [t.soleRoot(), t.soleValue()];
  return [[...t.getMessageId().getAnchorsToIds()]];
}

function rebuild(
  values: readonly unknown[],
  component: string,
  task: number,
  stream: string,
  targetIndex: number,
  tag: string,
  fields: Fields,
  ids: readonly unknown[],
  at: number,
): RoutedTuple {
  const left = ids.length - at;
  const edge = new EdgeOrigin(context!, component, task, stream, fields, tag);
  if (left === 2)
    return new RoutedTuple(
      edge,
      values,
      MessageId.makeUnanchored(),
      targetIndex,
      ids[at] as bigint,
      hiOf(ids[at + 1] as bigint),
      loOf(ids[at + 1] as bigint),
    );
  const id = left === 1 ? MessageId.makeId(new Map(ids[at] as Array<[bigint, bigint]>)) : MessageId.makeUnanchored();
  return new RoutedTuple(edge, values, id, targetIndex);
}

/** Called once per worker thread, with that thread's topology, before any tuple arrives. */
export function registerTupleWire(source: GeneralTopologyContext): void {
  context = source;
  edges = subscriptions(source);
  edgeIndex = new Map(edges.map((e, i) => [e.tag, i]));
  namedFields.clear();
  registerRecordCodec(
    RoutedTuple,
    {
      encode(t: RoutedTuple): IndexedWire | NamedWire {
        const index = edgeIndex.get(t.tag);
        if (index !== undefined) {
          // The common shape (one root) without an intermediate array: every crossing tuple passes here.
          if (t.rootCount() === 1)
            return [index, t.getSourceTask(), t.getValues(), t.targetIndex, t.soleRoot(), t.soleValue()];
          return [index, t.getSourceTask(), t.getValues(), t.targetIndex, ...idsOf(t)];
        }
        return [
          t.getSourceComponent(),
          t.getSourceTask(),
          t.getSourceStreamId(),
          t.getValues(),
          t.targetIndex,
          t.tag,
          ...idsOf(t),
        ];
      },
      decode(data: unknown): RoutedTuple {
        const w = data as IndexedWire | NamedWire;
        if (typeof w[0] === 'number') {
          const [index, task, values, targetIndex] = w as IndexedWire;
          const edge = edges[index]!;
          const component = context!.getComponentId(task)!;
          return rebuild(values, component, task, edge.stream, targetIndex, edge.tag, fieldsFor(edge, task), w, 4);
        }
        const [component, task, stream, values, targetIndex, tag] = w as NamedWire;
        const key = `${component}\u0000${stream}`;
        let fields = namedFields.get(key);
        if (fields === undefined) namedFields.set(key, (fields = context!.getComponentOutputFields(component, stream)));
        return rebuild(values, component, task, stream, targetIndex, tag, fields, w, 6);
      },
    },
    'stormshift.compat.Tuple',
  );
}
