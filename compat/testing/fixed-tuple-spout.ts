/**
 * Storm's `FixedTupleSpout`: emits a fixed list of tuples as tracked tuples, split round-robin
 * over its tasks. Acked/failed counts live in a process-wide registry keyed by an id assigned in
 * the constructor, so every per-task clone (R9) and the test's own reference see the same numbers.
 */
import { randomUUID } from 'node:crypto';
import type { SpoutOutputCollector } from '../component/collectors.ts';
import type { Conf } from '../component/config.ts';
import type { TopologyContext } from '../component/context.ts';
import { Fields } from '../component/fields.ts';
import type { IRichSpout, OutputFieldsDeclarer } from '../component/interfaces.ts';
import { Utils } from '../component/utils.ts';
import type { CompletableSpout } from './completable-spout.ts';
import { FixedTuple } from './fixed-tuple.ts';

const acked = new Map<string, number>();
const failed = new Map<string, number>();

export class FixedTupleSpout implements IRichSpout, CompletableSpout {
  static getNumAcked(stormId: string): number {
    return acked.get(stormId) ?? 0;
  }

  static getNumFailed(stormId: string): number {
    return failed.get(stormId) ?? 0;
  }

  static clear(stormId: string): void {
    acked.delete(stormId);
    failed.delete(stormId);
  }

  private readonly _id: string;
  private readonly _tuples: FixedTuple[];
  private readonly _fields: Fields | null;
  private _collector!: SpoutOutputCollector;
  private _serveTuples: FixedTuple[] = [];
  private _pending = new Map<string, FixedTuple>();

  /** `tuples`: `FixedTuple`s or value arrays (default stream); `fields` (or one field name) is declared on "default". */
  constructor(tuples: ReadonlyArray<FixedTuple | readonly unknown[]>, fields?: Fields | string | null) {
    this._id = randomUUID();
    acked.set(this._id, 0);
    failed.set(this._id, 0);
    this._tuples = tuples.map((o) => (o instanceof FixedTuple ? o : new FixedTuple(o)));
    this._fields = fields == null ? null : typeof fields === 'string' ? new Fields(fields) : fields;
  }

  getId(): string {
    return this._id;
  }

  getSourceTuples(): FixedTuple[] {
    return this._tuples;
  }

  getCompleted(): number {
    return (acked.get(this._id) ?? 0) + (failed.get(this._id) ?? 0);
  }

  cleanup(): void {
    acked.delete(this._id);
    failed.delete(this._id);
  }

  clean(): void {
    this.cleanup();
  }

  open(_conf: Conf, context: TopologyContext, collector: SpoutOutputCollector): void {
    const tasks = context.getComponentTasks(context.getThisComponentId());
    let startIndex = tasks.indexOf(context.getThisTaskId());
    if (startIndex < 0) startIndex = tasks.length;
    this._collector = collector;
    this._pending = new Map();
    this._serveTuples = [];
    for (let i = startIndex; i < this._tuples.length; i += tasks.length) this._serveTuples.push(this._tuples[i]!);
  }

  close(): void {}

  nextTuple(): void {
    const ft = this._serveTuples.shift();
    if (ft !== undefined) {
      const id = randomUUID();
      this._pending.set(id, ft);
      this._collector.emit(ft.stream, ft.values, id);
    } else {
      void Utils.sleep(100);
    }
  }

  ack(_msgId: unknown): void {
    acked.set(this._id, (acked.get(this._id) ?? 0) + 1);
  }

  fail(_msgId: unknown): void {
    failed.set(this._id, (failed.get(this._id) ?? 0) + 1);
  }

  activate(): void {}

  deactivate(): void {}

  declareOutputFields(declarer: OutputFieldsDeclarer): void {
    if (this._fields !== null) declarer.declare(this._fields);
  }

  getComponentConfiguration(): Conf | null {
    return null;
  }

  isExhausted(): boolean {
    return this.getSourceTuples().length === this.getCompleted();
  }
}
