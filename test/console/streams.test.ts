/**
 * Storm UI's component page counts output per stream: outputStats has a row per declared stream
 * (named streams included) with its own emitted and transferred, and for a spout its own acked,
 * failed and complete latency.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { LocalCluster, TopologyBuilder } from '../../compat/index.ts';
import { RuntimeMetrics } from '../../runtime/index.ts';
import { JobSet, startConsoleServer, systemClock, type ConsoleServer } from '../../console/index.ts';
import { FnBolt, FnSpout } from '../compat/executor/fn-components.ts';
import { waitFor } from '../runtime/connectors/kafka/helpers.ts';

const N = 30;
let cluster: LocalCluster;
let server: ConsoleServer;
let topologyId: string;
let acked = 0;

beforeAll(async () => {
  cluster = new LocalCluster({ metrics: new RuntimeMetrics() });
  const b = new TopologyBuilder();
  // Multiples of 3 go to the named stream 'fizz', the rest to 'default'.
  b.setSpout(
    'numbers',
    new FnSpout(
      {
        next(_ctx, c) {
          const self = this as unknown as { i?: number };
          const i = self.i ?? 0;
          if (i >= N) return;
          self.i = i + 1;
          c.emit(i % 3 === 0 ? 'fizz' : 'default', [i], i);
        },
        ack: () => void acked++,
      },
      { default: ['v'], fizz: ['v'] },
    ),
    1,
  );
  // Two tasks: 'fizz' reaches both (all grouping), so it transfers each tuple twice.
  b.setBolt(
    'split',
    new FnBolt(
      {
        execute(t, c) {
          const v = t.getInteger(0);
          c.emit(v % 2 === 0 ? 'even' : 'odd', t, [v]);
          c.ack(t);
        },
      },
      { even: ['v'], odd: ['v'], never: ['v'] },
    ),
    2,
  )
    .shuffleGrouping('numbers')
    .allGrouping('numbers', 'fizz');
  // Only 'odd' has a consumer: 'even' is emitted but never transferred.
  b.setBolt('sink', new FnBolt({ execute: (t, c) => c.ack(t) }), 1).shuffleGrouping('split', 'odd');
  await cluster.submitTopology('streams', {}, b.createTopology());
  const jobs = new JobSet(systemClock);
  jobs.add({ handle: cluster.getTopologyJob('streams')!, storm: { run: cluster.getTopologyRun('streams')!, cluster } });
  topologyId = cluster.getTopologyRun('streams')!.stormId;
  server = await startConsoleServer({ jobs, port: 0 });
});

afterAll(async () => {
  await server?.close();
  await cluster?.shutdown();
});

type Row = Record<string, unknown>;
const outputStats = async (component: string): Promise<Row[]> => {
  const body = (await (await fetch(`${server.url}/api/v1/topology/${topologyId}/component/${component}`)).json()) as {
    outputStats: Row[];
  };
  return [...body.outputStats].sort((a, b) => String(a.stream).localeCompare(String(b.stream)));
};

it('a spout has a row per stream with its own counts, acks and complete latency', async () => {
  await waitFor(() => acked >= N);
  const rows = await outputStats('numbers');
  expect(rows.map((r) => r.stream)).toEqual(['default', 'fizz']);
  expect(rows[0]).toMatchObject({ stream: 'default', emitted: 20, transferred: 20, acked: 20, failed: 0 });
  expect(rows[1]).toMatchObject({ stream: 'fizz', emitted: 10, transferred: 20, acked: 10, failed: 0 });
  for (const r of rows) {
    expect(Object.keys(r).sort()).toEqual(['acked', 'completeLatency', 'emitted', 'failed', 'stream', 'transferred']);
    expect(r.completeLatency).toMatch(/^\d+\.\d{3}$/);
    for (const k of ['emitted', 'transferred', 'acked', 'failed']) expect(typeof r[k], k).toBe('number');
  }
});

it('a bolt has a row per declared stream, named ones included, with emitted and transferred', async () => {
  await waitFor(() => acked >= N);
  const rows = await outputStats('split');
  // 40 inputs (20 on default, 10 fizz tuples twice): 20 even values, 20 odd ones.
  expect(rows).toEqual([
    { stream: 'even', emitted: 20, transferred: 0 },
    { stream: 'never', emitted: 0, transferred: 0 },
    { stream: 'odd', emitted: 20, transferred: 20 },
  ]);
});
