import { describe, expect, it } from 'vitest';
import { RuntimeMetrics } from '../../../runtime/index.ts';
import { BaseTaskHook, CountMetric, LocalCluster, TopologyBuilder, type Conf, type BoltAckInfo, type WorkerTopologyContext } from '../../../compat/index.ts';
import { FnBolt, counterSpout } from '../executor/fn-components.ts';
import { waitFor } from '../e2e/fixtures.ts';
import { shutDownAfterEach } from '../cluster-per-test.ts';

let cluster: LocalCluster | undefined;
shutDownAfterEach(() => cluster, () => (cluster = undefined));

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
    b.setBolt('b', new FnBolt({
      prepare(ctx) {
        (this as unknown as { m: CountMetric }).m = ctx.registerMetric('seen', new CountMetric(), 1);
        ctx.addTaskHook(new AckHook());
      },
      execute(t, c) {
        (this as unknown as { m: CountMetric }).m.incr();
        c.ack(t);
      },
    }), 1).shuffleGrouping('s');
    b.addWorkerHook({
      start: (_conf: Conf, ctx: WorkerTopologyContext) => void hookLog.push(`start ${ctx.getThisWorkerTasks().length}`),
      shutdown: () => void hookLog.push('shutdown'),
    });
    cluster = new LocalCluster({ metrics });
    await cluster.submitTopology('metrics', {}, b.createTopology());
    await waitFor(() => acked.length === 5, 5000, 'acks');
    let json = await metrics.registry.getMetricsAsJSON();
    for (let i = 0; i < 100 && !json.some((m) => m.name.endsWith('storm_task_metric') && m.values.length > 0); i++) {
      await new Promise((r) => setTimeout(r, 50));
      json = await metrics.registry.getMetricsAsJSON();
    }
    const value = (name: string, labels: Record<string, string>): number | undefined =>
      json
        .find((m) => m.name.endsWith(name))
        ?.values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l))?.value;
    expect(value('storm_acked', { component: 's' })).toBe(5);
    expect(value('storm_emitted', { component: 's' })).toBe(5);
    expect(value('storm_transferred', { component: 's' })).toBe(5);
    expect(value('storm_task_metric', { component: 'b', name: 'seen' })).toBe(5);
    await cluster.shutdown();
    expect(hookLog[0]).toMatch(/^start \d+$/);
    expect(hookLog).toContain('shutdown');
    expect(hookLog.filter((l) => l.startsWith('boltAck')).sort()).toEqual(['boltAck 0', 'boltAck 1', 'boltAck 2', 'boltAck 3', 'boltAck 4']);
  });
});
