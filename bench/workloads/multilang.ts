/**
 * Multilang: the compat word count with its split bolt as a Python ShellBolt (Storm's multilang
 * protocol over a pipe, an unchanged storm.py-style script) against the same bolt in TypeScript.
 * The spout and the counting bolt are the same TypeScript components in every variant; acking on.
 */
import { fileURLToPath } from 'node:url';
import {
  BaseBasicBolt,
  BaseRichSpout,
  Fields,
  KillOptions,
  LocalCluster,
  ShellBolt,
  TopologyBuilder,
  Values,
  type BasicOutputCollector,
  type Conf,
  type IComponent,
  type OutputFieldsDeclarer,
  type SpoutOutputCollector,
  type Tuple,
} from '../../compat/index.ts';
import { stamp, type Digest, type RunRequest, type VariantImpl, type WorkloadModule } from '../harness.ts';
import { sentenceAt, splitWords, wordCountDigest } from './sentences.ts';

const CODE_DIR = fileURLToPath(new URL('./multilang/', import.meta.url));
const VARIANTS = ['compat-ts-split', 'compat-python-split', 'compat-python-split-no-task-ids'] as const;

class PythonSplit extends ShellBolt {
  constructor(needTaskIds: boolean) {
    super(needTaskIds ? ['python3', 'split.py'] : ['python3', 'split.py', 'no-task-ids']);
  }
  declareOutputFields(declarer: OutputFieldsDeclarer): void {
    declarer.declare(new Fields('word', 'ts'));
  }
}

class TsSplit extends BaseBasicBolt {
  execute(tuple: Tuple, collector: BasicOutputCollector): void {
    const t = tuple.getValue(1) as number;
    splitWords(tuple.getString(0), (word) => collector.emit(new Values(word, t)));
  }
  declareOutputFields(declarer: OutputFieldsDeclarer): void {
    declarer.declare(new Fields('word', 'ts'));
  }
}

let serial = 0;

function multilangWordCount(variant: string): VariantImpl {
  let steadyMs: number | undefined;
  const state = {
    count: 0,
    rate: undefined as number | undefined,
    startedAt: 0,
    emitted: 0,
    acked: 0,
    failed: 0,
    digest: { records: 0, checksum: 0 } as Digest,
    expectedRecords: 0,
    latency: undefined as RunRequest['latency'],
    check: () => {},
  };

  class SentenceSpout extends BaseRichSpout {
    private collector!: SpoutOutputCollector;
    open(_conf: Conf, _context: unknown, collector: SpoutOutputCollector): void {
      this.collector = collector;
    }
    nextTuple(): void {
      if (state.emitted >= state.count) return;
      if (state.startedAt === 0) state.startedAt = performance.now();
      if (state.rate !== undefined) {
        const due = Math.min(state.count, Math.floor(((performance.now() - state.startedAt) / 1000) * state.rate));
        for (let i = state.emitted; i < due; i++) this.emitOne(stamp());
        return;
      }
      this.emitOne(0);
    }
    private emitOne(t: number): void {
      const id = state.emitted++;
      this.collector.emit(new Values(sentenceAt(id), t), id);
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
      declarer.declare(new Fields('sentence', 'ts'));
    }
  }

  class WordCount extends BaseBasicBolt {
    private readonly counts = new Map<string, number>();
    execute(tuple: Tuple, collector: BasicOutputCollector): void {
      const word = tuple.getString(0);
      const c = (this.counts.get(word) ?? 0) + 1;
      this.counts.set(word, c);
      collector.emit(new Values(word, c));
      state.digest.records++;
      state.digest.checksum += c;
      if (state.latency) state.latency.since(tuple.getValue(1) as number);
      if (state.digest.records === state.expectedRecords) state.check();
    }
    declareOutputFields(declarer: OutputFieldsDeclarer): void {
      declarer.declare(new Fields('word', 'count'));
    }
  }

  const cluster = new LocalCluster({
    log: (level, message) => {
      if (level === 'error') process.stderr.write(`[multilang] ${message}\n`);
    },
  });
  const split = (): IComponent =>
    variant === 'compat-ts-split' ? new TsSplit() : new PythonSplit(variant === 'compat-python-split');

  return {
    async run({ count, rate, latency }: RunRequest): Promise<Digest> {
      Object.assign(state, {
        count,
        rate,
        startedAt: 0,
        emitted: 0,
        acked: 0,
        failed: 0,
        digest: { records: 0, checksum: 0 },
        expectedRecords: wordCountDigest(count).records,
        latency,
      });
      const done = new Promise<void>((resolve, reject) => {
        state.check = () => {
          if (state.failed > 0) reject(new Error(`${variant}: ${state.failed} spout tuples failed`));
          if (state.digest.records >= state.expectedRecords && state.acked >= count) resolve();
        };
      });
      const builder = new TopologyBuilder();
      builder.setSpout('spout', new SentenceSpout(), 1);
      builder.setBolt('split', split(), 1).shuffleGrouping('spout');
      builder.setBolt('count', new WordCount(), 1).fieldsGrouping('split', new Fields('word'));
      const name = `bench-multilang-${++serial}`;
      const conf: Conf = {
        'topology.acker.executors': 1,
        'topology.max.spout.pending': 10_000,
        'stormshift.multilang.code.dir': CODE_DIR,
      };
      await cluster.submitTopology(name, conf, builder.createTopology());
      if (count === 0) state.check();
      await done;
      // From the first nextTuple: launching the subprocess is start-up, not steady state.
      steadyMs = performance.now() - state.startedAt;
      const kill = new KillOptions();
      kill.set_wait_secs(0);
      await cluster.killTopologyWithOpts(name, kill);
      await cluster.whenStopped(name);
      return { ...state.digest };
    },
    lastSteadyMs: () => steadyMs,
    async close(): Promise<void> {
      await cluster.shutdown();
    },
  };
}

const workload: WorkloadModule = {
  variants: VARIANTS,
  notApplicable: {
    'hand-loop': 'compares one bolt across languages; see word-count for the loop and native baselines',
    native: 'compares one bolt across languages; see word-count',
  },
  initialCount: 500,
  baselines: ['compat-ts-split'],
  unit: 'sentences',
  async variantUnavailable(variant) {
    if (variant === 'compat-ts-split') return undefined;
    const { spawnSync } = await import('node:child_process');
    return spawnSync('python3', ['--version']).status === 0 ? undefined : 'python3 is not installed';
  },
  async create(variant) {
    if (!(VARIANTS as readonly string[]).includes(variant)) throw new Error(`multilang has no variant '${variant}'`);
    return multilangWordCount(variant);
  },
  reference: wordCountDigest,
};

export default workload;
