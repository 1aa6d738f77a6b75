import type { Output, StreamOperator } from '../api/operator.ts';
import type { OperatorMetrics } from '../metrics/index.ts';
import type { InputChannel } from './channels.ts';
import type { PoisonGuard } from './poison.ts';
import type { Router } from './routers.ts';

/** Hands records to the next operator of the same chain: a plain method call. */
export class ChainedOutput implements Output<unknown> {
  constructor(
    private readonly operator: StreamOperator,
    private readonly metrics: OperatorMetrics,
    /** Set only once some record was declared poison with policy 'skip'; the plain path stays free of it. */
    private readonly poison?: PoisonGuard,
  ) {}
  collect(value: unknown, timestamp: number): void {
    this.metrics.recordsIn++;
    if (this.poison === undefined) {
      this.operator.processElement(value, timestamp);
      return;
    }
    try {
      this.operator.processElement(value, timestamp);
    } catch (error) {
      // The first catch up the stack is the one around the operator that threw: skip just that record there.
      if (!this.poison.divert(error)) throw error;
    }
  }
  collectSide(): void {}
  emitWatermark(watermark: number): void {
    this.operator.processWatermark(watermark);
  }
}

/**
 * A node whose only output is the next operator of its chain (no side outputs, no poison policy):
 * one object counts the record out of the producer and into the consumer and calls it, a single
 * hop instead of NodeOutput → ChainedOutput on every record.
 */
export class DirectChainedOutput implements Output<unknown> {
  constructor(
    private readonly operator: StreamOperator,
    private readonly outMetrics: OperatorMetrics,
    private readonly inMetrics: OperatorMetrics,
  ) {}
  collect(value: unknown, timestamp: number): void {
    this.outMetrics.recordsOut++;
    this.inMetrics.recordsIn++;
    this.operator.processElement(value, timestamp);
  }
  collectSide(): void {}
  emitWatermark(watermark: number): void {
    this.operator.processWatermark(watermark);
  }
}

/**
 * DirectChainedOutput for a sink consumer: the same hop in a class of its own. TurboFan keeps one
 * set of type feedback per method, so with one class the call into the next operator saw every
 * chained consumer of the process (a source's flatMap and the tail's sink in a word count) and
 * inlined both behind a type check; the operator emitting into the sink then ran out of inlining
 * budget before the sink, and each `[word, count]` array escaped into a call instead of being
 * optimised away (3.5× the loop's scavenges). Sinks end almost every chain, so one class for them
 * keeps both call sites single-typed.
 */
export class SinkChainedOutput implements Output<unknown> {
  constructor(
    private readonly sink: StreamOperator,
    private readonly outMetrics: OperatorMetrics,
    private readonly inMetrics: OperatorMetrics,
  ) {}
  collect(value: unknown, timestamp: number): void {
    this.outMetrics.recordsOut++;
    this.inMetrics.recordsIn++;
    this.sink.processElement(value, timestamp);
  }
  collectSide(): void {}
  emitWatermark(watermark: number): void {
    this.sink.processWatermark(watermark);
  }
}

/**
 * A node whose only output is a network edge that sends every record of this subtask to one
 * channel on this thread (a forward edge, or any edge into a single consumer subtask), with no
 * side outputs and no poison policy: counts the record out and pushes it into that channel, one
 * hop instead of NodeOutput → Router → channel. Watermarks still go through the router, which
 * sends them to every channel of the edge as before.
 */
export class LocalChannelOutput implements Output<unknown> {
  constructor(
    private readonly channel: InputChannel,
    private readonly router: Router,
    private readonly metrics: OperatorMetrics,
  ) {}
  collect(value: unknown, timestamp: number): void {
    this.metrics.recordsOut++;
    this.channel.pushRecord(value, timestamp);
  }
  collectSide(): void {}
  emitWatermark(watermark: number): void {
    this.router.emitWatermark(watermark);
  }
}

class FanOut implements Output<unknown> {
  constructor(private readonly outputs: Output<unknown>[]) {}
  collect(value: unknown, timestamp: number): void {
    for (const output of this.outputs) output.collect(value, timestamp);
  }
  collectSide(): void {}
  emitWatermark(watermark: number): void {
    for (const output of this.outputs) output.emitWatermark(watermark);
  }
}

const DISCARD: Output<unknown> = { collect() {}, collectSide() {}, emitWatermark() {} };

/** An operator's output: counts records out, then feeds its main consumers and side-output consumers. */
export class NodeOutput implements Output<unknown> {
  private readonly main: Output<unknown>;

  constructor(
    mainOutputs: Output<unknown>[],
    private readonly sides: Map<string, Output<unknown>> | null,
    private readonly metrics: OperatorMetrics,
  ) {
    this.main =
      mainOutputs.length === 0 ? DISCARD : mainOutputs.length === 1 ? mainOutputs[0]! : new FanOut(mainOutputs);
  }

  collect(value: unknown, timestamp: number): void {
    this.metrics.recordsOut++;
    this.main.collect(value, timestamp);
  }

  collectSide(tagId: string, value: unknown, timestamp: number): void {
    const side = this.sides?.get(tagId);
    if (side === undefined) return;
    // Records out counts side outputs too (as Flink's numRecordsOut does): compat routes every tuple
    // through one, and a vertex that seemed to write nothing would hide where records go.
    this.metrics.recordsOut++;
    side.collect(value, timestamp);
  }

  emitWatermark(watermark: number): void {
    this.main.emitWatermark(watermark);
    if (this.sides !== null) for (const side of this.sides.values()) side.emitWatermark(watermark);
  }
}

export function sideOutputs(byTag: Map<string, Output<unknown>[]>): Map<string, Output<unknown>> | null {
  if (byTag.size === 0) return null;
  const result = new Map<string, Output<unknown>>();
  for (const [tag, outputs] of byTag) result.set(tag, outputs.length === 1 ? outputs[0]! : new FanOut(outputs));
  return result;
}
