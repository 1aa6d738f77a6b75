/**
 * Flink-style REST views for every job (native or topology): overview, vertices with records
 * in/out and busy/idle/backpressure ratios, checkpoints, watermarks, exceptions. Field names follow
 * Flink's REST API where it has one (`jid`, `start-time`, `backpressure-level`, ...).
 */
import type { ConsoleJob } from './jobs.ts';
import type { Clock } from './clock.ts';

export function flinkState(job: ConsoleJob): string {
  const state = job.handle.status().state;
  switch (state) {
    case 'created':
      return 'CREATED';
    case 'running':
      return 'RUNNING';
    case 'restarting':
      return 'RESTARTING';
    case 'finished':
      return 'FINISHED';
    case 'cancelled':
      return 'CANCELED';
    default:
      return 'FAILED';
  }
}

export function jobOverview(job: ConsoleJob, clock: Clock) {
  const d = job.describe();
  const end = job.endedAt ?? -1;
  return {
    jid: job.id,
    name: job.name,
    kind: job.storm ? 'storm-topology' : 'native',
    state: flinkState(job),
    'start-time': d.startedAt,
    'end-time': end,
    duration: (end === -1 ? clock.now() : end) - d.startedAt,
    'last-modification': clock.now(),
    tasks: { total: d.vertices.reduce((a, v) => a + v.parallelism, 0) },
  };
}

export function jobDetail(job: ConsoleJob, clock: Clock) {
  const d = job.describe();
  const status = job.handle.status();
  const vertices = job.vertices();
  return {
    ...jobOverview(job, clock),
    now: clock.now(),
    restarts: status.restarts,
    backpressured: status.backpressured,
    // What the busy/idle/backpressure ratios below cover (not in Flink's API).
    'ratios-from': job.ratioSpan?.from,
    'ratios-to': job.ratioSpan?.to,
    vertices: vertices.map((v) => ({
      id: v.id,
      name: v.name,
      operators: v.operators,
      parallelism: v.parallelism,
      status: flinkState(job),
      metrics: {
        'read-records': v.recordsIn,
        'write-records': v.recordsOut,
        'read-records-per-second': v.recordsInPerSecond,
        'write-records-per-second': v.recordsOutPerSecond,
        errors: v.errors,
      },
      busyRatio: v.busyRatio,
      idleRatio: v.idleRatio,
      backPressuredRatio: v.backPressuredRatio,
      'backpressure-level': v.level,
    })),
    plan: {
      jid: job.id,
      name: job.name,
      nodes: d.vertices.map((v) => ({
        id: String(v.id),
        parallelism: v.parallelism,
        operator: v.isSource ? 'Source' : 'Operator',
        description: v.name,
        inputs: d.edges
          .filter((e) => e.target === v.id)
          .map((e, num) => ({ num, id: String(e.source), ship_strategy: e.partitioner.toUpperCase() })),
      })),
    },
  };
}

export function vertexBackpressure(job: ConsoleJob, vertexId: string, clock: Clock) {
  const v = job.vertices().find((x) => x.id === vertexId);
  if (!v) return undefined;
  return {
    status: 'ok',
    'backpressure-level': v.level,
    'end-timestamp': clock.now(),
    subtasks: v.subtasks.map((s) => ({
      subtask: s.subtask,
      'backpressure-level': s.level,
      ratio: s.backPressuredRatio,
      idleRatio: s.idleRatio,
      busyRatio: s.busyRatio,
    })),
  };
}

export function vertexWatermarks(job: ConsoleJob, vertexId: string) {
  const d = job.describe();
  const v = d.vertices.find((x) => String(x.id) === vertexId);
  if (!v) return undefined;
  const marks = d.watermarks[v.id] ?? [];
  return Array.from({ length: v.parallelism }, (_, i) => ({
    id: `${i}.currentInputWatermark`,
    // Flink reports Long.MIN_VALUE before the first watermark; JSON has no such integer, so null.
    value: marks[i] ?? null,
  }));
}

export function checkpoints(job: ConsoleJob) {
  const c = job.metrics.checkpoints(job.name);
  const history = [...c.history].reverse();
  const completed = history.filter((h) => h.status === 'completed');
  const stat = (values: number[]) =>
    values.length === 0
      ? { min: 0, max: 0, avg: 0 }
      : {
          min: Math.min(...values),
          max: Math.max(...values),
          avg: Math.round(values.reduce((a, b) => a + b, 0) / values.length),
        };
  const entry = (h: (typeof history)[number]) => ({
    id: h.id ?? null,
    status: h.status === 'completed' ? 'COMPLETED' : 'FAILED',
    latest_ack_timestamp: h.at,
    state_size: h.sizeBytes ?? 0,
    end_to_end_duration: h.durationMs === undefined ? 0 : Math.round(h.durationMs),
    failure_message: h.failureReason ?? null,
  });
  return {
    counts: {
      total: c.completedCount + c.failedCount,
      completed: c.completedCount,
      failed: c.failedCount,
      in_progress: 0,
      restored: job.handle.status().restarts,
    },
    summary: {
      state_size: stat(completed.map((h) => h.sizeBytes ?? 0)),
      end_to_end_duration: stat(completed.map((h) => Math.round(h.durationMs ?? 0))),
    },
    latest: {
      completed: completed[0] ? entry(completed[0]) : null,
      failed: history.find((h) => h.status === 'failed') ? entry(history.find((h) => h.status === 'failed')!) : null,
    },
    history: history.map(entry),
  };
}

export function checkpointConfig(job: ConsoleJob) {
  const cfg = job.describe().checkpointConfig;
  return {
    mode: cfg.intervalMs === undefined ? 'none' : 'exactly_once',
    interval: cfg.intervalMs ?? -1,
    timeout: cfg.timeoutMs,
    storage: cfg.dir ?? 'memory',
    max_concurrent: 1,
  };
}

export function exceptions(job: ConsoleJob) {
  const d = job.describe();
  const entries: Array<{
    exceptionName: string;
    message: string;
    timestamp: number;
    taskName: string | null;
    restarted: boolean | null;
  }> = d.exceptions
    .map((e) => ({
      exceptionName: e.name,
      message: e.message,
      timestamp: e.timestamp,
      taskName: null,
      restarted: e.restarted,
    }))
    .reverse();
  // A topology's reportError()s are exceptions too, as Storm UI shows them per component.
  for (const e of job.storm?.run.errors ?? []) {
    const error = e.error;
    entries.push({
      exceptionName: error instanceof Error ? error.name : 'Error',
      message: error instanceof Error ? error.message : String(error),
      timestamp: e.time,
      taskName: `${e.componentId} (task ${e.taskId})`,
      restarted: null,
    });
  }
  entries.sort((a, b) => b.timestamp - a.timestamp);
  return { exceptionHistory: { entries: entries.slice(0, 16), truncated: entries.length > 16 } };
}
