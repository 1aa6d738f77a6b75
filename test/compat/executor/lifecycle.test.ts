import { describe, expect, it } from 'vitest';
import {
  Config,
  Fields,
  KillOptions,
  LocalCluster,
  Time,
  TopologyBuilder,
  TupleUtils,
  Utils,
  type Tuple,
} from '../../../compat/index.ts';
import { FnBolt, FnSpout, counterSpout } from './fn-components.ts';
import { sleep, waitFor } from '../e2e/fixtures.ts';
import { shutDownAfterEach } from '../cluster-per-test.ts';

let cluster: LocalCluster | undefined;
shutDownAfterEach(
  () => cluster,
  () => (cluster = undefined),
);

describe('tick tuples (§8)', () => {
  it('enqueues ticks FIFO with data, with Storm identity', async () => {
    const log: string[] = [];
    let tick: Tuple | undefined;
    let release: (() => void) | undefined;
    const b = new TopologyBuilder();
    b.setSpout(
      's',
      new FnSpout({
        next(_ctx, c) {
          const self = this as unknown as { i?: number };
          const i = self.i ?? 0;
          if (i >= 3) return;
          self.i = i + 1;
          c.emit([i]);
        },
      }),
    );
    b.setBolt(
      'b',
      new FnBolt({
        execute: (t) => {
          if (TupleUtils.isTick(t)) {
            tick = t;
            log.push('tick');
            return;
          }
          log.push(`data ${String(t.getValue(0))}`);
          // The first data tuple holds the task past the first tick: the tick waits behind queued data.
          if (t.getValue(0) === 0) return new Promise<void>((r) => (release = r));
        },
      }),
      1,
    )
      .shuffleGrouping('s')
      .addConfiguration(Config.TOPOLOGY_TICK_TUPLE_FREQ_SECS, 1);
    cluster = new LocalCluster.Builder().withSimulatedTime().build();
    await cluster.submitTopology('ticks', {}, b.createTopology());
    await waitFor(() => release !== undefined, 5000, 'first tuple');
    // Simulated time: the first tick falls due while data 0 still holds the task.
    await cluster.waitForIdle();
    Time.advanceTimeSecs(1);
    await cluster.waitForIdle();
    expect(log).toEqual(['data 0']);
    release!();
    await waitFor(() => log.includes('tick'), 5000, 'tick');
    expect(log.slice(0, 4)).toEqual(['data 0', 'data 1', 'data 2', 'tick']);
    expect(tick!.getSourceComponent()).toBe('__system');
    expect(tick!.getSourceStreamId()).toBe('__tick');
    expect(tick!.getSourceTask()).toBe(-1);
    expect(tick!.getValueByField('rate_secs')).toBe(1);
    expect(tick!.getMessageId().size()).toBe(0);
  });
});

describe('async callbacks (R6) and Utils.sleep (R7)', () => {
  it('serializes execute per task while a returned Promise is pending', async () => {
    let running = 0;
    let maxRunning = 0;
    const order: number[] = [];
    const b = new TopologyBuilder();
    b.setSpout('s', counterSpout(10));
    b.setBolt(
      'b',
      new FnBolt({
        execute: async (t, c) => {
          running++;
          maxRunning = Math.max(maxRunning, running);
          await sleep(2);
          order.push(t.getValue(0) as number);
          running--;
          c.ack(t);
        },
      }),
      1,
    ).shuffleGrouping('s');
    cluster = new LocalCluster();
    await cluster.submitTopology('async', {}, b.createTopology());
    await waitFor(() => order.length === 10, 5000, 'all executed');
    expect(maxRunning).toBe(1);
    expect(order).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('overlaps execute up to stormshift.task.max.inflight, keeping start order', async () => {
    let running = 0;
    let maxRunning = 0;
    const started: number[] = [];
    const b = new TopologyBuilder();
    b.setSpout('s', counterSpout(9));
    b.setBolt(
      'b',
      new FnBolt({
        execute: async (t, c) => {
          started.push(t.getValue(0) as number);
          running++;
          maxRunning = Math.max(maxRunning, running);
          await sleep(5);
          running--;
          c.ack(t);
        },
      }),
      1,
    )
      .shuffleGrouping('s')
      .addConfiguration('stormshift.task.max.inflight', 3);
    cluster = new LocalCluster();
    await cluster.submitTopology('inflight', {}, b.createTopology());
    await waitFor(() => started.length === 9 && running === 0, 5000, 'all executed');
    expect(maxRunning).toBe(3);
    expect(started).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('turns Utils.sleep in nextTuple into a back-off of the next callback (simulated time)', async () => {
    const calls: number[] = [];
    const b = new TopologyBuilder();
    b.setSpout(
      's',
      new FnSpout({
        next() {
          calls.push(Time.currentTimeMillis());
          void Utils.sleep(40);
        },
      }),
    );
    b.setBolt('b', new FnBolt({ execute: () => {} }), 1).shuffleGrouping('s');
    cluster = new LocalCluster.Builder().withSimulatedTime().build();
    await cluster.submitTopology('sleepy', {}, b.createTopology());
    await cluster.waitForIdle();
    for (let i = 0; i < 3; i++) {
      Time.advanceTime(20);
      await cluster.waitForIdle();
      Time.advanceTime(20);
      await cluster.waitForIdle();
    }
    // Exactly one call per 40 simulated ms: the back-off neither shortens nor drifts.
    expect(calls).toEqual([0, 40, 80, 120]);
  });
});

describe('crash and restart (§5.5)', () => {
  it('reports, restarts the task from a fresh clone and lets the spout replay the lost tree', async () => {
    const acked: unknown[] = [];
    const failed: unknown[] = [];
    const prepared: number[] = [];
    const instances = new Set<object>();
    let crashes = 0;
    // The spout's source lives outside the task (like a queue or Kafka): a restarted spout replays what was never acked.
    const done = new Set<number>();
    const b = new TopologyBuilder();
    b.setSpout(
      's',
      new FnSpout({
        next(_ctx, c) {
          for (let i = 0; i < 3; i++) {
            const self = this as unknown as { sent?: Set<number> };
            self.sent ??= new Set();
            if (!done.has(i) && !self.sent.has(i)) {
              self.sent.add(i);
              c.emit([i], i);
              return;
            }
          }
        },
        ack: (id) => {
          acked.push(id);
          done.add(id as number);
        },
        fail(id) {
          failed.push(id);
          (this as unknown as { sent: Set<number> }).sent.delete(id as number);
        },
      }),
    );
    b.setBolt(
      'b',
      new FnBolt({
        prepare: (ctx) => void prepared.push(ctx.getThisTaskId()),
        execute(t, c) {
          instances.add(this);
          if (t.getValue(0) === 1 && crashes === 0) {
            crashes++;
            throw new Error('boom');
          }
          c.ack(t);
        },
      }),
      1,
    ).shuffleGrouping('s');
    cluster = new LocalCluster();
    const conf = new Config();
    conf.setMessageTimeoutSecs(1);
    await cluster.submitTopology('crash', conf, b.createTopology());
    await waitFor(() => done.size === 3, 10_000, 'all acked after restart');
    expect(crashes).toBe(1);
    expect(prepared.length).toBeGreaterThanOrEqual(2);
    expect(instances.size).toBeGreaterThanOrEqual(2);
    const run = cluster.getTopologyRun('crash')!;
    expect(run.errors.some((e) => (e.error as Error).message === 'boom')).toBe(true);
  });
});

describe('LocalCluster (§12)', () => {
  it('deactivates spouts on kill, keeps acking during the wait, then tears down', async () => {
    const log: string[] = [];
    const held: Array<{ t: Tuple; c: { ack(t: Tuple): void } }> = [];
    const b = new TopologyBuilder();
    b.setSpout(
      's',
      new FnSpout({
        next(_ctx, c) {
          const self = this as unknown as { done?: boolean };
          if (self.done) return;
          self.done = true;
          c.emit([1], 'm');
        },
        ack: (id) => void log.push(`ack ${String(id)}`),
        activate: () => void log.push('activate'),
        deactivate: () => void log.push('deactivate'),
        close: () => void log.push('close'),
      }),
    );
    b.setBolt(
      'b',
      new FnBolt({ execute: (t, c) => void held.push({ t, c }), cleanup: () => void log.push('cleanup') }),
      1,
    ).shuffleGrouping('s');
    cluster = new LocalCluster();
    await cluster.submitTopology('kill', {}, b.createTopology());
    await waitFor(() => held.length === 1, 5000, 'held');
    const opts = new KillOptions();
    opts.set_wait_secs(1);
    await cluster.killTopologyWithOpts('kill', opts);
    // killTopology returns once the spouts were deactivated.
    expect(log).toContain('deactivate');
    await expect(cluster.killTopology('kill')).rejects.toThrow(/not alive/);
    held[0]!.c.ack(held[0]!.t);
    await waitFor(() => log.includes('ack m'), 2000, 'ack during wait');
    expect(log).not.toContain('close');
    await waitFor(() => log.includes('close') && log.includes('cleanup'), 3000, 'teardown');
    expect(log.slice(0, 3)).toEqual(['activate', 'deactivate', 'ack m']);
    // The name is free again.
    await waitFor(() => cluster!.getTopologyNames().length === 0, 2000, 'name freed');
  });

  it('refuses a second live topology with the same name', async () => {
    const b = new TopologyBuilder();
    b.setSpout('s', counterSpout(0));
    cluster = new LocalCluster();
    await cluster.submitTopology('dup', {}, b.createTopology());
    await expect(cluster.submitTopology('dup', {}, b.createTopology())).rejects.toMatchObject({
      name: 'AlreadyAliveException',
    });
  });
});

/** Reads `count` until it stays the same over `turns` consecutive event-loop turns. */
async function settledCount(count: () => number, turns: number): Promise<number> {
  let last = count();
  for (let same = 0; same < turns; ) {
    await new Promise((r) => setImmediate(r));
    const now = count();
    same = now === last ? same + 1 : 0;
    last = now;
  }
  return last;
}

describe('backpressure (§5.4)', () => {
  it('pauses spouts while a bolt queue is past topology.executor.receive.buffer.size', async () => {
    let emitted = 0;
    let release: (() => void) | undefined;
    let executed = 0;
    const b = new TopologyBuilder();
    b.setSpout(
      's',
      new FnSpout({
        next(_ctx, c) {
          emitted++;
          c.emit([emitted]);
        },
      }),
    );
    b.setBolt(
      'slow',
      new FnBolt({
        execute: () => {
          executed++;
          if (executed === 1) return new Promise<void>((r) => (release = r));
        },
      }),
      1,
    ).shuffleGrouping('s');
    cluster = new LocalCluster();
    await cluster.submitTopology('bp', { 'topology.executor.receive.buffer.size': 6 }, b.createTopology());
    await waitFor(() => release !== undefined, 5000, 'stuck execute');
    // The spout polls once per event-loop turn while it may emit, so a count that holds over many
    // turns means it is paused; how long the turns take on a loaded machine does not matter.
    const whileStuck = await settledCount(() => emitted, 50);
    // One poll may overshoot the bound by its nextTuple budget, never by more.
    expect(whileStuck).toBeLessThan(8 + 64 + 1);
    for (let turn = 0; turn < 1000; turn++) await new Promise((r) => setImmediate(r));
    expect(emitted).toBe(whileStuck);
    release!();
    await waitFor(() => emitted > whileStuck + 100, 5000, 'spout resumed');
  });
});

describe('plain-object components', () => {
  it('runs a spout object without the optional no-op callbacks', async () => {
    const got: unknown[] = [];
    const spout = {
      collector: null as null | { emit(v: unknown[], id?: unknown): number[] },
      open(_conf: unknown, _ctx: unknown, c: { emit(v: unknown[], id?: unknown): number[] }) {
        this.collector = c;
      },
      n: 0,
      nextTuple() {
        if (this.n < 2) this.collector!.emit([this.n++], this.n);
      },
      declareOutputFields(d: { declare(f: unknown): void }) {
        d.declare(new Fields('v'));
      },
      getComponentConfiguration: () => null,
    };
    const b = new TopologyBuilder();
    b.setSpout('s', spout as never);
    b.setBolt(
      'b',
      new FnBolt({
        execute: (t, c) => {
          got.push(t.getValue(0));
          c.ack(t);
        },
      }),
      1,
    ).shuffleGrouping('s');
    cluster = new LocalCluster();
    await cluster.submitTopology('plain', {}, b.createTopology());
    await waitFor(() => got.length === 2, 5000, 'tuples');
    await sleep(20);
    expect(cluster.getTopologyRun('plain')!.errors).toEqual([]);
  });
});
