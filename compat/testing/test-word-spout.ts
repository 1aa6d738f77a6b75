/** Storm's `TestWordSpout`: one random word every 100 ms, unanchored, on field "word". */
import type { SpoutOutputCollector } from '../component/collectors.ts';
import { CONFIG_KEYS } from '../component/config-keys.ts';
import type { Conf } from '../component/config.ts';
import type { TopologyContext } from '../component/context.ts';
import { BaseRichSpout } from '../component/base.ts';
import { Fields } from '../component/fields.ts';
import type { OutputFieldsDeclarer } from '../component/interfaces.ts';
import { Utils } from '../component/utils.ts';
import { Values } from '../component/values.ts';

export class TestWordSpout extends BaseRichSpout {
  static readonly WORDS: readonly string[] = Object.freeze(['nathan', 'mike', 'jackson', 'golda', 'bertels']);

  private readonly _isDistributed: boolean;
  private _collector!: SpoutOutputCollector;

  constructor(isDistributed = true) {
    super();
    this._isDistributed = isDistributed;
  }

  open(_conf: Conf, _context: TopologyContext, collector: SpoutOutputCollector): void {
    this._collector = collector;
  }

  override close(): void {}

  /**
   * Storm sleeps 100 ms and then emits. The un-awaited sleep is a task back-off (R7): the same one
   * word per 100 ms, and no emit left pending when the task is closed during the sleep.
   */
  nextTuple(): void {
    void Utils.sleep(100);
    const words = TestWordSpout.WORDS;
    const word = words[Math.floor(Math.random() * words.length)]!;
    this._collector.emit(new Values(word));
  }

  override ack(_msgId: unknown): void {}

  override fail(_msgId: unknown): void {}

  declareOutputFields(declarer: OutputFieldsDeclarer): void {
    declarer.declare(new Fields('word'));
  }

  override getComponentConfiguration(): Conf | null {
    if (!this._isDistributed) return { [CONFIG_KEYS.TOPOLOGY_MAX_TASK_PARALLELISM]: 1 };
    return null;
  }
}
