/**
 * `StormTopology` → runtime job (DESIGN "Compat on the runtime"). Each spout is a source whose
 * subtasks are its tasks, followed by a chained router; each bolt is a custom operator whose
 * input is the union of one side output per subscribed (component, stream), routed by the
 * emitter's own grouping through the direct partitioner.
 */
import { OutputTag, type DataStream, type StreamEnvironment } from '../../runtime/index.ts';
import { UnsupportedOperationException } from '../component/exceptions.ts';
import type { Tuple } from '../component/tuple.ts';
import { BoltTaskOperator } from '../executor/bolt-task.ts';
import { SpoutRouterOperator, SpoutSource } from '../executor/spout-source.ts';
import { CheckpointSpout as CP } from '../component/constants.ts';
import { edgeTag, type RoutedTuple } from '../executor/routed-tuple.ts';
import { feedbackKey, type TopologyRun } from './topology-run.ts';

/** Input edges of a bolt that carry data (the `$checkpoint` protocol rides the runtime's barriers). */
function dataInputs(run: TopologyRun, boltId: string): Array<{ component: string; stream: string }> {
  const out: Array<{ component: string; stream: string }> = [];
  for (const gsid of run.topology.get_bolts().get(boltId)!.get_common().get_inputs().keys()) {
    if (gsid.get_streamId() === CP.CHECKPOINT_STREAM_ID) continue;
    out.push({ component: gsid.get_componentId(), stream: gsid.get_streamId() });
  }
  return out;
}

/**
 * Producers before consumers. The runtime's job graph is acyclic: a cycle is broken at the inputs
 * of the first bolt (in declaration order) that cannot be placed, and those edges become feedback
 * edges. Checkpoints need every edge to carry barriers, so cycles are refused there.
 */
function boltOrder(run: TopologyRun): string[] {
  const placed = new Set<string>(run.spouts);
  const order: string[] = [];
  let remaining = [...run.bolts];
  const ready = (b: string): boolean =>
    dataInputs(run, b).every(
      (i) =>
        placed.has(i.component) ||
        !run.bolts.includes(i.component) ||
        run.feedbackEdges.has(feedbackKey(i.component, i.stream, b)),
    );
  while (remaining.length > 0) {
    const next = remaining.filter(ready);
    if (next.length === 0) {
      if (run.mode === 'checkpoint' || run.stateful) {
        throw new UnsupportedOperationException(
          `Topology ${run.name} has a cycle through bolts ${remaining.join(', ')}; checkpointed topologies must be acyclic`,
        );
      }
      const breakAt = remaining[0]!;
      for (const i of dataInputs(run, breakAt))
        if (!placed.has(i.component)) run.feedbackEdges.add(feedbackKey(i.component, i.stream, breakAt));
      continue;
    }
    for (const b of next) {
      placed.add(b);
      order.push(b);
    }
    remaining = remaining.filter((b) => !placed.has(b));
  }
  return order;
}

export function buildJob(run: TopologyRun, env: StreamEnvironment): void {
  const streams = new Map<string, DataStream<RoutedTuple>>();
  for (const id of run.spouts) {
    const n = run.tasksOf(id).length;
    if (n === 0) continue;
    const spec = run.topology.get_spouts().get(id)!;
    const source = env.fromSource(new SpoutSource(run, id, spec.get_spout_object()), {
      parallelism: n,
      name: id,
      uid: id,
    });
    streams.set(
      id,
      source.transform(`${id}.router`, () => new SpoutRouterOperator(), {
        parallelism: n,
        name: `${id}.router`,
        uid: `${id}.router`,
      }) as unknown as DataStream<RoutedTuple>,
    );
  }
  for (const id of boltOrder(run)) {
    const n = run.tasksOf(id).length;
    if (n === 0) continue;
    const inputs: DataStream<RoutedTuple>[] = [];
    for (const { component, stream } of dataInputs(run, id)) {
      if (run.feedbackEdges.has(feedbackKey(component, stream, id))) continue;
      const producer = streams.get(component);
      if (producer !== undefined) inputs.push(producer.getSideOutput(new OutputTag<RoutedTuple>(edgeTag(stream, id))));
    }
    if (inputs.length === 0) {
      // A bolt without data inputs still runs (prepare, ticks): give it an edge nothing is sent on.
      const any = streams.values().next().value as DataStream<RoutedTuple> | undefined;
      if (any === undefined) continue;
      inputs.push(any.getSideOutput(new OutputTag<RoutedTuple>(edgeTag('__none', id))));
    }
    const [first, ...rest] = inputs;
    const input = (rest.length > 0 ? first!.union(...rest) : first!).partitionDirect((t) => t.targetIndex);
    const bolt = run.topology.get_bolts().get(id)!;
    const object = bolt.get_bolt_object();
    const kind = bolt.get_kind();
    const out = (input as unknown as DataStream<Tuple>).transform(
      id,
      () => new BoltTaskOperator(run, id, object, kind),
      {
        parallelism: n,
        name: id,
        uid: id,
      },
    );
    streams.set(id, out as unknown as DataStream<RoutedTuple>);
  }
}
