/** Storm's `FixedTuple`: a stream id and a value list, as mocked inputs and captured outputs. */
import { Utils } from '../component/utils.ts';
import { javaToString } from '../component/java-format.ts';

export class FixedTuple {
  stream: string;
  values: unknown[];

  constructor(values: readonly unknown[]);
  constructor(stream: string, values: readonly unknown[]);
  constructor(a: string | readonly unknown[], b?: readonly unknown[]) {
    if (typeof a === 'string') {
      this.stream = a;
      this.values = [...(b ?? [])];
    } else {
      this.stream = Utils.DEFAULT_STREAM_ID;
      this.values = [...a];
    }
  }

  toString(): string {
    return `${this.stream}:<${javaToString(this.values)}>`;
  }
}
