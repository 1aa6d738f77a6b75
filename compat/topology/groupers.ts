/**
 * Per-emit target choice (§3.3): pure, one instance per (emitting task, stream, consuming
 * component). Target lists are sorted ascending; every returned array is fresh.
 */
import { IllegalArgumentException } from '../component/exceptions.ts';
import type { Fields } from '../component/fields.ts';
import type { GlobalStreamId } from '../component/global-stream-id.ts';
import type { CustomStreamGrouping } from '../component/interfaces.ts';
import type { WorkerTopologyContext } from '../component/context.ts';
import { javaTaskIndex, stableFieldsHash } from '../component/canonical.ts';
import { cloneValue } from './clone.ts';
import type { Grouping } from './storm-topology.ts';

export type FieldsHashMode = 'stable' | 'java';

/** Conf key selecting the fields hash (§3.3). */
export const FIELDS_HASH_CONF = 'stormshift.fields.hash';

export interface GrouperSpec {
  grouping: Grouping;
  /** Tasks of the consuming component (any order). */
  targetTasks: readonly number[];
  /** Declared fields of the emitted stream (fields grouping needs them). */
  outputFields: Fields;
  /** Emitting stream, for custom `prepare` and error messages. */
  stream: GlobalStreamId;
  /** For custom `prepare`; may be omitted for the built-in kinds. */
  context?: WorkerTopologyContext;
  hashMode?: FieldsHashMode;
  /**
   * The targets on the emitting task's worker thread, when `topology.workers` spread the tasks:
   * `localOrShuffleGrouping` keeps to them while there are any, as in Storm (unset: all are local).
   */
  localTasks?: readonly number[];
  /** [0, 1) source for shuffle order and none grouping; defaults to Math.random. */
  random?: () => number;
}

export interface Grouper {
  /** True for direct grouping: only `emitDirect` may target it. */
  readonly isDirect: boolean;
  chooseTasks(emittingTaskId: number, values: readonly unknown[]): number[];
  /**
   * For groupers that always pick at most one task: that task, or -1 for none. Same decision (and
   * same state advance) as `chooseTasks`, without the per-emit array.
   */
  chooseTask?(emittingTaskId: number, values: readonly unknown[]): number;
}

function primitiveKey(values: readonly unknown[], idx: readonly number[]): boolean {
  for (let i = 0; i < idx.length; i++) {
    const v = values[idx[i]!];
    if (v !== null && (typeof v === 'object' || typeof v === 'function')) return false;
  }
  return true;
}

function sortedCopy(tasks: readonly number[]): number[] {
  return [...tasks].sort((a, b) => a - b);
}

export function createGrouper(spec: GrouperSpec): Grouper {
  const targets = sortedCopy(spec.targetTasks);
  const random = spec.random ?? Math.random;
  const g = spec.grouping;
  const n = targets.length;
  switch (g.getSetField()) {
    case 'fields': {
      if (g.isGlobal()) return { isDirect: false, chooseTasks: () => (n === 0 ? [] : [targets[0]!]) };
      const idx = g.get_fields().map((f) => spec.outputFields.fieldIndex(f));
      const java = spec.hashMode === 'java';
      const chooseTask = (_t: number, values: readonly unknown[]): number => {
        if (n === 0) return -1;
        // With one target the hash cannot change the choice; it is still computed for keys whose
        // encoding may throw (cycles) or run user code (String(v)), so only primitives skip it.
        if (n === 1 && primitiveKey(values, idx)) return targets[0]!;
        const key = new Array<unknown>(idx.length);
        for (let i = 0; i < idx.length; i++) key[i] = values[idx[i]!];
        return targets[java ? javaTaskIndex(key, n) : stableFieldsHash(key) % n]!;
      };
      return {
        isDirect: false,
        chooseTask,
        chooseTasks: (t, values) => {
          const task = chooseTask(t, values);
          return task < 0 ? [] : [task];
        },
      };
    }
    case 'shuffle':
      return shuffleGrouper(targets, random);
    case 'local_or_shuffle':
      return shuffleGrouper(
        spec.localTasks !== undefined && spec.localTasks.length > 0 ? sortedCopy(spec.localTasks) : targets,
        random,
      );
    case 'none':
      return { isDirect: false, chooseTasks: () => (n === 0 ? [] : [targets[Math.floor(random() * n)]!]) };
    case 'all':
      return { isDirect: false, chooseTasks: () => targets.slice() };
    case 'direct':
      return {
        isDirect: true,
        chooseTasks: () => {
          throw new IllegalArgumentException('Cannot do regular emit to direct stream');
        },
      };
    case 'custom_object':
    case 'custom_serialized': {
      const raw = g.getSetField() === 'custom_object' ? g.get_custom_object() : g.get_custom_serialized();
      return customGrouper(raw as CustomStreamGrouping, targets, spec);
    }
  }
}

function shuffleGrouper(targets: number[], random: () => number): Grouper {
  const order = targets.slice();
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  let next = 0;
  const chooseTask = (): number => {
    if (order.length === 0) return -1;
    const t = order[next]!;
    next = next + 1 === order.length ? 0 : next + 1;
    return t;
  };
  return {
    isDirect: false,
    chooseTask,
    chooseTasks: () => {
      const t = chooseTask();
      return t < 0 ? [] : [t];
    },
  };
}

function customGrouper(grouping: CustomStreamGrouping, targets: number[], spec: GrouperSpec): Grouper {
  // One private copy per grouper instance, as Storm deserializes one per executor.
  const g = cloneValue(grouping, 'grouping');
  const allowed = new Set(targets);
  g.prepare(spec.context as WorkerTopologyContext, spec.stream, targets.slice());
  const where = `${spec.stream.get_componentId()}:${spec.stream.get_streamId()}`;
  return {
    isDirect: false,
    chooseTasks: (taskId, values) => {
      const chosen = g.chooseTasks(taskId, values);
      if (!Array.isArray(chosen)) {
        throw new IllegalArgumentException(
          `Custom grouping on ${where} returned ${typeof chosen}, expected a list of task ids`,
        );
      }
      const out = new Array<number>(chosen.length);
      for (let i = 0; i < chosen.length; i++) {
        const id = typeof chosen[i] === 'bigint' ? Number(chosen[i]) : chosen[i];
        if (!allowed.has(id as number)) {
          throw new IllegalArgumentException(
            `Custom grouping on ${where} chose task ${String(chosen[i])}, which is not one of the target tasks [${targets.join(', ')}]`,
          );
        }
        out[i] = id as number;
      }
      return out;
    },
  };
}

/** The fields hash mode a topology conf selects (`stormshift.fields.hash`: "java" or default). */
export function fieldsHashModeFromConf(conf: Readonly<Record<string, unknown>>): FieldsHashMode {
  return conf[FIELDS_HASH_CONF] === 'java' ? 'java' : 'stable';
}
