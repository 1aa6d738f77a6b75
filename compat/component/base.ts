/** Storm's base classes (§5.1): real classes with no-op defaults, so ported subclasses compile unchanged. */
import type { Conf } from './config.ts';
import type { BasicOutputCollector, OutputCollector, SpoutOutputCollector } from './collectors.ts';
import type { TopologyContext, WorkerTopologyContext } from './context.ts';
import type {
  BoltAckInfo,
  BoltExecuteInfo,
  BoltFailInfo,
  EmitInfo,
  IBasicBolt,
  IComponent,
  IRichBolt,
  IRichSpout,
  ITaskHook,
  IWorkerHook,
  MaybePromise,
  OutputFieldsDeclarer,
  SpoutAckInfo,
  SpoutFailInfo,
} from './interfaces.ts';
import type { Tuple } from './tuple.ts';
import { TupleUtils } from './tuple-utils.ts';

export abstract class BaseComponent implements IComponent {
  abstract declareOutputFields(declarer: OutputFieldsDeclarer): void;

  getComponentConfiguration(): Conf | null {
    return null;
  }
}

export abstract class BaseRichSpout extends BaseComponent implements IRichSpout {
  abstract open(conf: Conf, context: TopologyContext, collector: SpoutOutputCollector): MaybePromise;
  abstract nextTuple(): MaybePromise;
  close(): void {}
  activate(): void {}
  deactivate(): void {}
  ack(_msgId: unknown): MaybePromise {}
  fail(_msgId: unknown): MaybePromise {}
}

export abstract class BaseRichBolt extends BaseComponent implements IRichBolt {
  abstract prepare(topoConf: Conf, context: TopologyContext, collector: OutputCollector): MaybePromise;
  abstract execute(input: Tuple): MaybePromise;
  cleanup(): void {}
}

export abstract class BaseBasicBolt extends BaseComponent implements IBasicBolt {
  prepare(_topoConf: Conf, _context: TopologyContext): MaybePromise {}
  abstract execute(input: Tuple, collector: BasicOutputCollector): MaybePromise;
  cleanup(): void {}
}

/** Routes ticks to `onTickTuple` (default no-op) and everything else to `process` (§5.1). */
export abstract class BaseTickTupleAwareRichBolt extends BaseRichBolt {
  execute(tuple: Tuple): MaybePromise {
    if (TupleUtils.isTick(tuple)) return this.onTickTuple(tuple);
    return this.process(tuple);
  }

  protected onTickTuple(_tuple: Tuple): MaybePromise {}

  protected abstract process(tuple: Tuple): MaybePromise;
}

/** No-op `ITaskHook` to extend, like Storm's `BaseTaskHook`. */
export class BaseTaskHook implements ITaskHook {
  prepare(_conf: Conf, _context: TopologyContext): void {}
  cleanup(): void {}
  emit(_info: EmitInfo): void {}
  spoutAck(_info: SpoutAckInfo): void {}
  spoutFail(_info: SpoutFailInfo): void {}
  boltExecute(_info: BoltExecuteInfo): void {}
  boltAck(_info: BoltAckInfo): void {}
  boltFail(_info: BoltFailInfo): void {}
}

/** No-op `IWorkerHook` to extend, like Storm's `BaseWorkerHook`. */
export class BaseWorkerHook implements IWorkerHook {
  start(_topoConf: Conf, _context: WorkerTopologyContext): void {}
  shutdown(): void {}
}
