/**
 * Storm's `FeederSpout`: a test pushes tuples in with `feed`, the spout emits them (tracked) and
 * forwards acks and fails to a delegate. Storm keeps the queue in `InprocMessaging` keyed by a
 * port taken in the constructor; here the queue and the delegate live in a process-wide registry
 * keyed by the same kind of id, so the per-task clone (R9) and the test's reference share them.
 */
import { randomUUID } from 'node:crypto';
import type { SpoutOutputCollector } from '../component/collectors.ts';
import type { Conf } from '../component/config.ts';
import type { TopologyContext } from '../component/context.ts';
import { BaseRichSpout } from '../component/base.ts';
import { Fields } from '../component/fields.ts';
import type { OutputFieldsDeclarer } from '../component/interfaces.ts';

/** Storm's `AckFailDelegate`. */
export interface AckFailDelegate {
  ack(id: unknown): void;
  fail(id: unknown): void;
}

/** How long `feed` waits for a reader, as Storm's `InprocMessaging.waitForReader`. */
const READER_WAIT_MS = 20_000;

interface Port {
  readonly queue: Array<{ tuple: readonly unknown[]; msgId: unknown }>;
  delegate: AckFailDelegate | null;
  hasReader: boolean;
  readerWaiters: Array<() => void>;
}

const ports = new Map<number, Port>();
let nextPort = 1;

function port(id: number): Port {
  let p = ports.get(id);
  if (p === undefined) ports.set(id, (p = { queue: [], delegate: null, hasReader: false, readerWaiters: [] }));
  return p;
}

export class FeederSpout extends BaseRichSpout {
  private readonly _id: number;
  private readonly _outFields: Fields;
  private _collector!: SpoutOutputCollector;

  constructor(outFields: Fields | readonly string[]) {
    super();
    this._id = nextPort++;
    port(this._id);
    this._outFields = outFields instanceof Fields ? outFields : new Fields([...outFields]);
  }

  setAckFailDelegate(d: AckFailDelegate | null): void {
    port(this._id).delegate = d;
  }

  /**
   * Queues the tuple (message id: a random UUID unless given) and resolves once a spout task has
   * started reading, which is where Storm's `feed` blocks; callers that do not await still get
   * their tuples emitted in feed order.
   */
  feed(tuple: readonly unknown[], msgId: unknown = randomUUID()): Promise<void> {
    port(this._id).queue.push({ tuple: [...tuple], msgId });
    return this.waitForReader();
  }

  feedNoWait(tuple: readonly unknown[], msgId: unknown = randomUUID()): void {
    port(this._id).queue.push({ tuple: [...tuple], msgId });
  }

  waitForReader(): Promise<void> {
    const p = port(this._id);
    if (p.hasReader) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        p.readerWaiters = p.readerWaiters.filter((w) => w !== done);
        resolve();
      }, READER_WAIT_MS);
      timer.unref();
      const done = (): void => {
        clearTimeout(timer);
        resolve();
      };
      p.readerWaiters.push(done);
    });
  }

  open(_conf: Conf, _context: TopologyContext, collector: SpoutOutputCollector): void {
    this._collector = collector;
  }

  override close(): void {}

  nextTuple(): void {
    const p = port(this._id);
    if (!p.hasReader) {
      p.hasReader = true;
      const waiters = p.readerWaiters;
      p.readerWaiters = [];
      for (const w of waiters) w();
    }
    const next = p.queue.shift();
    if (next !== undefined) this._collector.emit(next.tuple, next.msgId);
  }

  override ack(msgId: unknown): void {
    port(this._id).delegate?.ack(msgId);
  }

  override fail(msgId: unknown): void {
    port(this._id).delegate?.fail(msgId);
  }

  declareOutputFields(declarer: OutputFieldsDeclarer): void {
    declarer.declare(this._outFields);
  }

  override getComponentConfiguration(): Conf | null {
    return {};
  }
}
