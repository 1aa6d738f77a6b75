/**
 * Storm UI's component page of a bolt has inputStats: a row per subscribed (component, stream)
 * with that input's own executed, acked and failed counts and its execute and process latency.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { LocalCluster, TopologyBuilder } from '../../compat/index.ts';
import { RuntimeMetrics } from '../../runtime/index.ts';
import { JobSet, startConsoleServer, systemClock, type ConsoleServer } from '../../console/index.ts';
import { FnBolt, FnSpout, counterSpout } from '../compat/executor/fn-components.ts';
import { waitFor } from '../runtime/connectors/kafka/helpers.ts';

const LEFT = 24;
const RIGHT = 30;
let cluster: LocalCluster;
let server: ConsoleServer;
let topologyId: string;
let settled = 0;

beforeAll(async () => {
  cluster = new LocalCluster({ metrics: new RuntimeMetrics() });
  const b = new TopologyBuilder();
  const done = () => void settled++;
  b.setSpout('left', counterSpout(LEFT, { onAck: done, onFail: done }), 1);
  // 'quiet' is declared and subscribed to but never emitted on.
  b.setSpout(
    'right',
    new FnSpout(
      {
        next(_ctx, c) {
          const self = this as unknown as { i?: number };
          const i = self.i ?? 0;
          if (i >= RIGHT) return;
          self.i = i + 1;
          c.emit([i], i);
        },
        ack: done,
        fail: done,
      },
      { default: ['v'], quiet: ['v'] },
    ),
    1,
  );
  // Two tasks, summed: every left tuple is acked; right tuples with v % 3 = 0 (10 of 30) are failed.
  b.setBolt(
    'join',
    new FnBolt({
      execute(t, c) {
        if (t.getSourceComponent() === 'right' && t.getInteger(0) % 3 === 0) c.fail(t);
        else c.ack(t);
      },
    }),
    2,
  )
    .shuffleGrouping('left')
    .shuffleGrouping('right')
    .shuffleGrouping('right', 'quiet');
  await cluster.submitTopology('inputs', {}, b.createTopology());
  const jobs = new JobSet(systemClock);
  jobs.add({ handle: cluster.getTopologyJob('inputs')!, storm: { run: cluster.getTopologyRun('inputs')!, cluster } });
  topologyId = cluster.getTopologyRun('inputs')!.stormId;
  server = await startConsoleServer({ jobs, port: 0 });
});

afterAll(async () => {
  await server?.close();
  await cluster?.shutdown();
});

type Row = Record<string, unknown>;
const component = async (id: string, window?: string): Promise<Record<string, unknown>> => {
  const query = window === undefined ? '' : `?window=${window}`;
  return (await (await fetch(`${server.url}/api/v1/topology/${topologyId}/component/${id}${query}`)).json()) as Record<
    string,
    unknown
  >;
};
const inputStats = async (id: string, window?: string): Promise<Row[]> =>
  [...((await component(id, window)).inputStats as Row[])].sort((a, b) =>
    `${a.component}/${a.stream}`.localeCompare(`${b.component}/${b.stream}`),
  );

it('a bolt with two inputs counts executed, acked and failed per input', async () => {
  await waitFor(() => settled >= LEFT + RIGHT);
  const rows = await inputStats('join');
  expect(rows.map((r) => [r.component, r.stream])).toEqual([
    ['left', 'default'],
    ['right', 'default'],
    ['right', 'quiet'],
  ]);
  expect(rows[0]).toMatchObject({ executed: LEFT, acked: LEFT, failed: 0 });
  expect(rows[1]).toMatchObject({ executed: RIGHT, acked: 20, failed: 10 });
  expect(rows[2]).toMatchObject({ executed: 0, acked: 0, failed: 0, executeLatency: '0.000', processLatency: '0.000' });
});

it('each row has Storm UI keys: latencies as strings with 3 decimals, counts as numbers', async () => {
  await waitFor(() => settled >= LEFT + RIGHT);
  for (const r of await inputStats('join')) {
    expect(Object.keys(r).sort()).toEqual([
      'acked',
      'component',
      'encodedComponentId',
      'executeLatency',
      'executed',
      'failed',
      'processLatency',
      'stream',
    ]);
    expect(r.encodedComponentId).toBe(encodeURIComponent(String(r.component)));
    expect(r.executeLatency).toMatch(/^\d+\.\d{3}$/);
    expect(r.processLatency).toMatch(/^\d+\.\d{3}$/);
    for (const k of ['executed', 'acked', 'failed']) expect(typeof r[k], k).toBe('number');
  }
});

it('the rows follow the window parameter: a run younger than 10 minutes shows the same counts', async () => {
  await waitFor(() => settled >= LEFT + RIGHT);
  const body = await component('join', '600');
  expect(body.window).toBe('600');
  const rows = await inputStats('join', '600');
  expect(rows.map((r) => [r.component, r.stream, r.executed, r.acked, r.failed])).toEqual([
    ['left', 'default', LEFT, LEFT, 0],
    ['right', 'default', RIGHT, 20, 10],
    ['right', 'quiet', 0, 0, 0],
  ]);
});

it('a spout has no inputStats', async () => {
  expect(await component('left')).not.toHaveProperty('inputStats');
});
