/**
 * Who consumes what: for every (component, stream) the subscribing bolts with their grouping and
 * tasks. Built once per submission from the task plan; each task instantiates its own groupers
 * from it (§3.3: one grouper per emitting task, stream and consuming component).
 */
import { CheckpointSpout as CP } from '../component/constants.ts';
import type { Fields } from '../component/fields.ts';
import type { TaskPlan } from '../topology/tasks.ts';
import type { Grouping, StormTopology } from '../topology/storm-topology.ts';
import { edgeTag } from '../executor/routed-tuple.ts';

export interface SubscriberSpec {
  readonly consumer: string;
  readonly tag: string;
  readonly grouping: Grouping;
  /** The consumer's task ids, ascending and contiguous. */
  readonly tasks: readonly number[];
  readonly isDirect: boolean;
}

export interface StreamSpec {
  readonly streamId: string;
  readonly fields: Fields;
  readonly subscribers: SubscriberSpec[];
}

export type RoutingTable = ReadonlyMap<string, ReadonlyMap<string, StreamSpec>>;

/** The components that run as tasks: user spouts and bolts (`$checkpointspout` is driven by barriers). */
export function runnableComponents(topology: StormTopology): { spouts: string[]; bolts: string[] } {
  const spouts = [...topology.get_spouts().keys()].filter((id) => id !== CP.CHECKPOINT_COMPONENT_ID);
  return { spouts, bolts: [...topology.get_bolts().keys()] };
}

export function buildRoutingTable(topology: StormTopology, plan: TaskPlan): RoutingTable {
  const table = new Map<string, Map<string, StreamSpec>>();
  const { spouts, bolts } = runnableComponents(topology);
  for (const id of [...spouts, ...bolts]) {
    const streams = new Map<string, StreamSpec>();
    for (const [streamId, fields] of plan.componentToStreamToFields.get(id) ?? []) {
      streams.set(streamId, { streamId, fields, subscribers: [] });
    }
    table.set(id, streams);
  }
  for (const [consumer, bolt] of topology.get_bolts()) {
    for (const [gsid, grouping] of bolt.get_common().get_inputs()) {
      const streamId = gsid.get_streamId();
      if (streamId === CP.CHECKPOINT_STREAM_ID) continue;
      const spec = table.get(gsid.get_componentId())?.get(streamId);
      if (spec === undefined) continue; // validation already rejected unknown sources
      spec.subscribers.push({
        consumer,
        tag: edgeTag(streamId, consumer),
        grouping,
        tasks: plan.componentToSortedTasks.get(consumer) ?? [],
        isDirect: grouping.getSetField() === 'direct',
      });
    }
  }
  return table;
}
