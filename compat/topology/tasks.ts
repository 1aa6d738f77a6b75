/**
 * The system topology, task counts, task ids and per-component confs (§4). Pure functions of the
 * submitted conf and `StormTopology`; the executor instantiates tasks from the `TaskPlan`.
 */
import { CONFIG_KEYS } from '../component/config-keys.ts';
import { CONFIG_KEY_VALUES, confInt, type Conf } from '../component/config.ts';
import {
  Acker,
  CheckpointSpout as CP,
  Constants,
  METRICS_STREAM_FIELDS,
  SYSTEM_STREAM_FIELDS,
  SYSTEM_STREAM_ID,
} from '../component/constants.ts';
import { TopologyContext } from '../component/context.ts';
import { Fields } from '../component/fields.ts';
import { GlobalStreamId, GlobalStreamIdMap } from '../component/global-stream-id.ts';
import { ComponentCommon, Grouping, StreamInfo, type StormTopology } from './storm-topology.ts';

/** Component keys that reach `open`/`prepare` although they are `Config` constants (§4). */
export const COMPONENT_CONF_WHITELIST: ReadonlySet<string> = new Set<string>([
  CONFIG_KEYS.TOPOLOGY_DEBUG,
  CONFIG_KEYS.TOPOLOGY_MAX_SPOUT_PENDING,
  CONFIG_KEYS.TOPOLOGY_MAX_TASK_PARALLELISM,
  CONFIG_KEYS.TOPOLOGY_TRANSACTIONAL_ID,
  CONFIG_KEYS.TOPOLOGY_TICK_TUPLE_FREQ_SECS,
  CONFIG_KEYS.TOPOLOGY_SLEEP_SPOUT_WAIT_STRATEGY_TIME_MS,
  CONFIG_KEYS.TOPOLOGY_SPOUT_WAIT_STRATEGY,
  CONFIG_KEYS.TOPOLOGY_BOLTS_WINDOW_LENGTH_COUNT,
  CONFIG_KEYS.TOPOLOGY_BOLTS_WINDOW_LENGTH_DURATION_MS,
  CONFIG_KEYS.TOPOLOGY_BOLTS_SLIDING_INTERVAL_COUNT,
  CONFIG_KEYS.TOPOLOGY_BOLTS_SLIDING_INTERVAL_DURATION_MS,
  CONFIG_KEYS.TOPOLOGY_BOLTS_TUPLE_TIMESTAMP_MAX_LAG_MS,
  CONFIG_KEYS.TOPOLOGY_BOLTS_MESSAGE_ID_FIELD_NAME,
  CONFIG_KEYS.TOPOLOGY_BOLTS_LATE_TUPLE_STREAM,
  CONFIG_KEYS.TOPOLOGY_STATE_PROVIDER,
  CONFIG_KEYS.TOPOLOGY_STATE_PROVIDER_CONFIG,
  // stormshift decision (§4): Storm drops it, so `withWatermarkInterval` did nothing there.
  CONFIG_KEYS.TOPOLOGY_BOLTS_WATERMARK_EVENT_INTERVAL_MS,
]);

/** The literal `topology.ackers` key the docs mention, read as an alias (§13). */
export const TOPOLOGY_ACKERS_ALIAS = 'topology.ackers';

/** Acker count: `topology.acker.executors` (alias `topology.ackers`), null ⇒ `topology.workers` (default 1). */
export function ackerCount(topologyConf: Conf): number {
  const explicit =
    confInt(topologyConf, CONFIG_KEYS.TOPOLOGY_ACKER_EXECUTORS, null) ??
    confInt(topologyConf, TOPOLOGY_ACKERS_ALIAS, null);
  return explicit ?? confInt(topologyConf, CONFIG_KEYS.TOPOLOGY_WORKERS, 1);
}

/** Task count: `topology.tasks` of topology ⊕ component conf, default hint, capped by max parallelism. */
export function componentTaskCount(topologyConf: Conf, componentConf: Conf, parallelismHint: number): number {
  const merged = { ...topologyConf, ...componentConf };
  const tasks = confInt(merged, CONFIG_KEYS.TOPOLOGY_TASKS, parallelismHint);
  const max = confInt(merged, CONFIG_KEYS.TOPOLOGY_MAX_TASK_PARALLELISM, null);
  return max === null ? tasks : Math.min(max, tasks);
}

export interface EffectiveConfOptions {
  topologyName: string;
  /** Spouts with ackers > 0 see the internal timeout tick (§4). */
  isSpout?: boolean;
  ackers?: number;
}

/**
 * The conf given to `open`/`prepare`: topology conf overlaid with the component conf, dropping
 * component keys that are `Config` constants unless whitelisted; custom keys always pass.
 */
export function effectiveComponentConf(
  topologyConf: Conf,
  componentConf: Conf | null,
  opts: EffectiveConfOptions,
): Conf {
  const out: Conf = { ...topologyConf };
  for (const [k, v] of Object.entries(componentConf ?? {})) {
    if (CONFIG_KEY_VALUES.has(k) && !COMPONENT_CONF_WHITELIST.has(k)) continue;
    out[k] = v;
  }
  out[CONFIG_KEYS.TOPOLOGY_NAME] = opts.topologyName;
  if (opts.isSpout && (opts.ackers ?? 0) > 0) {
    out[CONFIG_KEYS.TOPOLOGY_TICK_TUPLE_FREQ_SECS] = confInt(
      topologyConf,
      CONFIG_KEYS.TOPOLOGY_MESSAGE_TIMEOUT_SECS,
      30,
    );
  }
  return out;
}

export type ComponentRole =
  | 'spout'
  | 'bolt'
  | 'acker'
  | 'system'
  | 'metrics-consumer'
  | 'checkpoint-spout'
  | 'state-spout';

export interface PlannedComponent {
  readonly id: string;
  readonly role: ComponentRole;
  /** Component conf with `topology.tasks` written in (Nimbus' normalisation). */
  readonly componentConf: Conf;
  readonly taskCount: number;
  readonly tasks: readonly number[];
  /** For `__metrics_*`: the registration entry (`class`, `argument`, `parallelism.hint`). */
  readonly metricsConsumer?: Readonly<Record<string, unknown>>;
}

export interface TaskPlan {
  readonly ackers: number;
  readonly components: ReadonlyMap<string, PlannedComponent>;
  readonly taskToComponent: ReadonlyMap<number, string>;
  readonly componentToSortedTasks: ReadonlyMap<string, readonly number[]>;
  readonly componentToStreamToFields: ReadonlyMap<string, ReadonlyMap<string, Fields>>;
  /** Common structs of the system topology (user components with system streams added). */
  readonly commons: ReadonlyMap<string, ComponentCommon>;
}

const ACKER_FIELDS = {
  spout: new Map([
    [Acker.ACKER_INIT_STREAM_ID, ['id', 'init-val', 'spout-task']],
    [Acker.ACKER_RESET_TIMEOUT_STREAM_ID, ['id']],
  ]),
  bolt: new Map([
    [Acker.ACKER_ACK_STREAM_ID, ['id', 'ack-val']],
    [Acker.ACKER_FAIL_STREAM_ID, ['id']],
    [Acker.ACKER_RESET_TIMEOUT_STREAM_ID, ['id']],
  ]),
};

/**
 * Builds the system topology and assigns task ids (§4, normative): every component id sorted by
 * JS default order (= Java `compareTo`), ids contiguous from 1, ascending within a component.
 */
export function planTasks(topologyConf: Conf, topology: StormTopology): TaskPlan {
  const ackers = ackerCount(topologyConf);
  const entries: Array<{
    id: string;
    role: ComponentRole;
    common: ComponentCommon;
    metricsConsumer?: Record<string, unknown>;
  }> = [];

  const withSystemStreams = (common: ComponentCommon, ackStreams: Map<string, string[]> | null): ComponentCommon => {
    const streams = new Map(common.get_streams());
    if (ackers > 0 && ackStreams) for (const [s, f] of ackStreams) streams.set(s, new StreamInfo(f, false));
    streams.set(Constants.METRICS_STREAM_ID, new StreamInfo(METRICS_STREAM_FIELDS, false));
    streams.set(SYSTEM_STREAM_ID, new StreamInfo(SYSTEM_STREAM_FIELDS, false));
    return new ComponentCommon(
      common.get_inputs(),
      streams,
      common.is_set_parallelism_hint() ? common.get_parallelism_hint() : null,
      common.get_json_conf(),
    );
  };

  for (const [id, spec] of topology.get_spouts()) {
    const role: ComponentRole = id === CP.CHECKPOINT_COMPONENT_ID ? 'checkpoint-spout' : 'spout';
    entries.push({ id, role, common: withSystemStreams(spec.get_common(), ACKER_FIELDS.spout) });
  }
  for (const [id, bolt] of topology.get_bolts()) {
    entries.push({ id, role: 'bolt', common: withSystemStreams(bolt.get_common(), ACKER_FIELDS.bolt) });
  }
  for (const [id, spec] of topology.get_state_spouts()) {
    entries.push({ id, role: 'state-spout', common: withSystemStreams(spec.get_common(), null) });
  }

  // __acker: inputs from every spout's init stream and every bolt's ack/fail streams.
  const ackerInputs = new GlobalStreamIdMap<Grouping>();
  if (ackers > 0) {
    for (const id of topology.get_spouts().keys()) {
      ackerInputs.set(new GlobalStreamId(id, Acker.ACKER_INIT_STREAM_ID), Grouping.fields(['id']));
      ackerInputs.set(new GlobalStreamId(id, Acker.ACKER_RESET_TIMEOUT_STREAM_ID), Grouping.fields(['id']));
    }
    for (const id of topology.get_bolts().keys()) {
      ackerInputs.set(new GlobalStreamId(id, Acker.ACKER_ACK_STREAM_ID), Grouping.fields(['id']));
      ackerInputs.set(new GlobalStreamId(id, Acker.ACKER_FAIL_STREAM_ID), Grouping.fields(['id']));
      ackerInputs.set(new GlobalStreamId(id, Acker.ACKER_RESET_TIMEOUT_STREAM_ID), Grouping.fields(['id']));
    }
  }
  const ackerStreams = new Map<string, StreamInfo>([
    [Acker.ACKER_ACK_STREAM_ID, new StreamInfo(['id', 'time-delta-ms'], true)],
    [Acker.ACKER_FAIL_STREAM_ID, new StreamInfo(['id', 'time-delta-ms'], true)],
    [Acker.ACKER_RESET_TIMEOUT_STREAM_ID, new StreamInfo(['id', 'time-delta-ms'], true)],
    [Constants.METRICS_STREAM_ID, new StreamInfo(METRICS_STREAM_FIELDS, false)],
    [SYSTEM_STREAM_ID, new StreamInfo(SYSTEM_STREAM_FIELDS, false)],
  ]);
  entries.push({
    id: Acker.ACKER_COMPONENT_ID,
    role: 'acker',
    common: new ComponentCommon(
      ackerInputs,
      ackerStreams,
      ackers,
      JSON.stringify({ [CONFIG_KEYS.TOPOLOGY_TASKS]: ackers }),
    ),
  });

  entries.push({
    id: Constants.SYSTEM_COMPONENT_ID,
    role: 'system',
    common: new ComponentCommon(
      new GlobalStreamIdMap(),
      new Map([
        [Constants.SYSTEM_TICK_STREAM_ID, new StreamInfo(['rate_secs'], false)],
        [Constants.SYSTEM_FLUSH_STREAM_ID, new StreamInfo([], false)],
        [Constants.METRICS_TICK_STREAM_ID, new StreamInfo(['interval'], false)],
        [Constants.METRICS_STREAM_ID, new StreamInfo(METRICS_STREAM_FIELDS, false)],
        [SYSTEM_STREAM_ID, new StreamInfo(SYSTEM_STREAM_FIELDS, false)],
      ]),
      0,
      JSON.stringify({ [CONFIG_KEYS.TOPOLOGY_TASKS]: 0 }),
    ),
  });

  const register = topologyConf[CONFIG_KEYS.TOPOLOGY_METRICS_CONSUMER_REGISTER];
  if (Array.isArray(register)) {
    const emitters = [...entries.map((e) => e.id)];
    const occurrences = new Map<string, number>();
    for (const info of register as Array<Record<string, unknown>>) {
      const className = String(info['class']);
      const n = (occurrences.get(className) ?? 0) + 1;
      occurrences.set(className, n);
      const id = Constants.METRICS_COMPONENT_ID_PREFIX + className + (n > 1 ? `#${n}` : '');
      const hint = confInt(info, 'parallelism.hint', 1);
      const inputs = new GlobalStreamIdMap<Grouping>();
      for (const e of emitters) inputs.set(new GlobalStreamId(e, Constants.METRICS_STREAM_ID), Grouping.shuffle());
      entries.push({
        id,
        role: 'metrics-consumer',
        metricsConsumer: info,
        common: new ComponentCommon(
          inputs,
          new Map([
            [Constants.METRICS_STREAM_ID, new StreamInfo(METRICS_STREAM_FIELDS, false)],
            [SYSTEM_STREAM_ID, new StreamInfo(SYSTEM_STREAM_FIELDS, false)],
          ]),
          hint,
          JSON.stringify({ [CONFIG_KEYS.TOPOLOGY_TASKS]: hint }),
        ),
      });
    }
  }

  // JS default sort compares UTF-16 code units, exactly Java's String.compareTo.
  entries.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

  const components = new Map<string, PlannedComponent>();
  const taskToComponent = new Map<number, string>();
  const componentToSortedTasks = new Map<string, readonly number[]>();
  const componentToStreamToFields = new Map<string, Map<string, Fields>>();
  const commons = new Map<string, ComponentCommon>();
  let next = 1;
  for (const e of entries) {
    const own = e.common.parsedConf();
    const hint = e.common.is_set_parallelism_hint() ? e.common.get_parallelism_hint() : 1;
    const count = componentTaskCount(topologyConf, own, hint);
    const tasks: number[] = [];
    for (let i = 0; i < count; i++) {
      tasks.push(next);
      taskToComponent.set(next, e.id);
      next++;
    }
    const componentConf = { ...own, [CONFIG_KEYS.TOPOLOGY_TASKS]: count };
    components.set(e.id, {
      id: e.id,
      role: e.role,
      componentConf,
      taskCount: count,
      tasks: Object.freeze(tasks),
      ...(e.metricsConsumer ? { metricsConsumer: e.metricsConsumer } : {}),
    });
    componentToSortedTasks.set(e.id, Object.freeze(tasks));
    const streams = new Map<string, Fields>();
    for (const [s, info] of e.common.get_streams()) streams.set(s, new Fields(info.get_output_fields()));
    componentToStreamToFields.set(e.id, streams);
    commons.set(e.id, e.common);
  }
  return { ackers, components, taskToComponent, componentToSortedTasks, componentToStreamToFields, commons };
}

/** The `TopologyContext` of one task, over a plan (the executor's one-liner). */
export function topologyContextFor(
  topology: StormTopology,
  topologyConf: Conf,
  plan: TaskPlan,
  stormId: string,
  taskId: number,
  options: ConstructorParameters<typeof TopologyContext>[7] = {},
): TopologyContext {
  return new TopologyContext(
    topology,
    topologyConf,
    plan.taskToComponent,
    plan.componentToSortedTasks,
    plan.componentToStreamToFields,
    stormId,
    taskId,
    { commons: plan.commons, ...options },
  );
}
