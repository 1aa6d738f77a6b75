/** Storm's `MockedSources`: fixed tuples per spout id that `Testing.completeTopology` feeds instead of the spout. */
import { Utils } from '../component/utils.ts';
import { FixedTuple } from './fixed-tuple.ts';

export class MockedSources {
  private readonly data: Map<string, FixedTuple[]>;

  constructor(data?: Map<string, FixedTuple[]> | Record<string, FixedTuple[]>) {
    this.data = new Map();
    if (data != null) {
      const entries = data instanceof Map ? data.entries() : Object.entries(data);
      for (const [k, v] of entries) this.data.set(k, [...v]);
    }
  }

  /** `addMockData(spoutId, [streamId,] ...values)`: a string after the spout id is the stream (R2). */
  addMockData(spoutId: string, streamId: string, ...valueses: ReadonlyArray<readonly unknown[]>): void;
  addMockData(spoutId: string, ...valueses: ReadonlyArray<readonly unknown[]>): void;
  addMockData(spoutId: string, ...rest: unknown[]): void {
    let streamId: string = Utils.DEFAULT_STREAM_ID;
    if (typeof rest[0] === 'string') streamId = rest.shift() as string;
    let tuples = this.data.get(spoutId);
    if (tuples === undefined) this.data.set(spoutId, (tuples = []));
    for (const values of rest) {
      if (!Array.isArray(values))
        throw new TypeError(`addMockData: mock data for '${spoutId}' must be value arrays (new Values(...))`);
      tuples.push(new FixedTuple(streamId, values));
    }
  }

  getData(): Map<string, FixedTuple[]> {
    return this.data;
  }
}
