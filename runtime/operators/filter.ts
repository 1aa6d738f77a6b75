import { StreamOperator } from '../api/operator.ts';
import type { FilterFunction } from '../api/functions.ts';
import { userError } from './user-error.ts';

export class FilterOperator<T> extends StreamOperator<T, T> {
  constructor(private readonly predicate: FilterFunction<T>) {
    super();
  }

  processElement(value: T, timestamp: number): void {
    let keep: boolean;
    try {
      keep = this.predicate(value);
    } catch (error) {
      throw userError(this.context.operatorName, value, error);
    }
    if (keep) this.output.collect(value, timestamp);
  }
}
