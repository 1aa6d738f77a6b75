/**
 * Storm UI's REST API (/api/v1/...) for topologies running on compat: Storm's documented field
 * names and types (counts as numbers, latencies and capacity as strings with three decimals,
 * uptime as "1h 2m 3s"). stormshift runs one emulated worker per topology, one executor per task.
 */
import { hostname } from 'node:os';
import { inputKey, streamKey, type ConsoleJob } from './jobs.ts';
import { STORM_WINDOWS, windowPretty, type StormWindow } from './rolling.ts';
import type { Clock } from './clock.ts';

export const STORM_VERSION = '2.8.8';

export function prettyUptime(secs: number): string {
  let s = Math.max(0, Math.floor(secs));
  const d = Math.floor(s / 86400);
  s -= d * 86400;
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  if (d > 0) return `${d}d ${h}h ${m}m ${s}s`;
  if (h > 0) return `${h}h ${m}m ${s}s`;
  if (m > 0) return `${m}m ${s}s`;
  return `${s}s`;
}

const fixed3 = (x: number): string => (Number.isFinite(x) ? x : 0).toFixed(3);
/** Mean complete latency over the trees the spout's stats sampler timed (topology.stats.sample.rate). */
const completeLatency = (get: (key: string) => number): number => {
  const samples = get('completeSamples');
  return samples > 0 ? get('completeMs') / samples : 0;
};

function isSystem(id: string): boolean {
  return id.startsWith('__') || id.startsWith('$');
}

export function topologyStatus(job: ConsoleJob): string {
  const run = job.storm!.run;
  if (run.killed || job.endedAt !== undefined) return 'KILLED';
  return run.active ? 'ACTIVE' : 'INACTIVE';
}

function uptimeSecs(job: ConsoleJob, clock: Clock): number {
  return Math.max(0, Math.floor((clock.now() - job.storm!.run.launchedAt) / 1000));
}

function errorFields(job: ConsoleJob, component: string, clock: Clock) {
  const run = job.storm!.run;
  let last: (typeof run.errors)[number] | undefined;
  for (const e of run.errors) if (e.componentId === component) last = e;
  if (last === undefined) {
    return {
      lastError: '',
      errorHost: '',
      errorPort: null,
      errorWorkerLogLink: '',
      errorTime: null,
      errorLapsedSecs: null,
    };
  }
  return {
    lastError: errorText(last.error),
    errorHost: hostname(),
    errorPort: null,
    errorWorkerLogLink: '',
    errorTime: Math.floor(last.time / 1000),
    errorLapsedSecs: Math.max(0, Math.floor((clock.now() - last.time) / 1000)),
  };
}

/** The error's name and message only: stack traces stay in the process log, never in a response. */
export function errorText(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`.slice(0, 1000);
  return String(error).slice(0, 1000);
}

interface ComponentWindowStats {
  emitted: number;
  transferred: number;
  acked: number;
  failed: number;
  executed: number;
  completeLatency: string;
  executeLatency: string;
  processLatency: string;
  capacity: string;
}

function componentStats(job: ConsoleJob, component: string, window: StormWindow, clock: Clock): ComponentWindowStats {
  job.sample();
  const totals = job.stormTotals();
  const w = job.rolling!.window(window, totals);
  const get = (key: string) => w.get(`${key}:${component}`) ?? 0;
  const acked = get('acked');
  const executeSamples = get('executeSamples');
  const executeLatency = executeSamples > 0 ? get('executeMs') / executeSamples : 0;
  const processSamples = get('processSamples');
  // Storm: capacity = executed × execute latency / window, for the busiest executor; the window
  // is cut to the topology's uptime when it is younger.
  const windowSecs = window === ':all-time' ? uptimeSecs(job, clock) : Math.min(Number(window), uptimeSecs(job, clock));
  let capacity = 0;
  if (windowSecs > 0) {
    for (const task of job.storm!.run.tasksOf(component))
      capacity = Math.max(capacity, (w.get(`taskBusyMs:${task}`) ?? 0) / (windowSecs * 1000));
  }
  return {
    emitted: get('emitted'),
    transferred: get('transferred'),
    acked,
    failed: get('failed'),
    executed: get('executed'),
    completeLatency: fixed3(completeLatency(get)),
    executeLatency: fixed3(executeLatency),
    // Storm's process latency: execute start to ack, which a bolt may send after execute returned.
    processLatency: fixed3(processSamples > 0 ? get('processMs') / processSamples : 0),
    capacity: fixed3(capacity),
  };
}

export function topologySummary(job: ConsoleJob, clock: Clock) {
  const run = job.storm!.run;
  const up = uptimeSecs(job, clock);
  const tasks = run.totalTasks;
  return {
    id: run.stormId,
    encodedId: encodeURIComponent(run.stormId),
    owner: process.env.USER ?? '',
    name: run.name,
    status: topologyStatus(job),
    uptime: prettyUptime(up),
    uptimeSeconds: up,
    tasksTotal: tasks,
    workersTotal: 1,
    executorsTotal: tasks,
    replicationCount: 1,
    requestedMemOnHeap: 0,
    requestedMemOffHeap: 0,
    requestedTotalMem: 0,
    requestedCpu: 0,
    assignedMemOnHeap: 0,
    assignedMemOffHeap: 0,
    assignedTotalMem: 0,
    assignedCpu: 0,
    schedulerDisplayResource: false,
  };
}

export function clusterSummary(jobs: ConsoleJob[], clock: Clock, startedAt: number) {
  const topologies = jobs.filter((j) => j.storm && j.endedAt === undefined);
  const tasks = topologies.reduce((a, j) => a + j.storm!.run.totalTasks, 0);
  return {
    stormVersion: STORM_VERSION,
    supervisors: 1,
    topologies: topologies.length,
    slotsTotal: topologies.length,
    slotsUsed: topologies.length,
    slotsFree: 0,
    executorsTotal: tasks,
    tasksTotal: tasks,
    nimbusUptime: prettyUptime((clock.now() - startedAt) / 1000),
    nimbusUptimeSeconds: Math.floor((clock.now() - startedAt) / 1000),
    schedulerDisplayResource: false,
    totalMem: 0,
    totalCpu: 0,
    availMem: 0,
    availCpu: 0,
    memAssignedPercentUtil: 0,
    cpuAssignedPercentUtil: 0,
  };
}

function spoutRow(job: ConsoleJob, id: string, window: StormWindow, clock: Clock) {
  const s = componentStats(job, id, window, clock);
  const tasks = job.storm!.run.tasksOf(id).length;
  return {
    spoutId: id,
    encodedSpoutId: encodeURIComponent(id),
    executors: tasks,
    tasks,
    emitted: s.emitted,
    transferred: s.transferred,
    completeLatency: s.completeLatency,
    acked: s.acked,
    failed: s.failed,
    ...errorFields(job, id, clock),
    requestedMemOnHeap: 0,
    requestedMemOffHeap: 0,
    requestedCpu: 0,
  };
}

function boltRow(job: ConsoleJob, id: string, window: StormWindow, clock: Clock) {
  const s = componentStats(job, id, window, clock);
  const tasks = job.storm!.run.tasksOf(id).length;
  return {
    boltId: id,
    encodedBoltId: encodeURIComponent(id),
    executors: tasks,
    tasks,
    emitted: s.emitted,
    transferred: s.transferred,
    capacity: s.capacity,
    executeLatency: s.executeLatency,
    executed: s.executed,
    processLatency: s.processLatency,
    acked: s.acked,
    failed: s.failed,
    ...errorFields(job, id, clock),
    requestedMemOnHeap: 0,
    requestedMemOffHeap: 0,
    requestedCpu: 0,
  };
}

function topologyWindowStats(job: ConsoleJob, window: StormWindow, clock: Clock) {
  const run = job.storm!.run;
  let emitted = 0;
  let transferred = 0;
  let acked = 0;
  let failed = 0;
  let completeMs = 0;
  for (const id of [...run.spouts, ...run.bolts]) {
    if (isSystem(id)) continue;
    const s = componentStats(job, id, window, clock);
    emitted += s.emitted;
    transferred += s.transferred;
    if (run.spouts.includes(id)) {
      acked += s.acked;
      failed += s.failed;
      completeMs += Number(s.completeLatency) * s.acked;
    }
  }
  return {
    windowPretty: windowPretty(window),
    window,
    emitted,
    transferred,
    completeLatency: fixed3(acked > 0 ? completeMs / acked : 0),
    acked,
    failed,
  };
}

export function topologyDetail(job: ConsoleJob, window: StormWindow, sys: boolean, clock: Clock) {
  const run = job.storm!.run;
  const show = (id: string) => sys || !isSystem(id);
  const summary = topologySummary(job, clock);
  return {
    ...summary,
    msgTimeout: run.timeoutSecs,
    window,
    windowHint: windowPretty(window),
    debug: run.conf['topology.debug'] === true,
    samplingPct: 10,
    topologyStats: STORM_WINDOWS.map((w) => topologyWindowStats(job, w, clock)),
    workers: [
      {
        topologyName: run.name,
        topologyId: run.stormId,
        host: hostname(),
        supervisorId: 'stormshift-local',
        port: 0,
        workerLogLink: '',
        uptime: summary.uptime,
        uptimeSeconds: summary.uptimeSeconds,
        executorsTotal: summary.executorsTotal,
        componentNumTasks: Object.fromEntries(
          [...run.spouts, ...run.bolts].filter(show).map((id) => [id, run.tasksOf(id).length]),
        ),
        assignedMemOnHeap: 0,
        assignedMemOffHeap: 0,
        assignedCpu: 0,
      },
    ],
    spouts: run.spouts.filter(show).map((id) => spoutRow(job, id, window, clock)),
    bolts: run.bolts.filter(show).map((id) => boltRow(job, id, window, clock)),
    configuration: run.conf,
    reliabilityMode: run.mode,
  };
}

export function componentDetail(job: ConsoleJob, component: string, window: StormWindow, clock: Clock) {
  const run = job.storm!.run;
  const isSpout = run.spouts.includes(component);
  const tasks = run.tasksOf(component);
  const up = uptimeSecs(job, clock);
  const perWindow = STORM_WINDOWS.map((w) => {
    const s = componentStats(job, component, w, clock);
    return isSpout
      ? {
          windowPretty: windowPretty(w),
          window: w,
          emitted: s.emitted,
          transferred: s.transferred,
          completeLatency: s.completeLatency,
          acked: s.acked,
          failed: s.failed,
        }
      : {
          windowPretty: windowPretty(w),
          window: w,
          emitted: s.emitted,
          transferred: s.transferred,
          executeLatency: s.executeLatency,
          processLatency: s.processLatency,
          executed: s.executed,
          capacity: s.capacity,
          acked: s.acked,
          failed: s.failed,
        };
  });
  const current = componentStats(job, component, window, clock);
  const totals = job.rolling!.window(window, job.stormTotals());
  const declared = [
    ...(run.topology.get_spouts().get(component) ?? run.topology.get_bolts().get(component))!
      .get_common()
      .get_streams()
      .keys(),
  ];
  const streams = [...new Set([...declared, ...(run.stats.get(component)?.streams.keys() ?? [])])].filter(
    (s) => !isSystem(s),
  );
  const windowSecs = window === ':all-time' ? up : Math.min(Number(window), up);
  return {
    id: component,
    encodedId: encodeURIComponent(component),
    name: run.name,
    componentType: isSpout ? 'spout' : 'bolt',
    topologyId: run.stormId,
    encodedTopologyId: encodeURIComponent(run.stormId),
    topologyStatus: topologyStatus(job),
    window,
    windowHint: windowPretty(window),
    executors: tasks.length,
    tasks: tasks.length,
    debug: false,
    samplingPct: 10,
    componentErrors: run.errors
      .filter((e) => e.componentId === component)
      .slice(-10)
      .map((e) => ({
        errorTime: e.time,
        errorHost: hostname(),
        errorPort: null,
        errorWorkerLogLink: '',
        errorLapsedSecs: Math.max(0, Math.floor((clock.now() - e.time) / 1000)),
        error: errorText(e.error),
      })),
    ...(isSpout ? { spoutSummary: perWindow } : { boltStats: perWindow }),
    outputStats: streams.map((stream) => {
      const get = (stat: string) => totals.get(streamKey(stat, component, stream)) ?? 0;
      if (!isSpout) return { stream, emitted: get('emitted'), transferred: get('transferred') };
      // Checkpoint mode does not know a settled tree's stream: a one-stream spout's totals are its stream's.
      const one = streams.length === 1;
      const acked = one ? current.acked : get('acked');
      return {
        stream,
        emitted: get('emitted'),
        transferred: get('transferred'),
        completeLatency: one ? current.completeLatency : fixed3(completeLatency(get)),
        acked,
        failed: one ? current.failed : get('failed'),
      };
    }),
    ...(isSpout ? {} : { inputStats: inputStats(job, component, totals) }),
    executorStats: tasks.map((task) => {
      const executed = totals.get(`taskExecuted:${task}`) ?? 0;
      const busy = totals.get(`taskBusyMs:${task}`) ?? 0;
      return {
        id: `[${task}-${task}]`,
        encodedId: encodeURIComponent(`[${task}-${task}]`),
        uptime: prettyUptime(up),
        uptimeSeconds: up,
        host: hostname(),
        port: 0,
        workerLogLink: '',
        executed,
        capacity: fixed3(windowSecs > 0 ? busy / (windowSecs * 1000) : 0),
        executeLatency: fixed3(executed > 0 ? busy / executed : 0),
      };
    }),
  };
}

/**
 * Storm UI's inputStats of a bolt: a row per subscribed (component, stream), declared ones even
 * before their first tuple, over the same window as the other rows; system streams hidden.
 */
function inputStats(job: ConsoleJob, component: string, totals: Map<string, number>) {
  const run = job.storm!.run;
  const inputs = new Map<string, { component: string; stream: string }>();
  const add = (source: string, stream: string) => {
    if (!isSystem(source) && !isSystem(stream))
      inputs.set(inputKey('', '', { component: source, stream }), { component: source, stream });
  };
  for (const g of run.topology.get_bolts().get(component)?.get_common().get_inputs().keys() ?? [])
    add(g.get_componentId(), g.get_streamId());
  for (const c of run.stats.get(component)?.inputs ?? []) add(c.component, c.stream);
  return [...inputs.values()].map((input) => {
    const get = (stat: string) => totals.get(inputKey(stat, component, input)) ?? 0;
    const executeSamples = get('executeSamples');
    const processSamples = get('processSamples');
    return {
      component: input.component,
      encodedComponentId: encodeURIComponent(input.component),
      stream: input.stream,
      executeLatency: fixed3(executeSamples > 0 ? get('executeMs') / executeSamples : 0),
      processLatency: fixed3(processSamples > 0 ? get('processMs') / processSamples : 0),
      executed: get('executed'),
      acked: get('acked'),
      failed: get('failed'),
    };
  });
}

export function visualization(job: ConsoleJob, window: StormWindow, clock: Clock) {
  const run = job.storm!.run;
  const result: Record<string, unknown> = {};
  const add = (
    id: string,
    type: 'spout' | 'bolt',
    common: { get_inputs(): Map<{ get_componentId(): string; get_streamId(): string }, { getSetField(): string }> },
  ) => {
    if (isSystem(id)) return;
    const s = componentStats(job, id, window, clock);
    result[id] = {
      ':type': type,
      ':capacity': Number(s.capacity),
      ':latency': Number(type === 'spout' ? s.completeLatency : s.processLatency),
      ':transferred': s.transferred,
      ':stats': [
        { ':host': hostname(), ':port': 0, ':uptime_secs': uptimeSecs(job, clock), ':transferred': s.transferred },
      ],
      ':inputs': [...common.get_inputs()]
        .filter(([g]) => !isSystem(g.get_componentId()))
        .map(([g, grouping]) => ({
          ':component': g.get_componentId(),
          ':stream': g.get_streamId(),
          ':sani-stream': g.get_streamId().replace(/[^A-Za-z0-9-_]/g, '_'),
          ':grouping': grouping.getSetField(),
        })),
    };
  };
  for (const [id, spec] of run.topology.get_spouts()) add(id, 'spout', spec.get_common() as never);
  for (const [id, bolt] of run.topology.get_bolts()) add(id, 'bolt', bolt.get_common() as never);
  return result;
}

interface PartitionLag {
  topic: string;
  partition: number;
  logHeadOffset: number;
  consumerCommittedOffset: number;
  latestEmittedOffset: number;
  lag: number;
}

/** A task's registered "kafkaOffset" metric (the compat KafkaSpout's), if it can be asked now. */
function kafkaOffsetMetric(metric: unknown): { partitionLags(): Promise<PartitionLag[]> } | undefined {
  const m = metric as { partitionLags?: unknown } | null;
  return m !== null && typeof m?.partitionLags === 'function'
    ? (m as { partitionLags(): Promise<PartitionLag[]> })
    : undefined;
}

/**
 * Kafka spout lag, as Storm UI's /topology/:id/lag answers it (storm-kafka-monitor's shape):
 * {spoutId: {spoutId, spoutType: 'KAFKA', spoutLagResult: {topic: {partition: {consumerCommittedOffset,
 * logHeadOffset, lag}}}}}, read from each spout task's "kafkaOffset" metric, which asks the brokers
 * for the log heads now. A spout that is not a Kafka spout is left out, as Storm leaves it out.
 */
export async function spoutLag(job: ConsoleJob) {
  const run = job.storm!.run;
  const result: Record<string, unknown> = {};
  for (const id of run.spouts) {
    if (isSystem(id)) continue;
    const metrics = [...run.taskContexts.values()]
      .filter((t) => t.componentId === id)
      .map((t) => kafkaOffsetMetric(t.context.getRegisteredMetricByName('kafkaOffset')))
      .filter((m) => m !== undefined);
    if (metrics.length === 0) continue;
    const byTopic: Record<
      string,
      Record<
        string,
        { consumerCommittedOffset: number; logHeadOffset: number; lag: number; latestEmittedOffset: number }
      >
    > = {};
    let errorInfo: string | undefined;
    for (const m of metrics) {
      try {
        for (const r of await m.partitionLags()) {
          (byTopic[r.topic] ??= {})[String(r.partition)] = {
            consumerCommittedOffset: r.consumerCommittedOffset,
            logHeadOffset: r.logHeadOffset,
            lag: r.lag,
            latestEmittedOffset: r.latestEmittedOffset,
          };
        }
      } catch (error) {
        errorInfo = errorText(error);
      }
    }
    result[id] = {
      spoutId: id,
      spoutType: 'KAFKA',
      spoutLagResult: byTopic,
      ...(errorInfo === undefined ? {} : { errorInfo }),
    };
  }
  return result;
}
