import { afterEach, describe, expect, it } from 'vitest';
import { pushMetrics, RuntimeMetrics } from '../../runtime/index.ts';
import { startPushLoop } from '../../cli/push-loop.ts';
import { startPushgateway, type Pushgateway } from '../harness/pushgateway.ts';

let gateway: Pushgateway | undefined;
afterEach(async () => {
  await gateway?.stop();
  gateway = undefined;
});

describe('Pushgateway (real prometheus-pushgateway)', () => {
  it('accepts two pipelines pushed to one group: series carry job_name, not the grouping key job', async () => {
    gateway = await startPushgateway();
    const metrics = new RuntimeMetrics();
    metrics.operator('orders', 'parse', 0).recordsOut = 5;
    metrics.operator('payments', 'parse', 0).recordsOut = 7;
    metrics.checkpoints('orders').completed(20, 100, 1);
    await pushMetrics(metrics, { gatewayUrl: gateway.url, job: 'nightly' });
    const text = await (await fetch(`${gateway.url}/metrics`)).text();
    expect(text).toMatch(
      /stormshift_records_out_total\{instance="",job="nightly",job_name="orders",operator="parse",subtask="0"\} 5/,
    );
    expect(text).toMatch(
      /stormshift_records_out_total\{instance="",job="nightly",job_name="payments",operator="parse",subtask="0"\} 7/,
    );
  });

  it('reports a refused push instead of swallowing it, once until pushes work again', async () => {
    gateway = await startPushgateway();
    const warnings: string[] = [];
    const metrics = new RuntimeMetrics();
    // Two pipelines' series labelled `job`, as the runtime's were: the group's own `job` replaces
    // both values, the two series become one, and the gateway refuses the body.
    const legacy = metrics.gauge('legacy_series', 'a series with its own job label', ['job', 'operator']);
    legacy.set({ job: 'orders', operator: 'parse' }, 1);
    legacy.set({ job: 'payments', operator: 'parse' }, 2);
    const loop = startPushLoop(metrics, {
      gatewayUrl: gateway.url,
      job: 'nightly',
      intervalMs: 60_000,
      warn: (m) => warnings.push(m),
    });
    await loop.stop();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/HTTP 400/);
  });
});
