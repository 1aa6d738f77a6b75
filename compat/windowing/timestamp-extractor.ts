import type { Tuple } from '../component/tuple.ts';

/** Extracts a tuple's event time in milliseconds (Storm's `TimestampExtractor`). */
export interface TimestampExtractor {
  extractTimestamp(tuple: Tuple): number;
}

/** Reads the timestamp from an integer-ms tuple field (`getLongByField`, so a non-integer value throws). */
export class TupleFieldTimestampExtractor implements TimestampExtractor {
  private constructor(private readonly fieldName: string) {}

  static of(fieldName: string): TupleFieldTimestampExtractor {
    return new TupleFieldTimestampExtractor(fieldName);
  }

  extractTimestamp(tuple: Tuple): number {
    return tuple.getLongByField(this.fieldName);
  }

  toString(): string {
    return `TupleFieldTimestampExtractor{fieldName='${this.fieldName}'}`;
  }
}
