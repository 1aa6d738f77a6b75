/**
 * Storm's two bolt latencies, as Storm UI documents them: execute latency is the time spent in
 * execute; process latency runs from the start of execute to the ack. A bolt that acks after
 * execute returned shows the difference.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { LocalCluster, TopologyBuilder } from '../../compat/index.ts';
import { RuntimeMetrics } from '../../runtime/index.ts';
import { JobSet, startConsoleServer, systemClock, type ConsoleServer } from '../../console/index.ts';
import { FnBolt, counterSpout } from '../compat/executor/fn-components.ts';
import { waitFor } from '../runtime/connectors/kafka/helpers.ts';

/** The bolt acks each tuple this long after its execute returned (its own behaviour, not a wait). */
const ACK_AFTER_MS = 5;
const TUPLES = 64;

let cluster: LocalCluster;
let server: ConsoleServer;
let topologyId: string;
let acked = 0;

beforeAll(async () => {
  cluster = new LocalCluster({ metrics: new RuntimeMetrics() });
  const b = new TopologyBuilder();
  b.setSpout('numbers', counterSpout(TUPLES, { onAck: () => acked++ }), 1);
  b.setBolt(
    'later',
    new FnBolt({ execute: (t, c) => void setTimeout(() => c.ack(t), ACK_AFTER_MS) }),
    1,
  ).shuffleGrouping('numbers');
  b.setBolt('at-once', new FnBolt({ execute: (t, c) => c.ack(t) }), 1).shuffleGrouping('numbers');
  await cluster.submitTopology('latencies', {}, b.createTopology());
  const jobs = new JobSet(systemClock);
  jobs.add({
    handle: cluster.getTopologyJob('latencies')!,
    storm: { run: cluster.getTopologyRun('latencies')!, cluster },
  });
  topologyId = cluster.getTopologyRun('latencies')!.stormId;
  server = await startConsoleServer({ jobs, port: 0 });
});

afterAll(async () => {
  await server?.close();
  await cluster?.shutdown();
});

it('process latency runs to the ack; execute latency stops when execute returns', async () => {
  // Every tree complete: both bolts acked every tuple, the sampled ones included.
  await waitFor(() => acked >= TUPLES);
  const body = (await (await fetch(`${server.url}/api/v1/topology/${topologyId}`)).json()) as {
    bolts: Array<{ boltId: string; executeLatency: string; processLatency: string; acked: number }>;
  };
  const bolt = (id: string) => body.bolts.find((b) => b.boltId === id)!;
  const later = bolt('later');
  expect(later.acked).toBe(TUPLES);
  expect(later.processLatency).toMatch(/^\d+\.\d{3}$/);
  const execute = Number(later.executeLatency);
  const process = Number(later.processLatency);
  // Each sampled tuple's process time is its execute time plus the ACK_AFTER_MS the timer waited
  // (timers may fire up to a millisecond early by the loop's rounding).
  expect(process).toBeGreaterThanOrEqual(ACK_AFTER_MS - 1);
  expect(process - execute).toBeGreaterThanOrEqual(ACK_AFTER_MS - 1);
  // A bolt that acks inside execute: the ack comes before execute returns.
  const atOnce = bolt('at-once');
  expect(Number(atOnce.processLatency)).toBeLessThanOrEqual(Number(atOnce.executeLatency));

  // The component page carries both, per window.
  const component = (await (await fetch(`${server.url}/api/v1/topology/${topologyId}/component/later`)).json()) as {
    boltStats: Array<{ window: string; executeLatency: string; processLatency: string }>;
  };
  const allTime = component.boltStats.find((s) => s.window === ':all-time')!;
  expect(allTime.processLatency).toBe(later.processLatency);
  expect(allTime.executeLatency).toBe(later.executeLatency);
});
