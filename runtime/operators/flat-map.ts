import type { FlatMapFunction } from '../api/functions.ts';
import { StormshiftError } from '../errors.ts';
import { CollectingOperator } from './collecting-operator.ts';
import { userError } from './user-error.ts';

export class FlatMapOperator<IN, OUT> extends CollectingOperator<IN, OUT> {
  // One bound emitter for the operator's life: no closure is created per record.
  private readonly emit = (value: OUT): void => this.output.collect(value, this.emitTimestamp);

  constructor(private readonly fn: FlatMapFunction<IN, OUT>) {
    super();
  }

  processElement(value: IN, timestamp: number): void {
    this.emitTimestamp = timestamp;
    try {
      this.fn(value, this.emit);
    } catch (error) {
      // Errors from downstream operators are theirs; only wrap what the function itself threw.
      if (error instanceof StormshiftError) throw error;
      throw userError(this.context.operatorName, value, error);
    }
  }
}
