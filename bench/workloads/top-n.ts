/**
 * Workload 2, rolling top-N words: sentences → split → running count per word → one ranker that
 * keeps the latest count of every word and emits the top 10 on a 1 s tick (a processing-time timer
 * natively, Storm tick tuples in compat). The source ends with an END marker; the ranking the
 * ranker emits for it is the verified output (tick rankings depend on timing and are only counted).
 */
import {
  BaseBasicBolt,
  BaseRichSpout,
  Config,
  Fields,
  KillOptions,
  LocalCluster,
  TopologyBuilder,
  TupleUtils,
  Values,
  type BasicOutputCollector,
  type Conf,
  type OutputFieldsDeclarer,
  type SpoutOutputCollector,
  type Tuple,
} from '../../compat/index.ts';
import {
  MapStateDescriptor,
  StreamEnvironment,
  type Collector,
  type KeyedProcessContext,
  type KeyedProcessFunction,
  type KeyedRuntimeContext,
  type MapState,
  type OnTimerContext,
} from '../../runtime/index.ts';
import { RunningCount } from '../../samples/word-count/job.ts';
import type { Digest, RunRequest, VariantImpl, WorkloadModule } from '../harness.ts';
import { compatConf } from './compat-word-count.ts';
import { sentenceAt, splitWords, wordCounts } from './sentences.ts';

const TOP = 10;
const TICK_MS = 1000;
/** The last "sentence": one word that no sentence contains. */
const END = '\u0000end';

type Ranking = Array<[string, number]>;

function rank(entries: Iterable<[string, number]>): Ranking {
  return [...entries].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, TOP);
}

/** records: every word counted; checksum: the final top N, weighted by rank so order matters. */
function digestOf(ranking: Ranking, totalWords: number): Digest {
  let checksum = 0;
  ranking.forEach(([, c], i) => (checksum += (i + 1) * c));
  return { records: totalWords, checksum };
}

function reference(count: number): Digest {
  const counts = wordCounts(count);
  let total = 0;
  for (const n of counts.values()) total += n;
  return digestOf(rank(counts), total);
}

function handLoop(): VariantImpl {
  return {
    async run({ count }: RunRequest): Promise<Digest> {
      const counts = new Map<string, number>();
      let ticks = 0;
      let nextTick = performance.now() + TICK_MS;
      let total = 0;
      for (let i = 0; i < count; i++) {
        const s = sentenceAt(i);
        let start = 0;
        for (let j = 0, n = s.length; j <= n; j++) {
          if (j === n || s.charCodeAt(j) === 32) {
            if (j > start) {
              const word = s.slice(start, j);
              counts.set(word, (counts.get(word) ?? 0) + 1);
              total++;
            }
            start = j + 1;
          }
        }
        // A loop has no timers: look at the clock every 1024 sentences.
        if ((i & 1023) === 0 && performance.now() >= nextTick) {
          rank(counts);
          ticks++;
          nextTick += TICK_MS;
        }
      }
      void ticks;
      return digestOf(rank(counts), total);
    },
  };
}

/** The ranker: latest count per word in MapState, a ranking every tick and one for END. */
class Ranker implements KeyedProcessFunction<number, [string, number], ['tick' | 'final', Ranking, number]> {
  private counts!: MapState<string, number>;
  private total = 0;

  open(context: KeyedRuntimeContext): void {
    this.counts = context.getMapState(new MapStateDescriptor<string, number>('counts'));
  }

  processElement(
    value: [string, number],
    context: KeyedProcessContext<number>,
    out: Collector<['tick' | 'final', Ranking, number]>,
  ): void {
    if (value[0] === END) {
      out.collect(['final', rank(this.counts.entries()), this.total]);
      return;
    }
    if (this.total === 0) context.timerService().registerProcessingTimeTimer(context.currentProcessingTime() + TICK_MS);
    this.total++;
    this.counts.put(value[0], value[1]);
  }

  onTimer(
    timestamp: number,
    context: OnTimerContext<number>,
    out: Collector<['tick' | 'final', Ranking, number]>,
  ): void {
    out.collect(['tick', rank(this.counts.entries()), this.total]);
    context.timerService().registerProcessingTimeTimer(timestamp + TICK_MS);
  }
}

function native(): VariantImpl {
  return {
    async run({ count }: RunRequest): Promise<Digest> {
      let result: Digest | undefined;
      const env = StreamEnvironment.create({ jobName: 'bench-top-n' });
      env
        .generate<string>({ generate: (i) => (i === count ? END : sentenceAt(i)), count: count + 1 })
        .flatMap<string>(splitWords, { name: 'split' })
        .keyBy((word) => word)
        .process<[string, number]>(new RunningCount(), { name: 'count' })
        .keyBy(() => 0)
        .process(new Ranker(), { name: 'rank', parallelism: 1 })
        .sinkTo({
          createWriter: () => ({
            write([kind, ranking, total]: ['tick' | 'final', Ranking, number]) {
              if (kind === 'final') result = digestOf(ranking, total);
            },
          }),
        });
      await env.execute();
      if (!result) throw new Error('top-n/native: no final ranking');
      return result;
    },
  };
}

let serial = 0;

function compat(variant: string): VariantImpl {
  const reliable = variant !== 'compat-zero-ackers';
  const state = {
    count: 0,
    startedAt: 0,
    emitted: 0,
    acked: 0,
    failed: 0,
    final: undefined as Digest | undefined,
    check: () => {},
  };
  let steadyMs: number | undefined;

  class SentenceSpout extends BaseRichSpout {
    private collector!: SpoutOutputCollector;
    open(_conf: Conf, _context: unknown, collector: SpoutOutputCollector): void {
      this.collector = collector;
    }
    nextTuple(): void {
      if (state.emitted > state.count) return;
      // The clock starts at the first nextTuple: submitting the topology is start-up, not steady state.
      if (state.startedAt === 0) state.startedAt = performance.now();
      const id = state.emitted++;
      const sentence = id === state.count ? END : sentenceAt(id);
      if (reliable) this.collector.emit(new Values(sentence), id);
      else this.collector.emit(new Values(sentence));
    }
    override ack(): void {
      state.acked++;
      state.check();
    }
    override fail(): void {
      state.failed++;
      state.check();
    }
    declareOutputFields(declarer: OutputFieldsDeclarer): void {
      declarer.declare(new Fields('sentence'));
    }
  }

  class SplitSentence extends BaseBasicBolt {
    execute(tuple: Tuple, collector: BasicOutputCollector): void {
      splitWords(tuple.getString(0), (word) => collector.emit(new Values(word)));
    }
    declareOutputFields(declarer: OutputFieldsDeclarer): void {
      declarer.declare(new Fields('word'));
    }
  }

  class WordCount extends BaseBasicBolt {
    private readonly counts = new Map<string, number>();
    execute(tuple: Tuple, collector: BasicOutputCollector): void {
      const word = tuple.getString(0);
      const c = (this.counts.get(word) ?? 0) + 1;
      this.counts.set(word, c);
      collector.emit(new Values(word, c));
    }
    declareOutputFields(declarer: OutputFieldsDeclarer): void {
      declarer.declare(new Fields('word', 'count'));
    }
  }

  /** storm-starter's TotalRankingsBolt in miniature: ranks on every tick tuple. */
  class RankBolt extends BaseBasicBolt {
    private readonly counts = new Map<string, number>();
    private total = 0;
    execute(tuple: Tuple, collector: BasicOutputCollector): void {
      if (TupleUtils.isTick(tuple)) {
        collector.emit(new Values(rank(this.counts), this.total));
        return;
      }
      const word = tuple.getString(0);
      if (word === END) {
        state.final = digestOf(rank(this.counts), this.total);
        state.check();
        return;
      }
      this.total++;
      this.counts.set(word, tuple.getInteger(1));
    }
    override getComponentConfiguration(): Conf {
      return { [Config.TOPOLOGY_TICK_TUPLE_FREQ_SECS]: TICK_MS / 1000 };
    }
    declareOutputFields(declarer: OutputFieldsDeclarer): void {
      declarer.declare(new Fields('rankings', 'total'));
    }
  }

  const cluster = new LocalCluster({
    log: (level, message) => {
      if (level === 'error') process.stderr.write(`[compat] ${message}\n`);
    },
  });
  return {
    async run({ count }: RunRequest): Promise<Digest> {
      Object.assign(state, { count, startedAt: 0, emitted: 0, acked: 0, failed: 0, final: undefined });
      const done = new Promise<Digest>((resolve, reject) => {
        state.check = () => {
          if (state.failed > 0) reject(new Error(`${variant}: ${state.failed} spout tuples failed`));
          const allAcked = variant !== 'compat-acking' || state.acked >= count + 1;
          if (state.final && allAcked) resolve(state.final);
        };
      });
      const builder = new TopologyBuilder();
      builder.setSpout('spout', new SentenceSpout(), 1);
      builder.setBolt('split', new SplitSentence(), 1).shuffleGrouping('spout');
      builder.setBolt('count', new WordCount(), 1).fieldsGrouping('split', new Fields('word'));
      builder.setBolt('rank', new RankBolt(), 1).globalGrouping('count');
      const name = `bench-top-n-${++serial}`;
      await cluster.submitTopology(name, compatConf(variant), builder.createTopology());
      const digest = await done;
      steadyMs = performance.now() - state.startedAt;
      const kill = new KillOptions();
      kill.set_wait_secs(0);
      await cluster.killTopologyWithOpts(name, kill);
      await cluster.whenStopped(name);
      return digest;
    },
    lastSteadyMs: () => steadyMs,
    async close(): Promise<void> {
      await cluster.shutdown();
    },
  };
}

const workload: WorkloadModule = {
  variants: ['hand-loop', 'native', 'compat-acking', 'compat-zero-ackers'],
  quickVariants: ['hand-loop', 'native', 'compat-acking'],
  notApplicable: {
    'node-streams':
      'streams have no timers of their own; the tick would be a setInterval beside the pipeline, which word-count already measures',
    rxjs: 'the same pipeline as word-count with an interval() merged in',
    'compat-checkpoint': 'word-count and the checkpoint workload measure checkpoint mode',
  },
  initialCount: 1000,
  minMeasureMs: 1100,
  latency: false,
  unit: 'sentences',
  async create(variant) {
    if (variant === 'hand-loop') return handLoop();
    if (variant === 'native') return native();
    if (variant.startsWith('compat-')) return compat(variant);
    throw new Error(`top-n has no variant '${variant}'`);
  },
  reference,
};

export default workload;
