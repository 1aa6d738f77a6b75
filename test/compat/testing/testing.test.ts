import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  BaseBasicBolt,
  BaseRichBolt,
  BaseRichSpout,
  Config,
  FailedException,
  Fields,
  LocalCluster,
  TopologyBuilder,
  UnsupportedOperationException,
  Time,
  Values,
  type BasicOutputCollector,
  type Conf,
  type OutputCollector,
  type TopologyContext,
  type OutputFieldsDeclarer,
  type Tuple,
} from '../../../compat/index.ts';
import {
  CompleteTopologyParam,
  FeederSpout,
  FixedTupleSpout,
  MkTupleParam,
  MockedSources,
  Testing,
  TestGlobalCount,
  TestWordCounter,
  TestWordSpout,
  TupleCaptureBolt,
} from '../../../compat/testing/index.ts';
import { waitFor } from '../e2e/fixtures.ts';
import { WatchedClock } from '../../fixtures/runtime/helpers.ts';
import { shutDownAfterEach } from '../cluster-per-test.ts';

let cluster: LocalCluster | undefined;
shutDownAfterEach(
  () => cluster,
  () => (cluster = undefined),
);

/** storm-starter's word-count test topology: words → counter (fields) and a global count. */
function wordCountTopology() {
  const builder = new TopologyBuilder();
  builder.setSpout('1', new TestWordSpout(true), 3);
  builder.setBolt('2', new TestWordCounter(), 4).fieldsGrouping('1', new Fields('word'));
  builder.setBolt('3', new TestGlobalCount()).globalGrouping('1');
  return builder.createTopology();
}

/** A mocked tuple the bolt never acks: the spout is never exhausted, so only the timeout ends completeTopology. */
function stuckTopology() {
  const builder = new TopologyBuilder();
  builder.setSpout('s', new TwoStreamSpout());
  builder.setBolt('never', new NeverAckBolt()).shuffleGrouping('s');
  const mocked = new MockedSources();
  mocked.addMockData('s', ['stuck']);
  return { topology: builder.createTopology(), mocked };
}

describe('Testing.completeTopology with MockedSources (§12)', () => {
  it('runs the word-count topology on mocked words and captures every component exactly', async () => {
    const mockedSources = new MockedSources();
    mockedSources.addMockData('1', new Values('nathan'), new Values('bob'), new Values('joey'), new Values('nathan'));
    const conf = new Config();
    conf.setNumWorkers(2);
    const param = new CompleteTopologyParam();
    param.setMockedSources(mockedSources);
    param.setStormConf(conf);

    const result = await Testing.withLocalCluster((c) => Testing.completeTopology(c, wordCountTopology(), param));

    // One spout task gets every mocked tuple only when there is one task; three tasks split them,
    // so the spout's order is per task, and the counts are checked as multisets as Storm's test does.
    expect(Testing.multiseteq(Testing.readTuples(result, '1'), [['nathan'], ['bob'], ['joey'], ['nathan']])).toBe(true);
    expect(
      Testing.multiseteq(Testing.readTuples(result, '2'), [
        ['nathan', 1],
        ['nathan', 2],
        ['bob', 1],
        ['joey', 1],
      ]),
    ).toBe(true);
    expect(Testing.multiseteq(Testing.readTuples(result, '3'), [[1], [2], [3], [4]])).toBe(true);
    // The counter sees each word's tuples in order, so nathan's counts arrive as 1 then 2.
    expect(Testing.readTuples(result, '2').filter((v) => v[0] === 'nathan')).toEqual([
      ['nathan', 1],
      ['nathan', 2],
    ]);
    expect(Testing.readTuples(result, '2', 'other')).toEqual([]);
    expect(Testing.readTuples(result, 'missing')).toEqual([]);
  });

  it('keeps the mocked order with one spout task and emits mock data on the named stream', async () => {
    const builder = new TopologyBuilder();
    builder.setSpout('words', new TwoStreamSpout());
    builder.setBolt('upper', new UpperBolt()).shuffleGrouping('words', 'side');
    const mocked = new MockedSources();
    mocked.addMockData('words', 'side', ['a'], ['b'], ['c']);
    mocked.addMockData('words', ['x']);
    cluster = new LocalCluster();
    const result = await Testing.completeTopology(cluster, builder.createTopology(), {
      mockedSources: mocked,
      timeoutMs: 5000,
    });
    expect(Testing.readTuples(result, 'words', 'side')).toEqual([['a'], ['b'], ['c']]);
    expect(Testing.readTuples(result, 'words')).toEqual([['x']]);
    expect(Testing.readTuples(result, 'upper')).toEqual([['A'], ['B'], ['C']]);
    expect([...result.keys()].sort()).toEqual(['upper', 'words']);
    // Killed: the name is free again.
    expect(cluster.getTopologyNames()).toEqual([]);
  });

  it('waits for unanchored work downstream of the last ack before resolving (idle, not just exhausted)', async () => {
    const builder = new TopologyBuilder();
    builder.setSpout('s', new TwoStreamSpout());
    builder.setBolt('fwd', new UnanchoredForwardBolt()).shuffleGrouping('s');
    builder.setBolt('slow', new SlowBolt()).shuffleGrouping('fwd');
    const mocked = new MockedSources();
    mocked.addMockData('s', ['p'], ['q']);
    cluster = new LocalCluster();
    const result = await Testing.completeTopology(
      cluster,
      builder.createTopology(),
      new CompleteTopologyParam({ mockedSources: mocked }),
    );
    expect(Testing.readTuples(result, 'fwd')).toEqual([['p'], ['q']]);
    expect(Testing.readTuples(result, 'slow', 'late')).toEqual([['p'], ['q']]);
  });

  it('completes with zero ackers (acks inside emit) and in checkpoint reliability mode (acks on checkpoint)', async () => {
    const builder = new TopologyBuilder();
    builder.setSpout('s', new TwoStreamSpout());
    builder.setBolt('fwd', new UnanchoredForwardBolt(), 2).shuffleGrouping('s');
    builder.setBolt('upper', new UpperBolt()).shuffleGrouping('fwd');
    const topology = builder.createTopology();
    const mocked = new MockedSources();
    mocked.addMockData('s', ['x'], ['y'], ['z']);
    const noAckers = new Config();
    noAckers.setNumAckers(0);
    const checkpoint = new Config();
    checkpoint.put('stormshift.reliability', 'checkpoint');
    checkpoint.put(Config.TOPOLOGY_STATE_CHECKPOINT_INTERVAL, 100);
    checkpoint.put('stormshift.checkpoint.dir', mkdtempSync(join(tmpdir(), 'complete-cp-')));
    cluster = new LocalCluster();
    for (const stormConf of [noAckers, checkpoint]) {
      const result = await Testing.completeTopology(cluster, topology, { mockedSources: mocked, stormConf });
      expect(Testing.multiseteq(Testing.readTuples(result, 'upper'), [['X'], ['Y'], ['Z']])).toBe(true);
    }
  });

  it('refuses a spout that is neither mocked nor completable', async () => {
    cluster = new LocalCluster();
    await expect(Testing.completeTopology(cluster, wordCountTopology())).rejects.toThrow(
      'Cannot complete topology unless every spout is a CompletableSpout (or mocked to be); failed by TestWordSpout',
    );
    expect(cluster.getTopologyNames()).toEqual([]);
  });

  it('accepts a FixedTupleSpout as a completable spout and counts its acks in the shared registry', async () => {
    const spout = new FixedTupleSpout([['a'], ['b'], new Values('c')], new Fields('word'));
    const builder = new TopologyBuilder();
    builder.setSpout('fixed', spout, 2);
    builder.setBolt('count', new TestGlobalCount()).globalGrouping('fixed');
    cluster = new LocalCluster();
    const result = await Testing.completeTopology(cluster, builder.createTopology(), { cleanupState: false });
    expect(Testing.multiseteq(Testing.readTuples(result, 'fixed'), [['a'], ['b'], ['c']])).toBe(true);
    expect(Testing.readTuples(result, 'count')).toEqual([[1], [2], [3]]);
    expect(FixedTupleSpout.getNumAcked(spout.getId())).toBe(3);
    expect(FixedTupleSpout.getNumFailed(spout.getId())).toBe(0);
    expect(spout.isExhausted()).toBe(true);
  });

  it('rejects with AssertionError after timeoutMs and still kills the topology', async () => {
    const { topology, mocked } = stuckTopology();
    cluster = new LocalCluster();
    const run = Testing.completeTopology(cluster, topology, {
      mockedSources: mocked,
      timeoutMs: 300,
      topologyName: 'stuck',
    });
    await expect(run).rejects.toMatchObject({
      name: 'AssertionError',
      message: expect.stringContaining('Test timed out (300ms)'),
    });
    expect(cluster.isAlive('stuck')).toBe(false);
  });
});

describe('Testing.completeTopology on a completion clock (stormshift extension: quiet periods and timeout on a ManualClock)', () => {
  /** Moves the clock one poll (10 ms) at a time up to `until`, each step once completeTopology armed its next poll. */
  async function pollUntil(clock: WatchedClock, until: number): Promise<void> {
    for (let t = clock.now() + 10; t <= until; t += 10) {
      await clock.armed(t);
      clock.advanceTo(t);
    }
  }

  it('times out when the clock passes timeoutMs, not before, and still kills the topology', async () => {
    const { topology, mocked } = stuckTopology();
    cluster = new LocalCluster();
    const clock = new WatchedClock();
    const run = Testing.completeTopology(cluster, topology, {
      mockedSources: mocked,
      timeoutMs: 1000,
      topologyName: 'stuck-on-clock',
      completionClock: clock,
    });
    const outcome = run.then(
      () => 'completed',
      (e: unknown) => e,
    );
    await pollUntil(clock, 1000);
    // The poll at 1000 found the deadline not yet passed: it armed the next one.
    await clock.armed(1010);
    clock.advanceTo(1010);
    expect(await outcome).toMatchObject({
      name: 'AssertionError',
      message: expect.stringContaining('Test timed out (1000ms)'),
    });
    expect(cluster.isAlive('stuck-on-clock')).toBe(false);
  });

  it('completes once the counters rested QUIET_MS (50 ms) on the clock, not before', async () => {
    const builder = new TopologyBuilder();
    builder.setSpout('s', new TwoStreamSpout());
    builder.setBolt('upper', new UpperBolt()).shuffleGrouping('s');
    // No mocked tuples: the spout is exhausted from the start and nothing moves, so the counters
    // rest from time 0 and only the quiet period decides.
    const mocked = new MockedSources();
    mocked.addMockData('s');
    cluster = new LocalCluster();
    const clock = new WatchedClock();
    const run = Testing.completeTopology(cluster, builder.createTopology(), {
      mockedSources: mocked,
      completionClock: clock,
    });
    await pollUntil(clock, 40);
    // The poll at 40 (quiet for 40 ms) did not complete: it armed the next one.
    await clock.armed(50);
    clock.advanceTo(50);
    const result = await run;
    expect(Testing.readTuples(result, 'upper')).toEqual([]);
  });
});

describe('Testing.testTuple (§12)', () => {
  it('builds a standalone tuple with defaults and with MkTupleParam', () => {
    const t = Testing.testTuple(['a', 3]);
    expect(t.getSourceComponent()).toBe('component');
    expect(t.getSourceStreamId()).toBe('default');
    expect(t.getSourceTask()).toBe(1);
    expect(t.getFields().toList()).toEqual(['field1', 'field2']);
    expect(t.getIntegerByField('field2')).toBe(3);

    const param = new MkTupleParam();
    param.setComponent('split');
    param.setStream('words');
    param.setFields('word', 'count');
    const u = Testing.testTuple(new Values('nathan', 2), param);
    expect(u.getSourceGlobalStreamId().get_componentId()).toBe('split');
    expect(u.getSourceStreamId()).toBe('words');
    expect(u.getStringByField('word')).toBe('nathan');
    expect(() => Testing.testTuple(['only'], param)).toThrow('Expected 2 fields but got 1 fields');
  });
});

describe('Testing.withLocalCluster / withSimulatedTimeLocalCluster', () => {
  it('shuts the cluster down even when the callback throws', async () => {
    let seen: LocalCluster | undefined;
    await expect(
      Testing.withLocalCluster(async (c) => {
        seen = c;
        const b = new TopologyBuilder();
        b.setSpout('s', new TestWordSpout());
        await c.submitTopology('alive', {}, b.createTopology());
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(seen!.getTopologyNames()).toEqual([]);
    await expect(seen!.submitTopology('again', {}, wordCountTopology())).rejects.toThrow('shut down');
  });

  it('runs the callback in simulated time starting at 0, and ends simulated time afterwards', async () => {
    let seen: [boolean, number] | undefined;
    await Testing.withSimulatedTimeLocalCluster(async (cluster) => {
      seen = [cluster.isSimulating(), Time.currentTimeMillis()];
      await cluster.advanceClusterTime(3);
      expect(Time.currentTimeSecs()).toBe(3);
    });
    expect(seen).toEqual([true, 0]);
    expect(Time.isSimulating()).toBe(false);
  });
});

describe('FeederSpout (§12, R9)', () => {
  it('emits fed tuples and reports acks and fails to the delegate through the per-task clone', async () => {
    const spout = new FeederSpout(new Fields('word'));
    const acked: unknown[] = [];
    const failed: unknown[] = [];
    spout.setAckFailDelegate({ ack: (id) => void acked.push(id), fail: (id) => void failed.push(id) });
    const builder = new TopologyBuilder();
    builder.setSpout('feeder', spout);
    builder.setBolt('judge', new FailOnBadBolt()).shuffleGrouping('feeder');
    cluster = new LocalCluster();
    await cluster.submitTopology('feeder', {}, builder.createTopology());
    await spout.feed(['good'], 'm1');
    spout.feedNoWait(['bad'], 'm2');
    spout.feedNoWait(['good'], 'm3');
    await spout.feed(['good']);
    await waitFor(() => acked.length + failed.length === 4, 5000, 'four verdicts');
    expect(failed).toEqual(['m2']);
    expect(acked.slice(0, 2)).toEqual(['m1', 'm3']);
    expect(acked[2]).toMatch(/^[0-9a-f-]{36}$/);
    expect(FailOnBadBolt.seen).toEqual(['good', 'bad', 'good', 'good']);
  });
});

describe('TestWordSpout, TestWordCounter, TupleCaptureBolt', () => {
  it('emits unanchored random test words at most one per 100 ms on field "word"', async () => {
    const capture = new TupleCaptureBolt();
    const seen: Array<{ at: number; roots: number; fields: string[] }> = [];
    // Simulated time, advanced 50 ms at a time with the cluster idle in between: the spacing is
    // the spout's own sleep, whatever the machine's load does to wall time.
    await Testing.withSimulatedTimeLocalCluster(async (simulated) => {
      const builder = new TopologyBuilder();
      builder.setSpout('words', new TestWordSpout());
      builder.setBolt('capture', capture).shuffleGrouping('words');
      builder
        .setBolt(
          'ids',
          (t: Tuple) =>
            void seen.push({
              at: Time.currentTimeMillis(),
              roots: t.getMessageId().getAnchorsToIds().size,
              fields: t.getFields().toList(),
            }),
        )
        .shuffleGrouping('words');
      await simulated.submitTopology('words', {}, builder.createTopology());
      await simulated.advanceClusterTime(1, 0.05);
    });
    const words = capture.getAndRemoveResults().get('words')!;
    // 1 s of simulated time at one word per 100 ms.
    expect(words.length).toBeGreaterThanOrEqual(9);
    expect(words.length).toBeLessThanOrEqual(11);
    for (const t of words) {
      expect(t.stream).toBe('default');
      expect(TestWordSpout.WORDS).toContain(t.values[0]);
      expect(t.values).toHaveLength(1);
    }
    expect(String(words[0])).toMatch(/^default:<\[(nathan|mike|jackson|golda|bertels)\]>$/);
    // Unanchored although ackers run (default one): no root ids travel with the words.
    expect(seen.every((s) => s.roots === 0 && s.fields.join() === 'word')).toBe(true);
    // The spout sleeps 100 ms before each word: no two words closer than that.
    for (let i = 1; i < seen.length; i++) expect(seen[i]!.at - seen[i - 1]!.at).toBeGreaterThanOrEqual(100);
  });

  it('caps a non-distributed TestWordSpout at one task', () => {
    expect(new TestWordSpout(false).getComponentConfiguration()).toEqual({ 'topology.max.task.parallelism': 1 });
    expect(new TestWordSpout().getComponentConfiguration()).toBeNull();
    const builder = new TopologyBuilder();
    builder.setSpout('w', new TestWordSpout(false), 4);
    const conf = JSON.parse(builder.createTopology().get_spouts().get('w')!.get_common().get_json_conf()!);
    expect(conf['topology.max.task.parallelism']).toBe(1);
  });

  it('TestWordCounter counts per word with a basic collector', () => {
    const counter = new TestWordCounter();
    counter.prepare({}, null as never);
    const out: unknown[][] = [];
    const collector = { emit: (v: unknown[]) => void out.push(v) } as unknown as BasicOutputCollector;
    for (const w of ['a', 'b', 'a']) counter.execute(Testing.testTuple([w]), collector);
    expect(out).toEqual([
      ['a', 1],
      ['b', 1],
      ['a', 2],
    ]);
  });
});

// --- small components ---------------------------------------------------------------------------

class TwoStreamSpout extends BaseRichSpout {
  open(): void {}
  nextTuple(): void {}
  declareOutputFields(d: OutputFieldsDeclarer): void {
    d.declare(new Fields('word'));
    d.declareStream('side', new Fields('word'));
  }
}

class UpperBolt extends BaseBasicBolt {
  execute(t: Tuple, c: BasicOutputCollector): void {
    c.emit(new Values(t.getString(0).toUpperCase()));
  }
  declareOutputFields(d: OutputFieldsDeclarer): void {
    d.declare(new Fields('upper'));
  }
}

/** Forwards unanchored and acks: the spout tuple completes before anything downstream ran. */
class UnanchoredForwardBolt extends BaseRichBolt {
  private collector!: OutputCollector;
  prepare(_conf: Conf, _ctx: TopologyContext, collector: OutputCollector): void {
    this.collector = collector;
  }
  execute(t: Tuple): void {
    this.collector.emit(new Values(t.getString(0)));
    this.collector.ack(t);
  }
  declareOutputFields(d: OutputFieldsDeclarer): void {
    d.declare(new Fields('word'));
  }
}

/** Takes 150 ms per tuple, long after the spout saw its acks. */
class SlowBolt extends BaseBasicBolt {
  async execute(t: Tuple, c: BasicOutputCollector): Promise<void> {
    await new Promise((r) => setTimeout(r, 150));
    c.emit('late', new Values(t.getString(0)));
  }
  declareOutputFields(d: OutputFieldsDeclarer): void {
    d.declareStream('late', new Fields('word'));
  }
}

class NeverAckBolt extends BaseBasicBolt {
  execute(): Promise<void> {
    return new Promise(() => {});
  }
  declareOutputFields(): void {}
}

class FailOnBadBolt extends BaseBasicBolt {
  static seen: string[] = [];
  execute(t: Tuple): void {
    FailOnBadBolt.seen.push(t.getString(0));
    if (t.getString(0) === 'bad') throw new FailedExceptionFor('bad word');
  }
  declareOutputFields(): void {}
}

class FailedExceptionFor extends FailedException {}
