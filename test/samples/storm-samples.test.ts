import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';
import {
  BaseRichSpout,
  Config,
  Fields,
  KillOptions,
  LocalCluster,
  TopologyBuilder,
  Values,
  type Conf,
  type KeyValueState,
  type OutputFieldsDeclarer,
  type SpoutOutputCollector,
  type TopologyContext,
  type Tuple,
} from '../../compat/index.ts';
import {
  FeederSpout,
  MkTupleParam,
  MockedSources,
  Testing,
  TestWordSpout,
  TupleCaptureBolt,
} from '../../compat/testing/index.ts';
import exclamationTopology, { ExclamationBolt, exclamationBuilder } from '../../samples/storm/exclamation.ts';
import wordCountTopology, { RandomSentenceSpout, SENTENCES, WordCount } from '../../samples/storm/word-count.ts';
import {
  RankableObjectWithFields,
  Rankings,
  SlidingWindowCounter,
  rollingTopWordsBuilder,
} from '../../samples/storm/rolling-top-words.ts';
import slidingWindowTopology, { config as slidingConfig } from '../../samples/storm/sliding-window-sum.ts';
import statefulSumTopology, {
  PrinterBolt,
  StatefulSumBolt,
  statefulSumBuilder,
} from '../../samples/storm/stateful-sum.ts';
import { waitFor } from '../compat/e2e/fixtures.ts';

const ROOT = resolve(import.meta.dirname, '../..');

let cluster: LocalCluster | undefined;
let printed: string[] = [];
let logSpy: MockInstance<typeof console.log>;

beforeEach(() => {
  printed = [];
  logSpy = vi
    .spyOn(console, 'log')
    .mockImplementation((...args: unknown[]) => void printed.push(args.map(String).join(' ')));
});

afterEach(async () => {
  await cluster?.shutdown();
  cluster = undefined;
  logSpy.mockRestore();
});

function count<T>(items: Iterable<T>): Map<T, number> {
  const m = new Map<T, number>();
  for (const x of items) m.set(x, (m.get(x) ?? 0) + 1);
  return m;
}

describe('exclamation.ts', () => {
  it('appends "!!!" twice to every mocked word (completeTopology)', async () => {
    const words = ['nathan', 'mike', 'jackson', 'golda', 'bertels', 'nathan'];
    const mocked = new MockedSources();
    mocked.addMockData('word', ...words.map((w) => new Values(w)));
    cluster = new LocalCluster();
    const result = await Testing.completeTopology(cluster, exclamationTopology, { mockedSources: mocked });
    expect(
      Testing.multiseteq(
        Testing.readTuples(result, 'exclaim1'),
        words.map((w) => [`${w}!!!`]),
      ),
    ).toBe(true);
    expect(
      Testing.multiseteq(
        Testing.readTuples(result, 'exclaim2'),
        words.map((w) => [`${w}!!!!!!`]),
      ),
    ).toBe(true);
  });

  it('runs unchanged on a LocalCluster with the random TestWordSpout', async () => {
    const builder = exclamationBuilder();
    const capture = new TupleCaptureBolt();
    builder.setBolt('capture', capture).shuffleGrouping('exclaim2');
    cluster = new LocalCluster();
    await cluster.submitTopology('exclamation', {}, builder.createTopology());
    await waitFor(() => (capture.getResults().get('exclaim2')?.length ?? 0) >= 20, 5000, 'twenty exclaimed words');
    const out = capture
      .getAndRemoveResults()
      .get('exclaim2')!
      .map((t) => t.values[0] as string);
    for (const w of out) {
      expect(w.endsWith('!!!!!!')).toBe(true);
      expect(TestWordSpout.WORDS).toContain(w.slice(0, -6));
    }
  });

  it('ExclamationBolt anchors its emit to the input and acks it', () => {
    const bolt = new ExclamationBolt();
    const calls: unknown[][] = [];
    bolt.prepare(
      {},
      null as never,
      { emit: (...a: unknown[]) => calls.push(['emit', ...a]), ack: (t: Tuple) => calls.push(['ack', t]) } as never,
    );
    const input = Testing.testTuple(['golda']);
    bolt.execute(input);
    expect(calls).toEqual([
      ['emit', input, ['golda!!!']],
      ['ack', input],
    ]);
  });
});

describe('word-count.ts', () => {
  it('counts exactly the words of the mocked sentences, each word 1..n in order on one task', async () => {
    const sentences = Array.from({ length: 25 }, (_, i) => SENTENCES[(i * 3) % SENTENCES.length]!);
    const mocked = new MockedSources();
    mocked.addMockData('spout', ...sentences.map((s) => new Values(s)));
    cluster = new LocalCluster();
    const result = await Testing.completeTopology(cluster, wordCountTopology, { mockedSources: mocked });

    const words = sentences.flatMap((s) => s.split(' '));
    const expected = count(words);
    expect(
      Testing.multiseteq(
        Testing.readTuples(result, 'split'),
        words.map((w) => [w]),
      ),
    ).toBe(true);
    const counts = Testing.readTuples(result, 'count') as Array<[string, number]>;
    expect(counts).toHaveLength(words.length);
    for (const [word, n] of expected) {
      expect(counts.filter(([w]) => w === word).map(([, c]) => c)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
    }
    expect(new Set(counts.map(([w]) => w))).toEqual(new Set(expected.keys()));
  });

  it('WordCount prints its top words on a tick and emits nothing for it', () => {
    const bolt = new WordCount(5);
    expect(bolt.getComponentConfiguration()).toEqual({ 'topology.tick.tuple.freq.secs': 5 });
    bolt.prepare({}, { getThisTaskId: () => 7 } as never);
    const emitted: unknown[][] = [];
    const collector = { emit: (v: unknown[]) => void emitted.push(v) } as never;
    for (const w of ['the', 'cow', 'the']) bolt.execute(Testing.testTuple([w]), collector);
    const tick = new MkTupleParam();
    tick.setComponent('__system');
    tick.setStream('__tick');
    tick.setFields('rate_secs');
    bolt.execute(Testing.testTuple([5], tick), collector);
    expect(emitted).toEqual([
      ['the', 1],
      ['cow', 1],
      ['the', 2],
    ]);
    expect(printed).toEqual(['count[7] the=2 cow=1']);
  });

  it('RandomSentenceSpout emits tracked sentences and replays a failed one', () => {
    const spout = new RandomSentenceSpout();
    const emits: Array<[unknown[], unknown]> = [];
    spout.open({}, null as never, { emit: (v: unknown[], id: unknown) => void emits.push([v, id]) } as never);
    spout.nextTuple();
    spout.nextTuple();
    const [[first, id1], [, id2]] = emits;
    expect(SENTENCES).toContain((first as string[])[0]);
    spout.ack(id2);
    spout.fail(id1);
    spout.fail(id2);
    spout.nextTuple();
    expect(emits[2]).toEqual([first, id1]);
    expect(emits).toHaveLength(3);
  });
});

describe('rolling-top-words.ts', () => {
  it('ranks the words fed over the sliding window, highest count first, top N only', async () => {
    const feeder = new FeederSpout(new Fields('word'));
    const builder = rollingTopWordsBuilder({
      spout: feeder,
      topN: 3,
      windowLengthInSeconds: 2,
      emitFrequencyInSeconds: 1,
      rankerEmitFrequencyInSeconds: 1,
    });
    const capture = new TupleCaptureBolt();
    builder.setBolt('capture', capture).shuffleGrouping('finalRanker');
    cluster = new LocalCluster();
    await cluster.submitTopology('rolling', {}, builder.createTopology());
    for (const [word, n] of [
      ['golda', 1],
      ['jackson', 2],
      ['nathan', 4],
      ['mike', 3],
    ] as const) {
      for (let i = 0; i < n; i++) feeder.feedNoWait([word]);
    }
    const ranked = (): Array<Array<[unknown, number]>> =>
      (capture.getResults().get('finalRanker') ?? []).map((t) =>
        (t.values[0] as Rankings).getRankings().map((r) => [r.getObject(), r.getCount()]),
      );
    const expected = JSON.stringify([
      ['nathan', 4],
      ['mike', 3],
      ['jackson', 2],
    ]);
    await waitFor(() => ranked().some((r) => JSON.stringify(r) === expected), 8000, 'the full total ranking');
    // Every emitted ranking (also partial ones from early ticks) is top-3 at most and highest first.
    for (const r of ranked()) {
      expect(r.length).toBeLessThanOrEqual(3);
      expect(r.map(([, c]) => c)).toEqual([...r.map(([, c]) => c)].sort((a, b) => b - a));
    }
    // The printer shows the same ranking, in storm-starter's Rankable format.
    expect(
      printed.some((line) => /\[\[\[nathan\|4\|\d+\], \[mike\|3\|\d+\], \[jackson\|2\|\d+\]\]\]$/.test(line)),
    ).toBe(true);
  });

  it('slides: counts leave the window after windowLength/emitFrequency advances', () => {
    const counter = new SlidingWindowCounter<string>(2);
    counter.incrementCount('a');
    counter.incrementCount('a');
    expect(counter.getCountsThenAdvanceWindow()).toEqual(new Map([['a', 2]]));
    counter.incrementCount('b');
    expect(counter.getCountsThenAdvanceWindow()).toEqual(
      new Map([
        ['a', 2],
        ['b', 1],
      ]),
    );
    expect(counter.getCountsThenAdvanceWindow()).toEqual(
      new Map([
        ['a', 0],
        ['b', 1],
      ]),
    );
    expect(counter.getCountsThenAdvanceWindow()).toEqual(new Map([['b', 0]]));
    expect(counter.getCountsThenAdvanceWindow()).toEqual(new Map());
  });

  it('Rankings keep the top N, replace an object, break ties as Java does (stable sort, then reverse), prune zero counts', () => {
    const r = new Rankings(2);
    r.updateWith(new RankableObjectWithFields('a', 1));
    r.updateWith(new RankableObjectWithFields('b', 1));
    expect(String(r)).toBe('[[b|1], [a|1]]');
    r.updateWith(new RankableObjectWithFields('c', 5));
    expect(String(r)).toBe('[[c|5], [a|1]]');
    r.updateWith(new RankableObjectWithFields('c', 0));
    r.pruneZeroCounts();
    expect(String(r)).toBe('[[a|1]]');
    expect(String(RankableObjectWithFields.from(Testing.testTuple(['x', 3, 9])))).toBe('[x|3|9]');
  });
});

describe('sliding-window-sum.ts', () => {
  it('emits the sum of each sliding window (30, every 10) and the average of every 3 sums', async () => {
    const values = Array.from({ length: 100 }, (_, i) => (i * 37 + 11) % 1000);
    const mocked = new MockedSources();
    mocked.addMockData('integer', ...values.map((v, i) => new Values(v, 1_700_000_000_000 + i, i + 1)));
    // Window tuples are acked only when they expire; the last window's tuples time out (1–2 s) instead.
    const conf = new Config();
    Object.assign(conf, slidingConfig);
    conf.setMessageTimeoutSecs(1);
    cluster = new LocalCluster();
    const result = await Testing.completeTopology(cluster, slidingWindowTopology, {
      mockedSources: mocked,
      stormConf: conf,
    });

    const sums: number[] = [];
    for (let k = 10; k <= 100; k += 10) sums.push(values.slice(Math.max(0, k - 30), k).reduce((a, b) => a + b, 0));
    expect(Testing.readTuples(result, 'slidingsum')).toEqual(sums.map((s) => [s]));
    const avgs = [0, 3, 6].map((i) => Math.trunc((sums[i]! + sums[i + 1]! + sums[i + 2]!) / 3));
    expect(Testing.readTuples(result, 'tumblingavg')).toEqual(avgs.map((a) => [a]));
    expect(printed.map((line) => line.slice(line.lastIndexOf('[')))).toEqual(avgs.map((a) => `[${a}]`));
  });
});

/**
 * Emits first..first+n-1 as (value, ts, msgid), tracked. Progress lives in a registry (an external
 * source): a restarted task re-emits what was not acked yet, and nothing that was.
 */
interface SourceLog {
  acked: Set<number>;
  /** Values past the first half wait for a first ack (= a first commit), so a crash finds committed state. */
  gateSecondHalf: boolean;
}
const sources = new Map<string, SourceLog>();
class ReplayingIntegerSpout extends BaseRichSpout {
  private collector!: SpoutOutputCollector;
  private sent = new Set<number>();
  constructor(
    private readonly key: string,
    private readonly n: number,
    private readonly first = 1,
    gateSecondHalf = false,
  ) {
    super();
    sources.set(key, { acked: new Set(), gateSecondHalf });
  }
  open(_c: Conf, _x: TopologyContext, collector: SpoutOutputCollector): void {
    this.collector = collector;
  }
  nextTuple(): void {
    const log = sources.get(this.key)!;
    for (let v = this.first; v < this.first + this.n; v++) {
      if (log.acked.has(v) || this.sent.has(v)) continue;
      if (log.gateSecondHalf && v >= this.first + this.n / 2 && log.acked.size === 0) return;
      this.sent.add(v);
      this.collector.emit(new Values(v, Date.now(), v), v);
      return;
    }
  }
  override ack(id: unknown): void {
    sources.get(this.key)!.acked.add(id as number);
  }
  override fail(id: unknown): void {
    this.sent.delete(id as number);
  }
  declareOutputFields(d: OutputFieldsDeclarer): void {
    d.declare(new Fields('value', 'ts', 'msgid'));
  }
}

let crashAt = -1;
const restoredSums: number[] = [];
/** The sample's bolt, crashing once mid-stream and recording the sum each `initState` restored. */
class CrashOnceSumBolt extends StatefulSumBolt {
  override initState(state: KeyValueState<string, number>): void {
    super.initState(state);
    restoredSums.push(this.sum);
  }
  override execute(input: Tuple): void {
    if (input.getIntegerByField('value') === crashAt) {
      crashAt = -1;
      throw new Error('injected crash');
    }
    super.execute(input);
  }
}

function stateConf(dir: string): Config {
  const conf = new Config();
  conf.put(Config.TOPOLOGY_STATE_CHECKPOINT_INTERVAL, 100);
  conf.setMessageTimeoutSecs(2);
  conf.put('stormshift.checkpoint.dir', dir);
  return conf;
}

/** Sum of 1..n, and the sum of those running sums (what "total" adds up: the partial sums). */
const tri = (n: number): number => (n * (n + 1)) / 2;
const tet = (n: number): number => (n * (n + 1) * (n + 2)) / 6;

describe('stateful-sum.ts', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'stateful-sum-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('recovers the partial sum from KeyValueState after a task crash, counting every value once', async () => {
    const N = 40;
    crashAt = 30;
    restoredSums.length = 0;
    // The sample's wiring, with the crash-injecting subclass of its StatefulSumBolt as "partialsum".
    const builder = new TopologyBuilder();
    builder.setSpout('spout', new ReplayingIntegerSpout('crash', N, 1, true));
    builder.setBolt('partialsum', new CrashOnceSumBolt('partial'), 1).shuffleGrouping('spout');
    builder.setBolt('printer', new PrinterBolt(), 2).shuffleGrouping('partialsum');
    builder.setBolt('total', new StatefulSumBolt('total'), 1).shuffleGrouping('printer');
    const capture = new TupleCaptureBolt();
    builder.setBolt('capture', capture).shuffleGrouping('partialsum');
    cluster = new LocalCluster();
    await cluster.submitTopology('stateful-crash', stateConf(dir), builder.createTopology());
    await waitFor(() => sources.get('crash')!.acked.size === N, 15_000, 'every value acked');
    expect(crashAt).toBe(-1);
    // Started empty, then restarted on the committed (non-empty) state.
    expect(restoredSums.length).toBeGreaterThanOrEqual(2);
    expect(restoredSums[0]).toBe(0);
    expect(restoredSums.at(-1)).toBeGreaterThan(0);
    const partials = capture
      .getResults()
      .get('partialsum')!
      .map((t) => t.values[0] as number);
    expect(partials.at(-1)).toBe(tri(N));
    expect(Math.max(...partials)).toBe(tri(N));
    expect(printed.some((line) => line.startsWith('source: partialsum:') && line.endsWith(`[${tri(N)}]`))).toBe(true);
  });

  it('runs to completion on mocked integers (completeTopology skips the internal $checkpointspout)', async () => {
    const mocked = new MockedSources();
    mocked.addMockData('spout', ...[5, 7, 9].map((v, i) => new Values(v, 0, i + 1)));
    cluster = new LocalCluster();
    const result = await Testing.completeTopology(cluster, statefulSumTopology, {
      mockedSources: mocked,
      stormConf: stateConf(dir),
    });
    expect(Testing.readTuples(result, 'partialsum')).toEqual([[5], [12], [21]]);
    expect(Testing.multiseteq(Testing.readTuples(result, 'printer'), [[5], [12], [21]])).toBe(true);
    // "total" sums the partial sums in arrival order: two printer tasks may reorder them, the end is fixed.
    expect(Testing.readTuples(result, 'total').at(-1)).toEqual([38]);
    expect(result.has('$checkpointspout')).toBe(false);
  });

  it('keeps both sums across a kill and a resubmission on the same checkpoint directory', async () => {
    cluster = new LocalCluster();
    await cluster.submitTopology(
      'stateful-restart',
      stateConf(dir),
      statefulSumBuilder(new ReplayingIntegerSpout('run1', 10)).createTopology(),
    );
    await waitFor(() => sources.get('run1')!.acked.size === 10, 10_000, 'first run acked');
    const kill = new KillOptions();
    kill.set_wait_secs(0);
    await cluster.killTopologyWithOpts('stateful-restart', kill);
    await cluster.whenStopped('stateful-restart');

    const second = statefulSumBuilder(new ReplayingIntegerSpout('run2', 5, 11));
    const capture = new TupleCaptureBolt();
    second.setBolt('capture', capture).shuffleGrouping('partialsum').shuffleGrouping('total');
    await cluster.submitTopology('stateful-restart', stateConf(dir), second.createTopology());
    await waitFor(() => sources.get('run2')!.acked.size === 5, 10_000, 'second run acked');
    await waitFor(() => capture.getResults().get('total')?.length === 5, 5000, 'five totals');
    // 1..10 are in the restored state; 11..15 are added on top of it.
    expect(Testing.readTuples(capture.getResults(), 'partialsum')).toEqual([11, 12, 13, 14, 15].map((v) => [tri(v)]));
    expect(Testing.readTuples(capture.getResults(), 'total')).toEqual([11, 12, 13, 14, 15].map((v) => [tet(v)]));
  });
});

describe('stormshift run samples/storm/exclamation.ts', () => {
  it('runs the sample from the CLI for its TTL and exits 0 with output', async () => {
    const work = mkdtempSync(join(tmpdir(), 'storm-sample-'));
    try {
      const child = spawn(
        process.execPath,
        [
          join(ROOT, 'cli/bin.js'),
          'run',
          join(ROOT, 'samples/storm/exclamation.ts'),
          '--ttl',
          '3',
          '--metrics-port',
          '0',
        ],
        {
          cwd: work,
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (out += d.toString()));
      const code = await new Promise<number | null>((res) => child.on('exit', (c) => res(c)));
      expect(code, out).toBe(0);
      expect(out).toContain('running exclamation for 3s');
      expect(out).toMatch(/exclaim2 default \[(nathan|mike|jackson|golda|bertels)!!!!!!\]/);
      expect(out).toMatch(/\[exclamation\] word: emitted [1-9]\d* .*exclaim2: emitted [1-9]\d* acked [1-9]\d*/);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }, 30_000);
});
