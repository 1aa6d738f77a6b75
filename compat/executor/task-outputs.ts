/**
 * One task's view of its output streams: the groupers it owns (one per stream and consuming
 * component, §3.3), the §5.4 routing errors, and the field-count check. Collectors build tuples on
 * top of it; the actual sending is the task's `send` (spout: source output, bolt: side output).
 */
import { IllegalArgumentException } from '../component/exceptions.ts';
import type { Fields } from '../component/fields.ts';
import { GlobalStreamId } from '../component/global-stream-id.ts';
import type { TopologyContext } from '../component/context.ts';
import { checkFieldCount } from '../component/tuple.ts';
import { createGrouper, fieldsHashModeFromConf, type Grouper } from '../topology/groupers.ts';
import type { TopologyRun } from '../translate/topology-run.ts';
import { StreamCounts } from './task-stats.ts';
import { feedbackKey } from './feedback.ts';
import type { EdgeOrigin } from './routed-tuple.ts';

export class Outlet {
  constructor(
    readonly consumer: string,
    readonly tag: string,
    readonly grouper: Grouper,
    readonly isDirect: boolean,
    /** Lowest task id of the consumer: task index = task id − firstTask (ids are contiguous). */
    readonly firstTask: number,
    /** Closes a cycle: delivered by a direct call, not through the runtime (see build-job). */
    readonly feedback: boolean,
  ) {}
  /** What this task's tuples on this edge share; built by the task on its first send. */
  origin: EdgeOrigin | null = null;
}

export class StreamOut {
  readonly hasDirect: boolean;
  readonly byConsumer = new Map<string, Outlet>();
  /** The fields tuples of this stream report (`getFields()`), as the task's context resolves them; set on first emit. */
  tupleFields: Fields | null = null;
  constructor(
    readonly streamId: string,
    readonly fields: Fields,
    readonly outlets: readonly Outlet[],
    /** The component's shared counts of this stream (Storm UI's outputStats). */
    readonly counts: StreamCounts = new StreamCounts(),
  ) {
    this.hasDirect = outlets.some((o) => o.isDirect);
    for (const o of outlets) this.byConsumer.set(o.consumer, o);
  }
}

export class TaskOutputs {
  private readonly streams = new Map<string, StreamOut>();

  constructor(
    private readonly run: TopologyRun,
    readonly componentId: string,
    readonly taskId: number,
    context: TopologyContext,
  ) {
    const hashMode = fieldsHashModeFromConf(run.conf);
    for (const [streamId, spec] of run.routing.get(componentId) ?? []) {
      const outlets = spec.subscribers.map(
        (s) =>
          new Outlet(
            s.consumer,
            s.tag,
            createGrouper({
              grouping: s.grouping,
              targetTasks: s.tasks,
              outputFields: spec.fields,
              stream: new GlobalStreamId(componentId, streamId),
              context,
              hashMode,
              ...(run.workerThreads > 1
                ? { localTasks: s.tasks.filter((t) => run.workerOf(t) === run.workerOf(taskId)) }
                : {}),
            }),
            s.isDirect,
            s.tasks[0] ?? 0,
            run.feedbackEdges.has(feedbackKey(componentId, streamId, s.consumer)),
          ),
      );
      this.streams.set(
        streamId,
        new StreamOut(streamId, spec.fields, outlets, run.statsOf(componentId).streamCounts(streamId)),
      );
    }
  }

  // Tasks nearly always emit on one stream: the last one found answers without a Map lookup.
  private lastId: string | null = null;
  private lastStream: StreamOut | null = null;

  /** The stream, or Storm's error for an undeclared one. */
  stream(streamId: string): StreamOut {
    if (streamId === this.lastId) return this.lastStream!;
    const so = this.streams.get(streamId);
    if (so === undefined) throw new IllegalArgumentException(`Unknown stream ID: ${streamId}`);
    this.lastId = streamId;
    this.lastStream = so;
    return so;
  }

  /** Regular emit: validates and returns the stream; the caller runs each outlet's grouper. */
  regular(streamId: string): StreamOut {
    const so = this.stream(streamId);
    if (so.hasDirect) throw new IllegalArgumentException('Cannot do regular emit to direct stream');
    return so;
  }

  /** `emitDirect`'s target outlet: null when the task's component does not subscribe (silently dropped). */
  direct(so: StreamOut, taskId: number): Outlet | null {
    const component = this.run.plan.taskToComponent.get(taskId);
    if (component === undefined) {
      throw new IllegalArgumentException(
        `emitDirect to task ${taskId}, which does not exist in topology ${this.run.name}`,
      );
    }
    const outlet = so.byConsumer.get(component);
    if (outlet === undefined) return null;
    if (!outlet.isDirect)
      throw new IllegalArgumentException('Cannot emitDirect to a task expecting a regular grouping');
    return outlet;
  }
}

/**
 * The emitted list, checked against the stream's fields and copied once (§3.5). The copy is frozen
 * when it is first handed to code outside the executor ({@link exposed}: `getValues()`, hooks,
 * user groupings) rather than per emit: `Object.freeze` cost more than the rest of the copy, and
 * most tuples are only read through typed getters.
 */
export function frozenValues(so: StreamOut, values: readonly unknown[]): readonly unknown[] {
  checkFieldCount(so.fields.size(), values.length);
  const n = values.length;
  const copy = new Array<unknown>(n);
  for (let i = 0; i < n; i++) copy[i] = values[i];
  return copy;
}

/** The emitted list, checked against the stream's fields but not copied: for values nothing keeps. */
export function checked(so: StreamOut, values: readonly unknown[]): readonly unknown[] {
  checkFieldCount(so.fields.size(), values.length);
  return values;
}

/** An executor-owned values copy, frozen before anything outside the executor may see it. */
export function exposed(values: readonly unknown[]): readonly unknown[] {
  return Object.isFrozen(values) ? values : Object.freeze(values);
}

/**
 * Appends a target task to an emit's result list, creating it on the first target: a `[]` that is
 * pushed to grows a 17-slot backing store, most of an emit's garbage when it has one target.
 */
export function withTarget(targets: number[] | null, task: number): number[] {
  if (targets === null) return [task];
  targets.push(task);
  return targets;
}
