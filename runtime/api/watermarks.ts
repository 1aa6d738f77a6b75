/**
 * How a stream gets event time: a timestamp per record and watermarks that promise no record
 * older than the watermark will follow (bounded out-of-orderness, as Flink's forBoundedOutOfOrderness).
 */
export interface WatermarkStrategy<T> {
  /** Event time of a record in ms. Without it the upstream timestamp is kept. */
  timestamp?: (value: T, previousTimestamp: number) => number;
  /** How late (ms) a record may be relative to the highest timestamp seen. Default 0. */
  maxOutOfOrdernessMs?: number;
  /** Declare the input idle after this long without records, so it stops holding watermarks back. */
  idleTimeoutMs?: number;
  /**
   * What the end of a bounded input does to event time. 'flush' (default): the watermark jumps to
   * the end of time and every pending window fires. 'hold': the watermark stops at what the records
   * seen prove (max − bound − 1), so windows past it never fire, as on an unbounded stream that went
   * quiet (Storm's event-time windows evaluate only on watermarks; the migration keeps that).
   */
  endOfInput?: 'flush' | 'hold';
}
