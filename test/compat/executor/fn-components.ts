/**
 * Components whose behaviour is a function given by the test. Functions are shared by reference
 * across the per-task clones (R9), so a test's closures observe every task.
 */
import {
  BaseRichBolt,
  BaseRichSpout,
  Fields,
  type Conf,
  type OutputCollector,
  type OutputFieldsDeclarer,
  type SpoutOutputCollector,
  type TopologyContext,
  type Tuple,
} from '../../../compat/index.ts';

export type StreamDecl = Record<string, string[] | { direct: true; fields: string[] }>;

function declareAll(declarer: OutputFieldsDeclarer, streams: StreamDecl): void {
  for (const [id, d] of Object.entries(streams)) {
    if (Array.isArray(d)) declarer.declareStream(id, new Fields(d));
    else declarer.declareStream(id, true, new Fields(d.fields));
  }
}

export interface SpoutHandlers {
  open?(ctx: TopologyContext, collector: SpoutOutputCollector, conf: Conf): unknown;
  next(ctx: TopologyContext, collector: SpoutOutputCollector): unknown;
  ack?(msgId: unknown, ctx: TopologyContext): unknown;
  fail?(msgId: unknown, ctx: TopologyContext): unknown;
  activate?(ctx: TopologyContext): void;
  deactivate?(ctx: TopologyContext): void;
  close?(ctx: TopologyContext): void;
}

export class FnSpout extends BaseRichSpout {
  private ctx!: TopologyContext;
  private collector!: SpoutOutputCollector;
  constructor(
    private readonly h: SpoutHandlers,
    private readonly streams: StreamDecl = { default: ['v'] },
    private readonly componentConf: Conf | null = null,
  ) {
    super();
  }
  open(conf: Conf, ctx: TopologyContext, collector: SpoutOutputCollector): void | Promise<void> {
    this.ctx = ctx;
    this.collector = collector;
    return this.h.open?.(ctx, collector, conf) as Promise<void> | undefined;
  }
  nextTuple(): void | Promise<void> {
    return this.h.next(this.ctx, this.collector) as Promise<void> | undefined;
  }
  override ack(msgId: unknown): void | Promise<void> {
    return this.h.ack?.(msgId, this.ctx) as Promise<void> | undefined;
  }
  override fail(msgId: unknown): void | Promise<void> {
    return this.h.fail?.(msgId, this.ctx) as Promise<void> | undefined;
  }
  override activate(): void {
    this.h.activate?.(this.ctx);
  }
  override deactivate(): void {
    this.h.deactivate?.(this.ctx);
  }
  override close(): void {
    this.h.close?.(this.ctx);
  }
  declareOutputFields(declarer: OutputFieldsDeclarer): void {
    declareAll(declarer, this.streams);
  }
  override getComponentConfiguration(): Conf | null {
    return this.componentConf;
  }
}

export interface BoltHandlers {
  prepare?(ctx: TopologyContext, collector: OutputCollector, conf: Conf): unknown;
  execute(tuple: Tuple, collector: OutputCollector, ctx: TopologyContext): unknown;
  cleanup?(ctx: TopologyContext): void;
}

export class FnBolt extends BaseRichBolt {
  private ctx!: TopologyContext;
  private collector!: OutputCollector;
  constructor(
    private readonly h: BoltHandlers,
    private readonly streams: StreamDecl = {},
    private readonly componentConf: Conf | null = null,
  ) {
    super();
  }
  prepare(conf: Conf, ctx: TopologyContext, collector: OutputCollector): void | Promise<void> {
    this.ctx = ctx;
    this.collector = collector;
    return this.h.prepare?.(ctx, collector, conf) as Promise<void> | undefined;
  }
  execute(tuple: Tuple): void | Promise<void> {
    return this.h.execute(tuple, this.collector, this.ctx) as Promise<void> | undefined;
  }
  override cleanup(): void {
    this.h.cleanup?.(this.ctx);
  }
  declareOutputFields(declarer: OutputFieldsDeclarer): void {
    declareAll(declarer, this.streams);
  }
  override getComponentConfiguration(): Conf | null {
    return this.componentConf;
  }
}

/** A spout emitting `n` values 0…n−1, tracked by default with msgId = value. */
export function counterSpout(
  n: number,
  opts: { tracked?: boolean; onAck?: (id: unknown) => void; onFail?: (id: unknown) => void; stream?: string } = {},
): FnSpout {
  return new FnSpout(
    {
      next(_ctx, c) {
        const self = this as unknown as { i?: number };
        const i = self.i ?? 0;
        if (i >= n) return;
        self.i = i + 1;
        if (opts.stream) c.emit(opts.stream, [i], opts.tracked === false ? undefined : i);
        else c.emit([i], opts.tracked === false ? undefined : i);
      },
      ack: (id) => opts.onAck?.(id),
      fail: (id) => opts.onFail?.(id),
    },
    { [opts.stream ?? 'default']: ['v'] },
  );
}
