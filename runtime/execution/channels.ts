import type { StreamOperator } from '../api/operator.ts';
import { BUSY_SAMPLE_EVERY, BUSY_TIME_EVERY_RECORD_MS, type OperatorMetrics } from '../metrics/index.ts';
import type { PoisonGuard } from './poison.ts';

/**
 * One producer subtask's view of one consumer subtask's input. In-thread channels deliver by
 * direct call; cross-thread channels (worker-channel.ts) batch and post. Both carry records,
 * watermarks, checkpoint barriers and end-of-input in order.
 */
export interface ChannelEndpoint {
  pushRecord(value: unknown, timestamp: number): void;
  pushWatermark(watermark: number): void;
  pushBarrier(checkpointId: number): void;
  pushEnd(): void;
}

const RECORD = 0;
const WATERMARK = 1;
const BARRIER = 2;
const END = 3;

export interface GateOwner {
  /**
   * All channels delivered the barrier: snapshot the chain and forward the barrier downstream.
   * A returned Promise keeps every channel blocked until it settles.
   */
  onAligned(checkpointId: number): void | Promise<void>;
  /** Every channel ended: flush and finish. */
  onEndOfInput(): void;
  /** Processing held-back input failed after an asynchronous barrier (nothing up the stack to catch it). */
  fail(error: unknown): void;
}

/**
 * The input of one chain subtask: aligns checkpoint barriers across its channels (a channel that
 * delivered barrier n is held back until all have) and combines their watermarks (the minimum).
 */
export class InputGate {
  readonly channels: InputChannel[] = [];
  private aligning: number | undefined;
  private lastAligned = -Infinity;
  private releaseWaiters: Array<() => void> = [];
  private combinedWatermark = -Infinity;
  private endedCount = 0;

  constructor(
    private readonly owner: GateOwner,
    private readonly head: StreamOperator,
    headMetrics: OperatorMetrics,
    sides: Array<1 | 2>,
    /** Diverts records declared poison (policy 'skip'); undefined keeps the record path plain. */
    readonly poison?: PoisonGuard,
  ) {
    for (let i = 0; i < sides.length; i++) this.channels.push(new InputChannel(this, head, headMetrics, sides[i]!));
  }

  get currentWatermark(): number {
    return this.combinedWatermark;
  }

  /** Whether some channel is held back (an alignment in progress, or a barrier waiting on async work). */
  get isHoldingInput(): boolean {
    for (const channel of this.channels) if (channel.blocked) return true;
    return false;
  }

  /** Runs `callback` once no channel is held back any more. */
  whenReleased(callback: () => void): void {
    if (!this.isHoldingInput) callback();
    else this.releaseWaiters.push(callback);
  }

  onWatermark(): void {
    // An input that ended no longer holds the others back. Once all ended, event time stops where
    // their last watermarks put it: the end of time, unless an input held it there on purpose
    // (WatermarkStrategy.endOfInput 'hold').
    const allEnded = this.endedCount === this.channels.length;
    let min = Infinity;
    for (const channel of this.channels)
      if ((allEnded || !channel.ended) && channel.watermark < min) min = channel.watermark;
    if (min > this.combinedWatermark) {
      this.combinedWatermark = min;
      this.head.processWatermark(min);
    }
  }

  onBarrier(channel: InputChannel, checkpointId: number): void {
    // A barrier behind END (from a producer that finished before the checkpoint reached it) or
    // for a checkpoint this gate already aligned must not start an alignment: completing it would
    // acknowledge the same checkpoint twice.
    if (channel.ended || checkpointId <= this.lastAligned) return;
    if (this.aligning === undefined || checkpointId > this.aligning) this.aligning = checkpointId;
    channel.blocked = true;
    this.completeAlignmentIfReady();
  }

  onEnd(channel: InputChannel): void {
    channel.ended = true;
    this.endedCount++;
    this.onWatermark();
    this.completeAlignmentIfReady();
    if (this.endedCount === this.channels.length) this.owner.onEndOfInput();
  }

  private completeAlignmentIfReady(): void {
    const checkpointId = this.aligning;
    if (checkpointId === undefined) return;
    for (const channel of this.channels) if (!channel.blocked && !channel.ended) return;
    this.aligning = undefined;
    this.lastAligned = checkpointId;
    for (const channel of this.channels) channel.blocked = true;
    const done = this.owner.onAligned(checkpointId);
    if (done) done.then(() => this.release()).catch((error: unknown) => this.owner.fail(error));
    else this.release();
  }

  private release(): void {
    for (const channel of this.channels) channel.blocked = false;
    for (const channel of this.channels) channel.drain();
    if (this.releaseWaiters.length > 0 && !this.isHoldingInput) {
      const waiters = this.releaseWaiters;
      this.releaseWaiters = [];
      for (const wake of waiters) wake();
    }
  }
}

export class InputChannel implements ChannelEndpoint {
  ended = false;
  watermark = -Infinity;
  /** Items that arrived while blocked, flattened as [kind, a, b, kind, a, b, ...]. */
  private buffer: unknown[] | null = null;
  private held = false;
  /**
   * Not blocked and no poison policy: one flag for the record path to read instead of two (the
   * poison guard sits behind the gate), so the common case costs a single load and test before
   * the sample countdown.
   */
  private direct: boolean;

  constructor(
    private readonly gate: InputGate,
    private readonly head: StreamOperator,
    private readonly metrics: OperatorMetrics,
    private readonly side: 1 | 2,
  ) {
    this.direct = gate.poison === undefined;
  }

  /** Held back by an alignment or by a barrier waiting on async work. */
  get blocked(): boolean {
    return this.held;
  }

  set blocked(blocked: boolean) {
    this.held = blocked;
    this.direct = !blocked && this.gate.poison === undefined;
  }

  get bufferedItems(): number {
    return this.buffer === null ? 0 : this.buffer.length / 3;
  }

  pushRecord(value: unknown, timestamp: number): void {
    const metrics = this.metrics;
    // The common case stays a few bytecodes so callers can inline it: blocked channels, timed
    // samples and the poison policy take the separate, larger path below.
    if (this.direct && --metrics.busySampleCountdown > 0) {
      metrics.recordsIn++;
      if (this.side === 1) this.head.processElement(value, timestamp);
      else this.head.processElement2(value, timestamp);
      return;
    }
    this.pushRecordSlow(value, timestamp);
  }

  private pushRecordSlow(value: unknown, timestamp: number): void {
    if (this.held) {
      (this.buffer ??= []).push(RECORD, value, timestamp);
      return;
    }
    const metrics = this.metrics;
    // A direct channel counted this record down on the way here; with a poison policy, count it now.
    if (!this.direct) metrics.busySampleCountdown--;
    metrics.recordsIn++;
    const poison = this.gate.poison;
    let startedAt = -1;
    let weight = 0;
    // Busy time is sampled: timing every record would cost more than most operators do.
    if (metrics.busySampleCountdown <= 0) {
      weight = metrics.busySampleWeight;
      metrics.busySampleCountdown = metrics.busySampleWeight = BUSY_SAMPLE_EVERY;
      startedAt = performance.now();
    }
    try {
      if (this.side === 1) this.head.processElement(value, timestamp);
      else this.head.processElement2(value, timestamp);
    } catch (error) {
      if (poison === undefined || !poison.divert(error)) throw error;
    } finally {
      if (startedAt >= 0) {
        const elapsed = performance.now() - startedAt;
        metrics.busyMs += elapsed * weight;
        // The stretch a sample stands for is chosen before its record runs, so the estimate stays unbiased.
        if (elapsed >= BUSY_TIME_EVERY_RECORD_MS) metrics.busySampleCountdown = metrics.busySampleWeight = 1;
      }
    }
  }

  pushWatermark(watermark: number): void {
    if (this.blocked) {
      (this.buffer ??= []).push(WATERMARK, watermark, 0);
      return;
    }
    if (watermark > this.watermark) {
      this.watermark = watermark;
      this.gate.onWatermark();
    }
  }

  pushBarrier(checkpointId: number): void {
    if (this.blocked) {
      (this.buffer ??= []).push(BARRIER, checkpointId, 0);
      return;
    }
    this.gate.onBarrier(this, checkpointId);
  }

  pushEnd(): void {
    if (this.blocked) {
      (this.buffer ??= []).push(END, 0, 0);
      return;
    }
    this.gate.onEnd(this);
  }

  /** Replays what arrived while blocked, stopping again if a later barrier blocks the channel. */
  drain(): void {
    while (this.buffer !== null && !this.blocked) {
      const items = this.buffer;
      this.buffer = null;
      let i = 0;
      for (; i < items.length && !this.blocked; i += 3) {
        const kind = items[i] as number;
        if (kind === RECORD) this.pushRecord(items[i + 1], items[i + 2] as number);
        else if (kind === WATERMARK) this.pushWatermark(items[i + 1] as number);
        else if (kind === BARRIER) this.pushBarrier(items[i + 1] as number);
        else this.pushEnd();
      }
      if (i < items.length) {
        const rest = items.slice(i);
        // Anything buffered during the replay arrived later than `rest`, so it goes behind it.
        this.buffer = this.buffer === null ? rest : rest.concat(this.buffer);
      }
    }
  }
}
