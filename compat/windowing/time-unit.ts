/**
 * Java's `java.util.concurrent.TimeUnit`, reduced to what window builders need: converting a
 * duration to milliseconds. Sub-millisecond units truncate toward zero, as Java's `toMillis` does.
 */
export class TimeUnit {
  static readonly NANOSECONDS = new TimeUnit('NANOSECONDS', 1e-6);
  static readonly MICROSECONDS = new TimeUnit('MICROSECONDS', 1e-3);
  static readonly MILLISECONDS = new TimeUnit('MILLISECONDS', 1);
  static readonly SECONDS = new TimeUnit('SECONDS', 1000);
  static readonly MINUTES = new TimeUnit('MINUTES', 60_000);
  static readonly HOURS = new TimeUnit('HOURS', 3_600_000);
  static readonly DAYS = new TimeUnit('DAYS', 86_400_000);

  private constructor(
    private readonly unitName: string,
    private readonly msPerUnit: number,
  ) {}

  toMillis(duration: number | bigint): number {
    const d = Number(duration);
    if (this.msPerUnit >= 1) return d * this.msPerUnit;
    // Divide instead of multiplying by a fraction: 1e-3 is not exact in binary.
    return Math.trunc(d / Math.round(1 / this.msPerUnit));
  }

  name(): string {
    return this.unitName;
  }

  toString(): string {
    return this.unitName;
  }

  static values(): TimeUnit[] {
    return [
      TimeUnit.NANOSECONDS,
      TimeUnit.MICROSECONDS,
      TimeUnit.MILLISECONDS,
      TimeUnit.SECONDS,
      TimeUnit.MINUTES,
      TimeUnit.HOURS,
      TimeUnit.DAYS,
    ];
  }
}
