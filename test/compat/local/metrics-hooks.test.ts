import { describe, expect, it } from 'vitest';
import { RuntimeMetrics } from '../../../runtime/index.ts';
import {
  BaseTaskHook,
  Config,
  CountMetric,
  LocalCluster,
  TopologyBuilder,
  type Conf,
  type BoltAckInfo,
  type SpoutAckInfo,
  type SpoutFailInfo,
  type DataPoint,
  type IMetricsConsumer,
  type TaskInfo,
  type WorkerTopologyContext,
} from '../../../compat/index.ts';
import { FnBolt, FnSpout, counterSpout } from '../executor/fn-components.ts';
import { waitFor } from '../e2e/fixtures.ts';
import { shutDownAfterEach } from '../cluster-per-test.ts';

let cluster: LocalCluster | undefined;
shutDownAfterEach(
  () => cluster,
  () => (cluster = undefined),
);

const hookLog: string[] = [];

class AckHook extends BaseTaskHook {
  override boltAck(info: BoltAckInfo): void {
    hookLog.push(`boltAck ${String(info.tuple.getValue(0))}`);
  }
}

describe('metrics, task hooks and worker hooks', () => {
  it('publishes Storm component numbers and registerMetric metrics on the runtime registry', async () => {
    const metrics = new RuntimeMetrics();
    const acked: unknown[] = [];
    const b = new TopologyBuilder();
    b.setSpout('s', counterSpout(5, { onAck: (id) => acked.push(id) }));
    b.setBolt(
      'b',
      new FnBolt({
        prepare(ctx) {
          (this as unknown as { m: CountMetric }).m = ctx.registerMetric('seen', new CountMetric(), 1);
          ctx.addTaskHook(new AckHook());
        },
        execute(t, c) {
          (this as unknown as { m: CountMetric }).m.incr();
          c.ack(t);
        },
      }),
      1,
    ).shuffleGrouping('s');
    b.addWorkerHook({
      start: (_conf: Conf, ctx: WorkerTopologyContext) => void hookLog.push(`start ${ctx.getThisWorkerTasks().length}`),
      shutdown: () => void hookLog.push('shutdown'),
    });
    cluster = new LocalCluster({ metrics });
    await cluster.submitTopology('metrics', {}, b.createTopology());
    await waitFor(() => acked.length === 5, 5000, 'acks');
    let json = await metrics.registry.getMetricsAsJSON();
    // Waits for the first metrics tick however late a loaded machine runs it; the test timeout bounds it.
    while (!json.some((m) => m.name.endsWith('storm_task_metric') && m.values.length > 0)) {
      await new Promise((r) => setTimeout(r, 50));
      json = await metrics.registry.getMetricsAsJSON();
    }
    const value = (name: string, labels: Record<string, string>): number | undefined =>
      json
        .find((m) => m.name.endsWith(name))
        ?.values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l))?.value;
    expect(value('storm_acked_total', { component: 's' })).toBe(5);
    expect(value('storm_emitted_total', { component: 's' })).toBe(5);
    expect(value('storm_transferred_total', { component: 's' })).toBe(5);
    expect(value('storm_task_metric', { component: 'b', name: 'seen' })).toBe(5);
    await cluster.shutdown();
    expect(hookLog[0]).toMatch(/^start \d+$/);
    expect(hookLog).toContain('shutdown');
    expect(hookLog.filter((l) => l.startsWith('boltAck')).sort()).toEqual([
      'boltAck 0',
      'boltAck 1',
      'boltAck 2',
      'boltAck 3',
      'boltAck 4',
    ]);
  });

  it("gives complete latency only for the spout's sampled trees, as Storm does, and counts every verdict", async () => {
    const acks: Array<number | null> = [];
    const fails: Array<number | null> = [];
    const verdicts: string[] = [];
    class SpoutHook extends BaseTaskHook {
      override spoutAck(info: SpoutAckInfo): void {
        acks.push(info.completeLatencyMs);
      }
      override spoutFail(info: SpoutFailInfo): void {
        fails.push(info.failLatencyMs);
      }
    }
    const n = 24;
    const b = new TopologyBuilder();
    b.setSpout(
      's',
      new FnSpout(
        {
          open: (ctx) => ctx.addTaskHook(new SpoutHook()),
          next(_ctx, c) {
            const self = this as unknown as { i?: number };
            const i = self.i ?? 0;
            if (i >= n) return;
            self.i = i + 1;
            c.emit([i], i);
          },
          ack: (id) => void verdicts.push(`ack ${String(id)}`),
          fail: (id) => void verdicts.push(`fail ${String(id)}`),
        },
        { default: ['v'] },
      ),
    );
    // Every third tuple fails: sampled and unsampled trees meet both verdicts.
    b.setBolt(
      'b',
      new FnBolt({ execute: (t, c) => (t.getInteger(0) % 3 === 0 ? c.fail(t) : c.ack(t)) }),
      1,
    ).shuffleGrouping('s');
    const conf = new Config();
    conf.setStatsSampleRate(0.25);
    cluster = new LocalCluster();
    await cluster.submitTopology('sampled', conf, b.createTopology());
    await waitFor(() => verdicts.length === n, 5000, 'verdicts');
    const stats = cluster.getTopologyRun('sampled')!.statsOf('s');
    // Counts stay exact; one tree in each window of 1/rate = 4 consecutive emits is timed.
    expect(stats.acked).toBe(16);
    expect(stats.failed).toBe(8);
    expect(acks).toHaveLength(16);
    expect(fails).toHaveLength(8);
    const timed = [...acks, ...fails].filter((l) => l !== null);
    expect(timed).toHaveLength(n / 4);
    for (const l of timed) expect(l).toBeGreaterThanOrEqual(0);
    expect(stats.completeSamples).toBe(acks.filter((l) => l !== null).length);
    expect(stats.streamCounts('default').completeSamples).toBe(stats.completeSamples);
  });

  it('refuses at submit a topology.stats.sample.rate outside (0, 1], naming the key', async () => {
    const b = new TopologyBuilder();
    b.setSpout('s', counterSpout(1, {}));
    cluster = new LocalCluster();
    await expect(
      cluster.submitTopology('bad-rate', { 'topology.stats.sample.rate': 0 }, b.createTopology()),
    ).rejects.toThrow('Illegal topology.stats.sample.rate in conf: 0');
  });

  it('exports cumulative Storm numbers as counters, so rate() works on them', async () => {
    const metrics = new RuntimeMetrics();
    const b = new TopologyBuilder();
    b.setSpout('s', counterSpout(3, {}));
    b.setBolt('b', new FnBolt({ execute: (t, c) => c.ack(t) }), 1).shuffleGrouping('s');
    cluster = new LocalCluster({ metrics });
    await cluster.submitTopology('counters', {}, b.createTopology());
    let text = await metrics.registry.metrics();
    // The scrape reads the run's totals, so it sees all three acks once the bolt acked them.
    while (!/storm_acked_total\{topology="counters",component="b"\} 3$/m.test(text)) {
      await new Promise((r) => setTimeout(r, 25));
      text = await metrics.registry.metrics();
    }
    expect(text).toMatch(/stormshift_storm_acked_total\{topology="counters",component="b"\} 3$/m);
    for (const name of ['emitted', 'transferred', 'acked', 'failed', 'executed'])
      expect(text).toContain(`# TYPE stormshift_storm_${name}_total counter`);
    expect(text).not.toMatch(/^stormshift_storm_\w+_ms/m);
  });

  it('runs the consumers registered with Config.registerMetricsConsumer on every bucket', async () => {
    const received: Array<{ component: string; name: string; value: unknown; argument: unknown }> = [];
    const lifecycle: string[] = [];
    class CollectingConsumer implements IMetricsConsumer {
      private argument: unknown;
      prepare(_conf: Conf, argument: unknown): void {
        this.argument = argument;
        lifecycle.push('prepare');
      }
      handleDataPoints(info: TaskInfo, points: DataPoint[]): void {
        for (const p of points)
          received.push({ component: info.srcComponentId, name: p.name, value: p.value, argument: this.argument });
      }
      cleanup(): void {
        lifecycle.push('cleanup');
      }
    }
    const conf = new Config();
    conf.registerMetricsConsumer(CollectingConsumer, { dest: 'test' }, 1);
    const b = new TopologyBuilder();
    b.setSpout('s', counterSpout(4, {}));
    b.setBolt(
      'b',
      new FnBolt({
        prepare(ctx) {
          (this as unknown as { m: CountMetric }).m = ctx.registerMetric('seen', new CountMetric(), 1);
        },
        execute(t, c) {
          (this as unknown as { m: CountMetric }).m.incr();
          c.ack(t);
        },
      }),
      1,
    ).shuffleGrouping('s');
    cluster = new LocalCluster({ metrics: new RuntimeMetrics() });
    await cluster.submitTopology('consumers', conf, b.createTopology());
    await waitFor(
      () => received.filter((r) => r.name === 'seen').reduce((sum, r) => sum + Number(r.value), 0) === 4,
      10_000,
      'data points',
    );
    expect(received.every((r) => r.component === 'b' && (r.argument as { dest: string }).dest === 'test')).toBe(true);
    await cluster.shutdown();
    expect(lifecycle).toEqual(['prepare', 'cleanup']);
  });
});
