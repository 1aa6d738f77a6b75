import { NO_TIMESTAMP } from '../api/functions.ts';
import { StreamOperator } from '../api/operator.ts';
import type { Collector } from '../api/process-function.ts';

/**
 * An operator that is itself the Collector it hands to user code (Flink's TimestampedCollector):
 * what the function emits goes out stamped with `emitTimestamp`, the timestamp of the record or
 * timer being processed, which the operator sets before calling the function. One object, so no
 * collector is allocated per record.
 */
export abstract class CollectingOperator<IN, OUT> extends StreamOperator<IN, OUT> implements Collector<OUT> {
  protected emitTimestamp = NO_TIMESTAMP;

  collect(value: OUT): void {
    this.output.collect(value, this.emitTimestamp);
  }
}
