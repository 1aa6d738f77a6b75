import { StreamOperator } from '../api/operator.ts';
import type { WatermarkStrategy } from '../api/watermarks.ts';
import { userError } from './user-error.ts';

/** Assigns event timestamps and emits periodic watermarks (max timestamp − bound − 1). */
export class TimestampsAndWatermarksOperator<T> extends StreamOperator<T, T> {
  private maxTimestamp = -Infinity;
  private emitted = -Infinity;
  private lastRecordAt = 0;
  private idle = false;
  private cancelPeriodic: (() => void) | undefined;
  private readonly bound: number;

  constructor(
    private readonly strategy: WatermarkStrategy<T>,
    private readonly intervalMs: number,
  ) {
    super();
    this.bound = strategy.maxOutOfOrdernessMs ?? 0;
  }

  override open(): void {
    this.lastRecordAt = this.context.processingTime.now();
    this.cancelPeriodic = this.context.processingTime.scheduleWithFixedDelay(this.intervalMs, () => this.onPeriodic());
  }

  processElement(value: T, timestamp: number): void {
    let ts = timestamp;
    if (this.strategy.timestamp) {
      try {
        ts = this.strategy.timestamp(value, timestamp);
      } catch (error) {
        throw userError(this.context.operatorName, value, error);
      }
    }
    if (ts > this.maxTimestamp) this.maxTimestamp = ts;
    if (this.strategy.idleTimeoutMs !== undefined) {
      this.lastRecordAt = this.context.processingTime.now();
      this.idle = false;
    }
    this.output.collect(value, ts);
  }

  private onPeriodic(): void {
    if (
      this.strategy.idleTimeoutMs !== undefined &&
      !this.idle &&
      this.context.processingTime.now() - this.lastRecordAt >= this.strategy.idleTimeoutMs
    ) {
      // An idle input must not hold back the combined watermark downstream: jump it to "now" minus the bound.
      this.idle = true;
      this.advance(this.context.processingTime.now() - this.bound - 1);
      return;
    }
    this.advance(this.maxTimestamp - this.bound - 1);
  }

  private advance(watermark: number): void {
    if (watermark > this.emitted) {
      this.emitted = watermark;
      this.output.emitWatermark(watermark);
    }
  }

  override processWatermark(watermark: number): void {
    // Upstream watermarks are replaced by this assigner's, except the end-of-input one.
    if (watermark === Infinity) this.endOfInput();
  }

  override endInput(): void {
    this.endOfInput();
  }

  private endOfInput(): void {
    this.advance(this.strategy.endOfInput === 'hold' ? this.maxTimestamp - this.bound - 1 : Infinity);
  }

  override close(): void {
    this.cancelPeriodic?.();
  }
}
