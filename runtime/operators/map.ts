import { StreamOperator } from '../api/operator.ts';
import type { MapFunction } from '../api/functions.ts';
import { userError } from './user-error.ts';

export class MapOperator<IN, OUT> extends StreamOperator<IN, OUT> {
  constructor(private readonly fn: MapFunction<IN, OUT>) {
    super();
  }

  processElement(value: IN, timestamp: number): void {
    let result: OUT;
    try {
      result = this.fn(value);
    } catch (error) {
      throw userError(this.context.operatorName, value, error);
    }
    this.output.collect(result, timestamp);
  }
}
