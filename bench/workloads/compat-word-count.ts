/**
 * The word count as an unchanged Storm topology on the compat layer: a RandomSentenceSpout-like
 * spout (message ids when reliable), storm-starter's SplitSentence and WordCount basic bolts with
 * fields grouping, on LocalCluster. Three reliability set-ups: acking, zero ackers, checkpoint mode.
 */
import {
  BaseBasicBolt,
  BaseRichSpout,
  Fields,
  KillOptions,
  LocalCluster,
  TopologyBuilder,
  Values,
  type BasicOutputCollector,
  type Conf,
  type IComponent,
  type OutputFieldsDeclarer,
  type SpoutOutputCollector,
  type Tuple,
} from '../../compat/index.ts';
import { stamp, type Digest, type RunRequest, type VariantImpl } from '../harness.ts';
import { sentenceAt, splitWords, wordCountDigest } from './sentences.ts';

/** Storm config for each compat variant. */
export function compatConf(variant: string): Conf {
  switch (variant) {
    case 'compat-acking':
      return { 'topology.acker.executors': 1, 'topology.max.spout.pending': 10_000 };
    case 'compat-zero-ackers':
      return { 'topology.acker.executors': 0 };
    case 'compat-checkpoint':
      return {
        'stormshift.reliability': 'checkpoint',
        'topology.state.checkpoint.interval.ms': 1000,
        'topology.acker.executors': 0,
      };
    default:
      throw new Error(`unknown compat variant '${variant}'`);
  }
}

let topologySerial = 0;

/** storm-starter's SplitSentence: one (word, ts) per word of the sentence. */
export class SplitSentence extends BaseBasicBolt {
  execute(tuple: Tuple, collector: BasicOutputCollector): void {
    const t = tuple.getValue(1) as number;
    splitWords(tuple.getString(0), (word) => collector.emit(new Values(word, t)));
  }
  declareOutputFields(declarer: OutputFieldsDeclarer): void {
    declarer.declare(new Fields('word', 'ts'));
  }
}

/** What differs between the compat word-count runs: everything else (spout, counting bolt, pacing, the end of a run) is shared. */
export interface CompatWordCountSetup {
  /** The spout emits with message ids (acking, checkpoint mode) or without (zero ackers). */
  reliable: boolean;
  /** A run ends only once every spout tuple was acked, not just once every word was counted. */
  awaitAcks: boolean;
  conf: Conf;
  /** The split bolt (TypeScript or a multilang ShellBolt). */
  split: () => IComponent;
  /** Topology name prefix and log tag. */
  name: string;
}

export function compatWordCount(variant: string): VariantImpl {
  return compatWordCountRuns(variant, {
    reliable: variant !== 'compat-zero-ackers',
    awaitAcks: variant === 'compat-acking',
    conf: compatConf(variant),
    split: () => new SplitSentence(),
    name: 'word-count',
  });
}

/** Runs of the word count as a Storm topology (spout → split → fields-grouped count) on one LocalCluster. */
export function compatWordCountRuns(variant: string, setup: CompatWordCountSetup): VariantImpl {
  let steadyMs: number | undefined;
  const { reliable } = setup;

  /** Per run: what the spout must emit, how it paces, and where the count bolt reports. */
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
      // The clock starts at the first nextTuple: submitting the topology is start-up, not steady state.
      if (state.startedAt === 0) state.startedAt = performance.now();
      if (state.rate !== undefined) {
        const due = Math.min(state.count, Math.floor(((performance.now() - state.startedAt) / 1000) * state.rate));
        // Storm's executor backs off a little when nextTuple emits nothing: that is the pacing.
        for (let i = state.emitted; i < due; i++) this.emitOne(stamp());
        return;
      }
      this.emitOne(0);
    }
    private emitOne(t: number): void {
      const id = state.emitted++;
      if (reliable) this.collector.emit(new Values(sentenceAt(id), t), id);
      else this.collector.emit(new Values(sentenceAt(id), t));
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
      const word: string = tuple.getString(0);
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
      if (level === 'error') process.stderr.write(`[${setup.name}] ${message}\n`);
    },
  });

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
          // With acking the run ends when every tuple tree is acked; otherwise when every word is counted.
          const allAcked = !setup.awaitAcks || state.acked >= count;
          if (state.digest.records >= state.expectedRecords && allAcked) resolve();
        };
      });
      const builder = new TopologyBuilder();
      builder.setSpout('spout', new SentenceSpout(), 1);
      builder.setBolt('split', setup.split(), 1).shuffleGrouping('spout');
      builder.setBolt('count', new WordCount(), 1).fieldsGrouping('split', new Fields('word'));
      const name = `bench-${setup.name}-${++topologySerial}`;
      await cluster.submitTopology(name, { ...setup.conf }, builder.createTopology());
      if (count === 0) state.check();
      await done;
      // From the first nextTuple: submitting (and launching a multilang subprocess) is start-up, not steady state.
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
