import { IllegalArgumentException } from '../component/exceptions.ts';
import { TimeUnit } from './time-unit.ts';

const INT_MAX = 2 ** 31 - 1;

/** A window length, sliding interval, lag or watermark interval in milliseconds (`BaseWindowedBolt.Duration`). */
export class Duration {
  /** Milliseconds. */
  readonly value: number;
  /** Type-only brand: Count and Duration are otherwise structurally identical. */
  declare private readonly __brand: 'Duration';

  constructor(value: number | bigint, timeUnit: TimeUnit) {
    const v = Math.trunc(Number(value));
    if (v < 0) throw new IllegalArgumentException('Duration cannot be negative');
    const ms = timeUnit.toMillis(v);
    if (ms > INT_MAX) throw new IllegalArgumentException('Duration is too long');
    this.value = ms;
  }

  static of(milliseconds: number | bigint): Duration {
    return new Duration(milliseconds, TimeUnit.MILLISECONDS);
  }

  static days(days: number | bigint): Duration {
    return new Duration(days, TimeUnit.DAYS);
  }

  static hours(hours: number | bigint): Duration {
    return new Duration(hours, TimeUnit.HOURS);
  }

  static minutes(minutes: number | bigint): Duration {
    return new Duration(minutes, TimeUnit.MINUTES);
  }

  static seconds(seconds: number | bigint): Duration {
    return new Duration(seconds, TimeUnit.SECONDS);
  }

  equals(o: unknown): boolean {
    return o instanceof Duration && o.value === this.value;
  }

  hashCode(): number {
    return this.value;
  }

  toString(): string {
    return `Duration{value=${this.value}}`;
  }
}
