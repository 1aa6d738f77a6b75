/**
 * Storm's numbers on the runtime's metrics registry: per component emitted, transferred, acked,
 * failed, complete and execute latency, capacity; and the metrics v1 objects tasks registered
 * with `context.registerMetric`, read (`getValueAndReset`) once per their bucket.
 */
import { every } from '../component/time.ts';
import type { RuntimeMetrics } from '../../runtime/index.ts';
import type { TopologyRun } from '../translate/topology-run.ts';

const PUBLISH_MS = 1000;

function numeric(v: unknown): number | null {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'bigint') return Number(v);
  return null;
}

/** Starts publishing; returns the function that stops it. */
export function publishStormMetrics(run: TopologyRun, metrics: RuntimeMetrics): () => void {
  const labels = ['topology', 'component'];
  const emitted = metrics.gauge('storm_emitted', 'tuples emitted (Storm __emit-count)', labels);
  const transferred = metrics.gauge('storm_transferred', 'tuples sent to target tasks (Storm __transfer-count)', labels);
  const acked = metrics.gauge('storm_acked', 'tuples acked (spouts: trees completed)', labels);
  const failed = metrics.gauge('storm_failed', 'tuples failed (spouts: trees failed or timed out)', labels);
  const completeLatency = metrics.gauge('storm_complete_latency_ms', 'mean spout complete latency, ms', labels);
  const executeLatency = metrics.gauge('storm_execute_latency_ms', 'mean bolt execute latency, ms', labels);
  const capacity = metrics.gauge('storm_capacity', 'estimated fraction of the last window a bolt spent executing, per task (sampled)', labels);
  const taskMetric = metrics.gauge('storm_task_metric', 'numeric values of metrics registered with registerMetric', [
    'topology',
    'component',
    'task',
    'name',
  ]);
  const lastRead = new Map<object, number>();

  const publish = (): void => {
    const now = performance.now();
    for (const [component, s] of run.stats) {
      const l = { topology: run.name, component };
      emitted.set(l, s.emitted);
      transferred.set(l, s.transferred);
      acked.set(l, s.acked);
      failed.set(l, s.failed);
      if (s.acked > 0 && s.completeMsTotal > 0) completeLatency.set(l, s.completeMsTotal / s.acked);
      if (s.executeSamples > 0) executeLatency.set(l, s.executeMsTotal / s.executeSamples);
      const window = now - s.windowStart;
      if (window >= PUBLISH_MS) {
        const tasks = Math.max(1, run.tasksOf(component).length);
        s.capacity = s.busyMs / window / tasks;
        s.busyMs = 0;
        s.windowStart = now;
        capacity.set(l, s.capacity);
      }
    }
    // Metric buckets follow Storm's clock, so simulated time closes them too (§12).
    const wall = run.clock.now();
    for (const [taskId, { componentId, context }] of run.taskContexts) {
      for (const m of context.registeredMetrics) {
        const last = lastRead.get(m) ?? wall;
        if (!lastRead.has(m)) lastRead.set(m, wall);
        if (wall - last < m.bucketSecs * 1000) continue;
        lastRead.set(m, wall);
        let value: unknown;
        try {
          value = m.metric.getValueAndReset();
        } catch (error) {
          run.log('warn', `metric ${m.name} of ${componentId}:${taskId} failed: ${String(error)}`);
          continue;
        }
        const entries = value instanceof Map ? [...value] : value !== null && typeof value === 'object' ? Object.entries(value) : [[null, value]];
        for (const [key, v] of entries) {
          const n = numeric(v);
          if (n === null) continue;
          taskMetric.set({ topology: run.name, component: componentId, task: String(taskId), name: key === null ? m.name : `${m.name}.${String(key)}` }, n);
        }
      }
    }
  };
  const stop = every(run.clock, PUBLISH_MS, publish);
  return () => {
    stop();
    publish();
  };
}
