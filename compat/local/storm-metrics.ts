/**
 * Storm's numbers on the runtime's metrics registry: per component emitted, transferred, acked,
 * failed and executed (counters read from the run's totals at scrape time, so `rate()` works),
 * complete and execute latency, capacity; the metrics v1 objects tasks registered with
 * `context.registerMetric`, read (`getValueAndReset`) once per their bucket and handed to the
 * consumers named by `Config.registerMetricsConsumer` as well as exported.
 */
import { hostname } from 'node:os';
import { every } from '../component/time.ts';
import type { RuntimeMetrics } from '../../runtime/index.ts';
import { CONFIG_KEYS } from '../component/config-keys.ts';
import { registeredClasses } from '../component/config.ts';
import type { TopologyContext } from '../component/context.ts';
import type { DataPoint, IMetricsConsumer } from '../component/metrics-consumer.ts';
import type { ComponentStats, TopologyRun } from '../translate/topology-run.ts';

const PUBLISH_MS = 1000;

function numeric(v: unknown): number | null {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'bigint') return Number(v);
  return null;
}

interface Consumer {
  className: string;
  instance: IMetricsConsumer;
  argument: unknown;
  prepared: boolean;
}

/** Instantiates the consumers registered in the topology conf; an unknown class is a warning, not a crash. */
function createConsumers(run: TopologyRun): Consumer[] {
  const entries = run.conf[CONFIG_KEYS.TOPOLOGY_METRICS_CONSUMER_REGISTER];
  if (!Array.isArray(entries)) return [];
  const consumers: Consumer[] = [];
  for (const entry of entries as Array<{ class?: unknown; argument?: unknown }>) {
    const className = String(entry?.class ?? '');
    const cls = registeredClasses.get(className);
    if (typeof cls !== 'function') {
      run.log(
        'warn',
        `metrics consumer '${className}' of topology ${run.name} is not a known class; register it with Config.registerMetricsConsumer(TheClass)`,
      );
      continue;
    }
    try {
      consumers.push({
        className,
        instance: new (cls as new () => IMetricsConsumer)(),
        argument: entry.argument ?? null,
        prepared: false,
      });
    } catch (error) {
      run.log('warn', `metrics consumer '${className}' could not be created: ${String(error)}`);
    }
  }
  return consumers;
}

/** Starts publishing; returns the function that stops it. */
export function publishStormMetrics(run: TopologyRun, metrics: RuntimeMetrics): () => void {
  const labels = ['topology', 'component'];
  const perComponent = (read: (s: ComponentStats) => number) =>
    function* (): Iterable<readonly [Record<string, string>, number]> {
      for (const [component, s] of run.stats) yield [{ topology: run.name, component }, read(s)] as const;
    };
  const unregister = [
    metrics.counterFrom(
      'storm_emitted_total',
      'Tuples emitted (Storm __emit-count)',
      labels,
      perComponent((s) => s.emitted),
    ),
    metrics.counterFrom(
      'storm_transferred_total',
      'Tuples sent to target tasks (Storm __transfer-count)',
      labels,
      perComponent((s) => s.transferred),
    ),
    metrics.counterFrom(
      'storm_acked_total',
      'Tuples acked (spouts: trees completed)',
      labels,
      perComponent((s) => s.acked),
    ),
    metrics.counterFrom(
      'storm_failed_total',
      'Tuples failed (spouts: trees failed or timed out)',
      labels,
      perComponent((s) => s.failed),
    ),
    metrics.counterFrom(
      'storm_executed_total',
      'Tuples a bolt executed (Storm __execute-count)',
      labels,
      perComponent((s) => s.executed),
    ),
  ];
  const completeLatency = metrics.gauge(
    'storm_complete_latency_seconds',
    'Mean spout complete latency since start, in seconds',
    labels,
  );
  const executeLatency = metrics.gauge(
    'storm_execute_latency_seconds',
    'Mean bolt execute latency since start, in seconds',
    labels,
  );
  const capacity = metrics.gauge(
    'storm_capacity_ratio',
    'Fraction of the last second the busiest task of a bolt spent executing (sampled)',
    labels,
  );
  const taskMetric = metrics.gauge('storm_task_metric', 'numeric values of metrics registered with registerMetric', [
    'topology',
    'component',
    'task',
    'name',
  ]);
  const lastRead = new Map<object, number>();
  const consumers = createConsumers(run);
  const host = hostname();

  const deliver = (
    componentId: string,
    taskId: number,
    context: TopologyContext,
    bucketSecs: number,
    points: DataPoint[],
  ): void => {
    for (const c of consumers) {
      try {
        if (!c.prepared) {
          c.prepared = true;
          c.instance.prepare(run.conf, c.argument, context, {
            reportError: (e) => run.recordError(`__metrics_${c.className}`, -1, e),
          });
        }
        c.instance.handleDataPoints(
          {
            srcWorkerHost: host,
            srcWorkerPort: 0,
            srcComponentId: componentId,
            srcTaskId: taskId,
            timestamp: Math.floor(Date.now() / 1000),
            updateIntervalSecs: bucketSecs,
          },
          points,
        );
      } catch (error) {
        run.log('warn', `metrics consumer ${c.className} failed: ${String(error)}`);
      }
    }
  };

  const publish = (): void => {
    const now = performance.now();
    for (const [component, s] of run.stats) {
      const l = { topology: run.name, component };
      if (s.completeSamples > 0) completeLatency.set(l, s.completeMsTotal / s.completeSamples / 1000);
      if (s.executeSamples > 0) executeLatency.set(l, s.executeMsTotal / s.executeSamples / 1000);
      const window = now - s.windowStart;
      if (window >= PUBLISH_MS) {
        // Storm's capacity is per executor, and the component shows its busiest one.
        let busiest = 0;
        for (const task of run.tasksOf(component)) {
          const t = run.taskStats.get(task);
          if (t === undefined) continue;
          busiest = Math.max(busiest, (t.busyMs - t.busyMsAtWindowStart) / window);
          t.busyMsAtWindowStart = t.busyMs;
        }
        s.capacity = busiest;
        s.busyMs = 0;
        s.windowStart = now;
        if (run.bolts.includes(component)) capacity.set(l, s.capacity);
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
        if (consumers.length > 0 && value !== null && value !== undefined)
          deliver(componentId, taskId, context, m.bucketSecs, [{ name: m.name, value }]);
        const entries =
          value instanceof Map
            ? [...value]
            : value !== null && typeof value === 'object'
              ? Object.entries(value)
              : [[null, value]];
        for (const [key, v] of entries) {
          const n = numeric(v);
          if (n === null) continue;
          taskMetric.set(
            {
              topology: run.name,
              component: componentId,
              task: String(taskId),
              name: key === null ? m.name : `${m.name}.${String(key)}`,
            },
            n,
          );
        }
      }
    }
  };
  const stop = every(run.clock, PUBLISH_MS, publish);
  return () => {
    stop();
    publish();
    for (const u of unregister) u();
    for (const c of consumers) {
      try {
        if (c.prepared) c.instance.cleanup();
      } catch (error) {
        run.log('warn', `metrics consumer ${c.className} cleanup failed: ${String(error)}`);
      }
    }
  };
}
