import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  Fields,
  LocalCluster,
  ShellBolt,
  TopologyBuilder,
  type Conf,
  type IShellMetric,
  type OutputCollector,
  type OutputFieldsDeclarer,
  type TopologyContext,
} from '../../../compat/index.ts';
import { waitFor } from '../e2e/fixtures.ts';
import { CounterSpout, RESOURCES, RecorderBolt, TotalBolt, newRecord, record } from './components.ts';

let cluster: LocalCluster | undefined;
afterEach(async () => {
  await cluster?.shutdown();
  cluster = undefined;
});

const metricUpdates = new Map<string, unknown[]>();

class RecordingShellMetric implements IShellMetric {
  constructor(private readonly key: string) {}
  updateMetricFromRPC(params: unknown): void {
    metricUpdates.get(this.key)!.push(params);
  }
  getValueAndReset(): unknown {
    return null;
  }
}

/** Registers an IShellMetric in prepare, as a Java ShellBolt subclass would, then launches the script. */
class TaskIdsBolt extends ShellBolt {
  constructor(private readonly metricKey: string) {
    super('python3', 'task_ids.py');
  }
  override prepare(conf: Conf, context: TopologyContext, collector: OutputCollector): Promise<void> {
    context.registerMetric('shell-count', new RecordingShellMetric(this.metricKey), 60);
    return super.prepare(conf, context, collector);
  }
  declareOutputFields(d: OutputFieldsDeclarer): void {
    d.declare(new Fields('v'));
    d.declareStream('direct', true, new Fields('v'));
    d.declareStream('report', new Fields('kind', 'json'));
  }
}

describe('multilang protocol (§11)', () => {
  it('replies task ids to regular emits unless need_task_ids is false, never to direct emits; forwards ticks; updates shell metrics', async () => {
    const rec = newRecord();
    metricUpdates.set(rec, []);
    const b = new TopologyBuilder();
    b.setSpout('src', new CounterSpout(rec, 10));
    b.setBolt('ids', new TaskIdsBolt(rec)).shuffleGrouping('src').addConfiguration('topology.tick.tuple.freq.secs', 1);
    b.setBolt('out', new RecorderBolt(rec), 3).shuffleGrouping('ids');
    b.setBolt('direct-out', new RecorderBolt(rec), 2).directGrouping('ids', 'direct');
    b.setBolt('report', new RecorderBolt(rec)).shuffleGrouping('ids', 'report');
    cluster = new LocalCluster();
    await cluster.submitTopology('ml-protocol', { 'stormshift.multilang.code.dir': RESOURCES }, b.createTopology());
    const reports = (kind: string): unknown[] =>
      record(rec)
        .tuples.filter((t) => t.source === 'ids' && t.stream === 'report' && t.values[0] === kind)
        .map((t) => JSON.parse(t.values[1] as string));
    await waitFor(
      () => reports('ids').length === 10 && reports('tick').length > 0,
      30_000,
      'ten id reports and a tick',
    );

    const ctx = cluster.getTopologyRun('ml-protocol')!;
    const outTasks = record(rec).tuples.filter((t) => t.source === 'ids' && t.stream === 'default');
    for (const r of reports('ids') as Array<{ value: number; ids: number[]; none: unknown }>) {
      // The reply is the target task list of the first emit; the second asked for none.
      expect(r.none).toBeNull();
      expect(r.ids).toHaveLength(1);
      const arrived = outTasks.filter((t) => t.values[0] === r.value).map((t) => t.task);
      expect(arrived).toContain(r.ids[0]);
    }
    // Every direct emit went to the last direct-out task, picked from the handshake context.
    const direct = record(rec).tuples.filter((t) => t.stream === 'direct');
    expect(direct).toHaveLength(10);
    expect(new Set(direct.map((t) => t.task)).size).toBe(1);
    expect(ctx.errors).toEqual([]);
    expect(reports('tick')[0]).toEqual(['__system', '__tick', -1, [1]]);
    expect(metricUpdates.get(rec)!.length).toBe(10);
    expect(metricUpdates.get(rec)!.every((p) => p === 1)).toBe(true);
  });

  it('creates the pid file named after the process in the per-task pid dir', async () => {
    const rec = newRecord();
    const b = new TopologyBuilder();
    b.setSpout('src', new CounterSpout(rec, 3));
    b.setBolt('ids', new TaskIdsBolt(rec)).shuffleGrouping('src');
    b.setBolt('direct-out', new RecorderBolt(rec)).directGrouping('ids', 'direct');
    cluster = new LocalCluster();
    metricUpdates.set(rec, []);
    const topology = await cluster.submitTopology(
      'ml-pid',
      { 'stormshift.multilang.code.dir': RESOURCES },
      b.createTopology(),
    );
    void topology;
    const run = cluster.getTopologyRun('ml-pid')!;
    const ctx = [...run.taskContexts.values()].find((c) => c.componentId === 'ids')!.context;
    const pidDir = join(ctx.getPIDDir(), String(ctx.getThisTaskId()));
    await waitFor(() => readdirSync(pidDir).length > 0, 10_000, 'the pid file');
    expect(readdirSync(pidDir)[0]).toMatch(/^\d+$/);
  });

  it('checkpoint mode: tuples held by the subprocess at a barrier are replayed after a restore (exact total)', async () => {
    const rec = newRecord();
    const b = new TopologyBuilder();
    b.setSpout('src', new CounterSpout(rec, 100)).setMaxSpoutPending(7);
    b.setBolt(
      'batch',
      new (class extends ShellBolt {
        constructor() {
          super('python3', 'batch.py');
        }
        declareOutputFields(d: OutputFieldsDeclarer): void {
          d.declare(new Fields('sum'));
        }
      })(),
    ).shuffleGrouping('src');
    b.setBolt('total', new TotalBolt(rec)).shuffleGrouping('batch');
    cluster = new LocalCluster();
    await cluster.submitTopology(
      'ml-checkpoint',
      {
        'stormshift.multilang.code.dir': RESOURCES,
        'stormshift.reliability': 'checkpoint',
        'topology.state.checkpoint.interval.ms': 100,
        'stormshift.checkpoint.dir': mkdtempSync(join(tmpdir(), 'ml-cp-')),
      },
      b.createTopology(),
    );
    const r = record(rec);
    await waitFor(() => r.totals.length > 0 && r.totals[r.totals.length - 1] === 4950, 30_000, 'the total 0+…+99');
    expect(r.crashed).toBe(true);
  });
});
