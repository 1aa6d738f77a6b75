/** A window length or sliding interval in tuples (`BaseWindowedBolt.Count`). */
export class Count {
  readonly value: number;
  /** Type-only brand: Count and Duration are otherwise structurally identical. */
  declare private readonly __brand: 'Count';

  constructor(value: number | bigint) {
    // Java's int parameter: fractional numbers truncate as an int cast would.
    this.value = Math.trunc(Number(value));
  }

  static of(value: number | bigint): Count {
    return new Count(value);
  }

  equals(o: unknown): boolean {
    return o instanceof Count && o.value === this.value;
  }

  hashCode(): number {
    return this.value;
  }

  toString(): string {
    return `Count{value=${this.value}}`;
  }
}
