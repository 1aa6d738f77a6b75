import { describe, expect, it } from 'vitest';
import {
  Config,
  Time,
  FailedException,
  ReportedFailedException,
  LocalCluster,
  TopologyBuilder,
  BaseBasicBolt,
  Fields,
  type Tuple,
  type BasicOutputCollector,
  type OutputFieldsDeclarer,
} from '../../../compat/index.ts';
import { FnBolt, FnSpout, counterSpout } from './fn-components.ts';
import { waitFor } from '../e2e/fixtures.ts';
import { shutDownAfterEach } from '../cluster-per-test.ts';

let cluster: LocalCluster | undefined;
shutDownAfterEach(
  () => cluster,
  () => (cluster = undefined),
);

function count(list: unknown[]): Map<unknown, number> {
  const m = new Map<unknown, number>();
  for (const x of list) m.set(x, (m.get(x) ?? 0) + 1);
  return m;
}

describe('acking (§7)', () => {
  it('acks a tree only after every anchored descendant was acked, exactly once', async () => {
    const acked: unknown[] = [];
    const failed: unknown[] = [];
    const held: Array<{ t: Tuple; c: { ack(t: Tuple): void } }> = [];
    const b = new TopologyBuilder();
    b.setSpout('s', counterSpout(5, { onAck: (id) => acked.push(id), onFail: (id) => failed.push(id) }));
    b.setBolt(
      'fan',
      new FnBolt(
        {
          execute: (t, c) => {
            c.emit(t, [t.getValue(0)]);
            c.emit(t, [t.getValue(0)]);
            c.ack(t);
          },
        },
        { default: ['v'] },
      ),
      2,
    ).shuffleGrouping('s');
    b.setBolt(
      'hold',
      new FnBolt({
        execute: (t, c) => {
          held.push({ t, c });
        },
      }),
      2,
    ).allGrouping('fan');
    cluster = new LocalCluster();
    await cluster.submitTopology('tree', {}, b.createTopology());
    await waitFor(() => held.length === 5 * 2 * 2, 5000, 'held tuples');
    await cluster.waitForIdle();
    expect(acked).toEqual([]);
    // Ack all but one descendant of root 3: every other tree completes.
    const last = held.filter((h) => h.t.getValue(0) === 3).pop()!;
    for (const h of held) if (h !== last) h.c.ack(h.t);
    await waitFor(() => acked.length === 4, 5000, 'four acks');
    await cluster.waitForIdle();
    expect([...acked].sort()).toEqual([0, 1, 2, 4]);
    last.c.ack(last.t);
    await waitFor(() => acked.length === 5, 5000, 'fifth ack');
    await cluster.waitForIdle();
    expect([...count(acked).values()].every((n) => n === 1)).toBe(true);
    expect(failed).toEqual([]);
  });

  it('an explicit fail reaches the spout once, promptly', async () => {
    const acked: unknown[] = [];
    const failed: unknown[] = [];
    const b = new TopologyBuilder();
    b.setSpout('s', counterSpout(4, { onAck: (id) => acked.push(id), onFail: (id) => failed.push(id) }));
    b.setBolt(
      'b',
      new FnBolt({
        execute: (t, c) => {
          if (t.getValue(0) === 2) {
            c.fail(t);
            c.fail(t);
          } else c.ack(t);
        },
      }),
      2,
    ).shuffleGrouping('s');
    cluster = new LocalCluster();
    await cluster.submitTopology('fail', new Config(), b.createTopology());
    await waitFor(() => acked.length === 3 && failed.length === 1, 5000, 'verdicts');
    await cluster.waitForIdle();
    expect(failed).toEqual([2]);
    expect([...acked].sort()).toEqual([0, 1, 3]);
  });

  it('times out an unacked tuple between T and 2T (simulated time)', async () => {
    const emittedAt = new Map<unknown, number>();
    const failedAt = new Map<unknown, number>();
    const b = new TopologyBuilder();
    b.setSpout(
      's',
      new FnSpout({
        next(_ctx, c) {
          const self = this as unknown as { done?: boolean };
          if (self.done) return;
          self.done = true;
          emittedAt.set('x', Time.currentTimeMillis());
          c.emit(['x'], 'x');
        },
        fail: (id) => void failedAt.set(id, Time.currentTimeMillis()),
      }),
    );
    b.setBolt('b', new FnBolt({ execute: () => {} }), 1).shuffleGrouping('s');
    const conf = new Config();
    conf.setMessageTimeoutSecs(1);
    cluster = new LocalCluster.Builder().withSimulatedTime().build();
    await cluster.submitTopology('timeout', conf, b.createTopology());
    await cluster.waitForIdle();
    expect(emittedAt.has('x')).toBe(true);
    await cluster.advanceClusterTime(3);
    const elapsed = failedAt.get('x')! - emittedAt.get('x')!;
    expect(elapsed).toBeGreaterThanOrEqual(1000);
    expect(elapsed).toBeLessThanOrEqual(2000);
  });

  it('does not time out when topology.enable.message.timeouts is false (simulated time)', async () => {
    const failed: unknown[] = [];
    const b = new TopologyBuilder();
    b.setSpout('s', counterSpout(1, { onFail: (id) => failed.push(id) }));
    b.setBolt('b', new FnBolt({ execute: () => {} }), 1).shuffleGrouping('s');
    cluster = new LocalCluster.Builder().withSimulatedTime().build();
    await cluster.submitTopology(
      'no-timeout',
      { 'topology.message.timeout.secs': 1, 'topology.enable.message.timeouts': false },
      b.createTopology(),
    );
    await cluster.advanceClusterTime(10);
    expect(failed).toEqual([]);
  });

  it('gates nextTuple on max spout pending per task and reports getPendingCount', async () => {
    const pendingSeen: number[] = [];
    const held: Array<{ t: Tuple; c: { ack(t: Tuple): void } }> = [];
    const acked: unknown[] = [];
    const b = new TopologyBuilder();
    b.setSpout(
      's',
      new FnSpout({
        next(_ctx, c) {
          const self = this as unknown as { i?: number };
          pendingSeen.push(c.getPendingCount());
          const i = (self.i = (self.i ?? 0) + 1);
          c.emit([i], i);
        },
        ack: (id) => void acked.push(id),
      }),
    ).setMaxSpoutPending(3);
    b.setBolt('b', new FnBolt({ execute: (t, c) => void held.push({ t, c }) }), 1).shuffleGrouping('s');
    cluster = new LocalCluster();
    await cluster.submitTopology('pending', {}, b.createTopology());
    await waitFor(() => held.length === 3, 5000, 'three held');
    await cluster.waitForIdle();
    expect(held.length).toBe(3);
    expect(Math.max(...pendingSeen)).toBe(2);
    held[0]!.c.ack(held[0]!.t);
    await waitFor(() => held.length === 4, 5000, 'one more after an ack');
    await cluster.waitForIdle();
    expect(held.length).toBe(4);
    expect(acked).toEqual([1]);
  });

  it('with zero ackers acks synchronously inside emit and never times out', async () => {
    const log: string[] = [];
    const b = new TopologyBuilder();
    b.setSpout(
      's',
      new FnSpout({
        next(_ctx, c) {
          const self = this as unknown as { done?: boolean };
          if (self.done) return;
          self.done = true;
          log.push('before');
          c.emit([1], 'm');
          log.push(`after pending=${c.getPendingCount()}`);
        },
        ack: (id) => void log.push(`ack ${String(id)}`),
      }),
    );
    b.setBolt('b', new FnBolt({ execute: () => {} }), 1).shuffleGrouping('s');
    const conf = new Config();
    conf.setNumAckers(0);
    cluster = new LocalCluster();
    await cluster.submitTopology('zero', conf, b.createTopology());
    await waitFor(() => log.length >= 3, 5000, 'log');
    expect(log).toEqual(['before', 'ack m', 'after pending=0']);
  });

  it('acks a tracked emit with zero targets asynchronously', async () => {
    const log: string[] = [];
    const b = new TopologyBuilder();
    b.setSpout(
      's',
      new FnSpout(
        {
          next(_ctx, c) {
            const self = this as unknown as { done?: boolean };
            if (self.done) return;
            self.done = true;
            log.push(`targets ${JSON.stringify(c.emit('unused', [1], 'm'))}`);
            log.push('returned');
          },
          ack: (id) => void log.push(`ack ${String(id)}`),
        },
        { default: ['v'], unused: ['v'] },
      ),
    );
    b.setBolt('b', new FnBolt({ execute: () => {} }), 1).shuffleGrouping('s');
    cluster = new LocalCluster();
    await cluster.submitTopology('zero-targets', {}, b.createTopology());
    await waitFor(() => log.length >= 3, 5000, 'log');
    expect(log).toEqual(['targets []', 'returned', 'ack m']);
  });
});

class FailingBasic extends BaseBasicBolt {
  execute(t: Tuple, c: BasicOutputCollector): void {
    if (t.getValue(0) === 1) throw new FailedException('nope');
    if (t.getValue(0) === 3) throw new ReportedFailedException('reported');
    c.emit([t.getValue(0)]);
  }
  declareOutputFields(d: OutputFieldsDeclarer): void {
    d.declare(new Fields('v'));
  }
}

describe('basic bolts (§5.2)', () => {
  it('auto-acks on return, fails on FailedException, reports then fails on ReportedFailedException', async () => {
    const acked: unknown[] = [];
    const failed: unknown[] = [];
    const b = new TopologyBuilder();
    b.setSpout('s', counterSpout(4, { onAck: (id) => acked.push(id), onFail: (id) => failed.push(id) }));
    b.setBolt('basic', new FailingBasic(), 2).shuffleGrouping('s');
    b.setBolt('sink', new FnBolt({ execute: (t, c) => c.ack(t) }), 1).shuffleGrouping('basic');
    cluster = new LocalCluster();
    await cluster.submitTopology('basic', {}, b.createTopology());
    await waitFor(() => acked.length + failed.length === 4, 5000, 'verdicts');
    await cluster.waitForIdle();
    expect([...acked].sort()).toEqual([0, 2]);
    expect([...failed].sort()).toEqual([1, 3]);
    const errors = cluster.getTopologyRun('basic')!.errors.map((e) => (e.error as Error).message);
    expect(errors).toEqual(['reported']);
  });
});
