/**
 * storm-starter's RandomIntegerSpout: every 100 ms a random integer below 1000, a timestamp one
 * day in the past and a running message id, emitted as a tracked tuple.
 */
import {
  BaseRichSpout,
  Fields,
  Utils,
  Values,
  type Conf,
  type OutputFieldsDeclarer,
  type SpoutOutputCollector,
  type TopologyContext,
} from '../../../compat/index.ts';

const ONE_DAY_MS = 24 * 60 * 60 * 1000;

export class RandomIntegerSpout extends BaseRichSpout {
  private collector!: SpoutOutputCollector;
  private msgId = 0;

  override declareOutputFields(declarer: OutputFieldsDeclarer): void {
    declarer.declare(new Fields('value', 'ts', 'msgid'));
  }

  open(_conf: Conf, _context: TopologyContext, collector: SpoutOutputCollector): void {
    this.collector = collector;
  }

  /** Storm sleeps 100 ms per call; the un-awaited sleep is the same pacing as a task back-off (R7). */
  nextTuple(): void {
    void Utils.sleep(100);
    const value = Math.floor(Math.random() * 1000);
    this.collector.emit(new Values(value, Date.now() - ONE_DAY_MS, ++this.msgId), this.msgId);
  }

  /** storm-starter only logs acks and fails at debug level; nothing is replayed. */
  override ack(_msgId: unknown): void {}

  override fail(_msgId: unknown): void {}
}
