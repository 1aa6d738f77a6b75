/**
 * Ports of the scenarios of Storm's own simulated-time and tracked-topology tests (storm-core's
 * tick-tuple, message-timeout and tracked-topology tests, the windowing integration tests). Every
 * wait is on simulated time or on the cluster going idle: none of them sleeps.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  BaseBasicBolt,
  BaseRichBolt,
  BaseRichSpout,
  BaseStatefulBolt,
  BaseWindowedBolt,
  Config,
  Fields,
  LocalCluster,
  Time,
  TopologyBuilder,
  TupleUtils,
  Utils,
  Values,
  type BasicOutputCollector,
  type Conf,
  type OutputCollector,
  type OutputFieldsDeclarer,
  type SpoutOutputCollector,
  type TopologyContext,
  type Tuple,
  type TupleWindow,
} from '../../../compat/index.ts';
import {
  AssertionError,
  FeederSpout,
  Testing,
  TestWordCounter,
  TrackedTopology,
} from '../../../compat/testing/index.ts';

// Component instances are cloned per task (R9); what they record goes to module-level arrays.
let ticks: number[] = [];
let failures: Array<[unknown, number]> = [];
let acks: unknown[] = [];
let windows: Array<[number, number[]]> = [];
let emitsAt: number[] = [];
let seen: unknown[] = [];
let commits: Array<[number, number]> = [];

afterEach(() => {
  ticks = [];
  failures = [];
  acks = [];
  windows = [];
  emitsAt = [];
  seen = [];
  commits = [];
  // A failed test must not leave the process in simulated time.
  if (Time.isSimulating()) Time.stopSimulating();
});

/** Emits nothing: only there so the topology has a spout. */
class SilentSpout extends BaseRichSpout {
  open(): void {}
  nextTuple(): void {}
  declareOutputFields(declarer: OutputFieldsDeclarer): void {
    declarer.declare(new Fields('n'));
  }
}

class TickCounter extends BaseBasicBolt {
  execute(tuple: Tuple, _collector: BasicOutputCollector): void {
    if (TupleUtils.isTick(tuple)) ticks.push(Time.currentTimeMillis());
  }
  declareOutputFields(): void {}
  override getComponentConfiguration(): Conf {
    return { [Config.TOPOLOGY_TICK_TUPLE_FREQ_SECS]: 10 };
  }
}

/** Emits one tracked tuple, then nothing; records when the spout hears back. */
class OneShotSpout extends BaseRichSpout {
  private collector!: SpoutOutputCollector;
  private sent = false;
  open(_conf: Conf, _context: TopologyContext, collector: SpoutOutputCollector): void {
    this.collector = collector;
  }
  nextTuple(): void {
    if (this.sent) return;
    this.sent = true;
    this.collector.emit(new Values('held'), 'msg-1');
  }
  override ack(id: unknown): void {
    acks.push(id);
  }
  override fail(id: unknown): void {
    failures.push([id, Time.currentTimeMillis()]);
  }
  declareOutputFields(declarer: OutputFieldsDeclarer): void {
    declarer.declare(new Fields('v'));
  }
}

/** Never acks: the tuple tree can only time out. */
class HoldingBolt extends BaseRichBolt {
  prepare(_conf: Conf, _context: TopologyContext, _collector: OutputCollector): void {}
  execute(_tuple: Tuple): void {}
  declareOutputFields(): void {}
}

/** One number per simulated second: `Utils.sleep(1000)` backs the task off in simulated time. */
class SecondsSpout extends BaseRichSpout {
  private collector!: SpoutOutputCollector;
  private n = 0;
  open(_conf: Conf, _context: TopologyContext, collector: SpoutOutputCollector): void {
    this.collector = collector;
  }
  nextTuple(): void {
    if (this.n >= 25) return;
    emitsAt.push(Time.currentTimeMillis());
    this.collector.emit(new Values(this.n++));
    void Utils.sleep(1000);
  }
  declareOutputFields(declarer: OutputFieldsDeclarer): void {
    declarer.declare(new Fields('n'));
  }
}

class WindowRecorder extends BaseWindowedBolt {
  execute(window: TupleWindow): void {
    windows.push([Time.currentTimeMillis(), window.get().map((t) => t.getInteger(0))]);
  }
}

class Recorder extends BaseBasicBolt {
  execute(tuple: Tuple, collector: BasicOutputCollector): void {
    seen.push(tuple.getValue(0));
    collector.emit(new Values(tuple.getValue(0)));
  }
  declareOutputFields(declarer: OutputFieldsDeclarer): void {
    declarer.declare(new Fields('v'));
  }
}

/** 26 tuples with event times 0 s … 25 s, emitted at once (simulated time stands still). */
class EventTimeSpout extends BaseRichSpout {
  private collector!: SpoutOutputCollector;
  private n = 0;
  open(_conf: Conf, _context: TopologyContext, collector: SpoutOutputCollector): void {
    this.collector = collector;
  }
  nextTuple(): void {
    if (this.n > 25) return;
    this.collector.emit(new Values(this.n * 1000, this.n));
    this.n++;
  }
  declareOutputFields(declarer: OutputFieldsDeclarer): void {
    declarer.declare(new Fields('ts', 'n'));
  }
}

class EventWindowRecorder extends BaseWindowedBolt {
  execute(window: TupleWindow): void {
    windows.push([Time.currentTimeMillis(), window.get().map((t) => t.getIntegerByField('n'))]);
  }
}

class CommitRecorder extends BaseStatefulBolt {
  initState(): void {}
  execute(_tuple: Tuple): void {}
  override preCommit(txid: number): void {
    commits.push([txid, Time.currentTimeMillis()]);
  }
}

describe('simulated time (§12)', () => {
  it('a tick every 10 simulated seconds fires exactly 6 times in 60 simulated seconds', async () => {
    await Testing.withSimulatedTimeLocalCluster(async (cluster) => {
      const builder = new TopologyBuilder();
      builder.setSpout('spout', new SilentSpout());
      builder.setBolt('ticks', new TickCounter()).shuffleGrouping('spout');
      await cluster.submitTopology('ticks', {}, builder.createTopology());
      await Testing.advanceClusterTime(cluster, 60);
      expect(ticks).toEqual([10_000, 20_000, 30_000, 40_000, 50_000, 60_000]);
      // One big step fires the same ticks, in order, at their own times.
      await Testing.advanceClusterTime(cluster, 30, 30);
      expect(ticks.slice(6)).toEqual([70_000, 80_000, 90_000]);
    });
  });

  it('a tuple held past the message timeout fails between T and 2T of simulated time', async () => {
    await Testing.withSimulatedTimeLocalCluster(async (cluster) => {
      const builder = new TopologyBuilder();
      builder.setSpout('spout', new OneShotSpout());
      builder.setBolt('hold', new HoldingBolt()).shuffleGrouping('spout');
      await cluster.submitTopology('timeout', { [Config.TOPOLOGY_MESSAGE_TIMEOUT_SECS]: 10 }, builder.createTopology());
      await cluster.waitForIdle();
      const emittedAt = Time.currentTimeMillis();
      await Testing.advanceClusterTime(cluster, 9);
      expect(failures).toEqual([]);
      await Testing.advanceClusterTime(cluster, 21);
      expect(failures).toHaveLength(1);
      const [id, at] = failures[0]!;
      expect(id).toBe('msg-1');
      expect(at - emittedAt).toBeGreaterThanOrEqual(10_000);
      expect(at - emittedAt).toBeLessThanOrEqual(20_000);
      expect(acks).toEqual([]);
    });
  });

  it('a processing-time tumbling window fires at simulated boundaries; the spout sleeps in simulated time', async () => {
    await Testing.withSimulatedTimeLocalCluster(async (cluster) => {
      const builder = new TopologyBuilder();
      builder.setSpout('seconds', new SecondsSpout());
      builder
        .setBolt('window', new WindowRecorder().withTumblingWindow(BaseWindowedBolt.Duration.seconds(10)))
        .shuffleGrouping('seconds');
      await cluster.submitTopology('windows', {}, builder.createTopology());
      await cluster.waitForIdle();
      // Before time moves, the spout emitted once and sleeps: Utils.sleep(1000) is simulated.
      expect(emitsAt).toEqual([0]);
      await Testing.advanceClusterTime(cluster, 30);
      expect(emitsAt).toEqual(Array.from({ length: 25 }, (_, i) => i * 1000));
      expect(windows.map(([at]) => at)).toEqual([10_000, 20_000, 30_000]);
      // Every tuple lands in exactly one tumbling window, in emit order.
      expect(windows.flatMap(([, ns]) => ns)).toEqual(Array.from({ length: 25 }, (_, i) => i));
      for (const [at, ns] of windows) for (const n of ns) expect(n * 1000).toBeLessThanOrEqual(at);
    });
  });

  it('event-time windows fire when the watermark interval passes in simulated time', async () => {
    await Testing.withSimulatedTimeLocalCluster(async (cluster) => {
      const builder = new TopologyBuilder();
      builder.setSpout('events', new EventTimeSpout());
      builder
        .setBolt(
          'window',
          new EventWindowRecorder()
            .withTumblingWindow(BaseWindowedBolt.Duration.seconds(10))
            .withTimestampField('ts')
            .withWatermarkInterval(BaseWindowedBolt.Duration.seconds(2)),
        )
        .shuffleGrouping('events');
      await cluster.submitTopology('event-time', {}, builder.createTopology());
      await cluster.waitForIdle();
      await Testing.advanceClusterTime(cluster, 1);
      // Every tuple arrived, but no watermark was computed yet: nothing fired.
      expect(windows).toEqual([]);
      await Testing.advanceClusterTime(cluster, 1);
      // Storm's event-time windows end at the first event's time and every 10 s after, ends
      // inclusive: (−10 s, 0], (0, 10 s], (10 s, 20 s]; (20 s, 30 s] waits for a later watermark.
      expect(windows.map(([at]) => at)).toEqual([2_000, 2_000, 2_000]);
      expect(windows.map(([, ns]) => ns)).toEqual([
        [0],
        [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
        [11, 12, 13, 14, 15, 16, 17, 18, 19, 20],
      ]);
    });
  });

  it('checkpoints (stateful bolts) follow the simulated checkpoint interval', async () => {
    await Testing.withSimulatedTimeLocalCluster(async (cluster) => {
      const builder = new TopologyBuilder();
      builder.setSpout('spout', new SilentSpout());
      builder.setBolt('state', new CommitRecorder()).shuffleGrouping('spout');
      await cluster.submitTopology(
        'state',
        { [Config.TOPOLOGY_STATE_CHECKPOINT_INTERVAL]: 5000 },
        builder.createTopology(),
      );
      await Testing.advanceClusterTime(cluster, 4);
      expect(commits).toEqual([]);
      await Testing.advanceClusterTime(cluster, 16);
      // One checkpoint per 5 simulated seconds, committed at the simulated time it was triggered.
      expect(commits.map(([, at]) => at)).toEqual([5_000, 10_000, 15_000, 20_000]);
    });
  });

  it('Time.sleep and Utils.sleep outside tasks resolve when simulated time passes them, in order', async () => {
    await Testing.withSimulatedTime(async () => {
      const order: string[] = [];
      const a = Time.sleep(2000).then(() => order.push(`a@${Time.currentTimeMillis()}`));
      const b = Utils.sleep(1000).then(() => order.push(`b@${Time.currentTimeMillis()}`));
      Time.advanceTime(999);
      await Promise.resolve();
      expect(order).toEqual([]);
      Time.advanceTime(1001);
      await Promise.all([a, b]);
      expect(order).toEqual(['b@2000', 'a@2000']);
      expect(Time.currentTimeSecs()).toBe(2);
    });
    expect(Time.isSimulating()).toBe(false);
  });

  it('advanceClusterTime refuses a cluster without simulated time', async () => {
    const cluster = new LocalCluster();
    try {
      await expect(Testing.advanceClusterTime(cluster, 1)).rejects.toThrow(
        'Cannot simulate time unless in simulation mode',
      );
    } finally {
      await cluster.shutdown();
    }
  });
});

describe('TrackedTopology (§12)', () => {
  function trackedTopology(spout: FeederSpout) {
    const builder = new TopologyBuilder();
    builder.setSpout('feeder', spout);
    builder.setBolt('a', new Recorder(), 2).shuffleGrouping('feeder');
    builder.setBolt('b', new Recorder()).shuffleGrouping('a');
    return builder.createTopology();
  }

  it('trackedWait returns when exactly N more spout tuples were processed through the whole topology', async () => {
    await Testing.withTrackedCluster(async (cluster) => {
      const feeder = new FeederSpout(new Fields('v'));
      const tracked = Testing.mkTrackedTopology(cluster, trackedTopology(feeder));
      await cluster.submitTopology('tracked', {}, tracked.getTopology());
      feeder.feedNoWait(['x']);
      feeder.feedNoWait(['y']);
      feeder.feedNoWait(['z']);
      await Testing.trackedWait(tracked, 3);
      // Each tuple went through both bolts: nothing is left in flight.
      expect([...seen].sort()).toEqual(['x', 'x', 'y', 'y', 'z', 'z']);
      expect(tracked.globalAmt('spout-emitted')).toBe(3);
      expect(tracked.globalAmt('transferred')).toBe(6);
      expect(tracked.globalAmt('processed')).toBe(6);
      feeder.feedNoWait(['w']);
      await Testing.trackedWait(tracked);
      expect(seen.filter((v) => v === 'w')).toHaveLength(2);
    });
  });

  it('trackedWait times out with AssertionError when fewer tuples than asked for arrive', async () => {
    await Testing.withTrackedCluster(async (cluster) => {
      const feeder = new FeederSpout(new Fields('v'));
      const tracked = new TrackedTopology(trackedTopology(feeder), cluster);
      await cluster.submitTopology('short', {}, tracked.getTopology());
      feeder.feedNoWait(['only']);
      await expect(Testing.trackedWait(tracked, 2, 300)).rejects.toBeInstanceOf(AssertionError);
      expect(tracked.globalAmt('spout-emitted')).toBe(1);
    });
  });

  it('trackAndCaptureTopology tracks the captured copy and captures what every component emitted', async () => {
    await Testing.withTrackedCluster(async (cluster) => {
      const feeder = new FeederSpout(new Fields('v'));
      const captured = Testing.trackAndCaptureTopology(cluster, trackedTopology(feeder));
      await cluster.submitTopology('captured', {}, captured.topology.getTopology());
      feeder.feedNoWait(['p']);
      feeder.feedNoWait(['q']);
      await Testing.trackedWait(captured, 2);
      const results = captured.capturer.getAndClearResults();
      expect(Testing.multiseteq(Testing.readTuples(results, 'feeder'), [['p'], ['q']])).toBe(true);
      expect(Testing.multiseteq(Testing.readTuples(results, 'b'), [['p'], ['q']])).toBe(true);
    });
  });

  it("the porting guide's example: a tracked, captured word counter processes exactly what was fed", async () => {
    await Testing.withTrackedCluster(async (cluster) => {
      const feeder = new FeederSpout(new Fields('word'));
      const b = new TopologyBuilder();
      b.setSpout('feeder', feeder);
      b.setBolt('count', new TestWordCounter(), 2).fieldsGrouping('feeder', new Fields('word'));
      const t = Testing.trackAndCaptureTopology(cluster, b.createTopology());
      await cluster.submitTopology('tracked', new Config(), t.topology.getTopology());
      feeder.feedNoWait(['a']);
      feeder.feedNoWait(['b']);
      await Testing.trackedWait(t, 2);
      expect(
        Testing.multiseteq(
          [
            ['a', 1],
            ['b', 1],
          ],
          Testing.readTuples(t.capturer.getResults(), 'count'),
        ),
      ).toBe(true);
    });
  });
});
