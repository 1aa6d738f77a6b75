/**
 * The compat word count as a topology module, for `topology.workers` (worker threads rebuild a
 * topology from its module): spout ×2 (task k emits sentences k, k+2, …, acked), SplitSentence ×2
 * (shuffle), WordCount ×2 (fields grouping). Components find their run's parameters in the conf
 * and report over the BroadcastChannel named by `bench.channel`: each spout task when its last
 * sentence is acked, each counter its digest when asked. `main([name])` submits it, which is how
 * worker threads find it.
 */
import { BroadcastChannel } from 'node:worker_threads';
import {
  BaseBasicBolt,
  BaseRichSpout,
  Fields,
  StormSubmitter,
  TopologyBuilder,
  Values,
  type BasicOutputCollector,
  type Conf,
  type OutputFieldsDeclarer,
  type SpoutOutputCollector,
  type StormTopology,
  type TopologyContext,
  type Tuple,
} from '../../compat/index.ts';
import { stamp } from '../harness.ts';
import { sentenceAt, splitWords } from './sentences.ts';

export type CompatWorkersMessage =
  | { t: 'first'; at: number }
  | { t: 'spout-done'; at: number; acked: number; failed: number }
  | { t: 'digest'; records: number; checksum: number }
  | { t: 'report' };

export const PARALLELISM = 2;

function channelOf(conf: Conf): BroadcastChannel {
  const channel = new BroadcastChannel(String(conf['bench.channel']));
  channel.unref();
  return channel;
}

class SentenceSpout extends BaseRichSpout {
  private collector!: SpoutOutputCollector;
  private channel!: BroadcastChannel;
  private next = 0;
  private step = 1;
  private count = 0;
  private quota = 0;
  private acked = 0;
  private failed = 0;
  private rate: number | undefined;
  private startedAt = 0;
  private emitted = 0;

  override open(conf: Conf, context: TopologyContext, collector: SpoutOutputCollector): void {
    this.collector = collector;
    this.channel = channelOf(conf);
    this.count = Number(conf['bench.count']);
    this.next = context.getThisTaskIndex();
    this.step = context.getComponentTasks(context.getThisComponentId()).length;
    this.quota = this.next < this.count ? Math.ceil((this.count - this.next) / this.step) : 0;
    const rate = conf['bench.rate'];
    this.rate = typeof rate === 'number' ? rate / this.step : undefined;
    if (this.quota === 0) this.done();
  }

  nextTuple(): void {
    if (this.next >= this.count) return;
    if (this.startedAt === 0) {
      this.startedAt = performance.now();
      this.channel.postMessage({ t: 'first', at: stamp() } satisfies CompatWorkersMessage);
    }
    if (this.rate !== undefined) {
      const due = Math.floor(((performance.now() - this.startedAt) / 1000) * this.rate);
      while (this.emitted < due && this.next < this.count) this.emitOne();
      return;
    }
    this.emitOne();
  }

  private emitOne(): void {
    const i = this.next;
    this.next += this.step;
    this.emitted++;
    this.collector.emit(new Values(sentenceAt(i)), i);
  }

  override ack(): void {
    if (++this.acked === this.quota) this.done();
  }

  override fail(): void {
    this.failed++;
    this.done();
  }

  private done(): void {
    this.channel.postMessage({
      t: 'spout-done',
      at: stamp(),
      acked: this.acked,
      failed: this.failed,
    } satisfies CompatWorkersMessage);
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
  private records = 0;
  private checksum = 0;
  override prepare(conf: Conf): void {
    const channel = channelOf(conf);
    channel.onmessage = (event) => {
      if (((event as MessageEvent).data as CompatWorkersMessage).t !== 'report') return;
      channel.postMessage({
        t: 'digest',
        records: this.records,
        checksum: this.checksum,
      } satisfies CompatWorkersMessage);
    };
  }
  execute(tuple: Tuple, collector: BasicOutputCollector): void {
    const word = tuple.getString(0);
    const c = (this.counts.get(word) ?? 0) + 1;
    this.counts.set(word, c);
    collector.emit(new Values(word, c));
    this.records++;
    this.checksum += c;
  }
  declareOutputFields(declarer: OutputFieldsDeclarer): void {
    declarer.declare(new Fields('word', 'count'));
  }
}

export function buildTopology(): StormTopology {
  const builder = new TopologyBuilder();
  builder.setSpout('spout', new SentenceSpout(), PARALLELISM);
  builder.setBolt('split', new SplitSentence(), PARALLELISM).shuffleGrouping('spout');
  builder.setBolt('count', new WordCount(), PARALLELISM).fieldsGrouping('split', new Fields('word'));
  return builder.createTopology();
}

export async function main(args: string[]): Promise<void> {
  await StormSubmitter.submitTopology(args[0]!, {}, buildTopology());
}
