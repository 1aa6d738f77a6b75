/**
 * Storm's `TupleCaptureBolt`: records every input as a `FixedTuple` under its source component.
 * The records live in a process-wide map keyed by a name chosen in the constructor, so the
 * per-task clones (R9) write where the test's reference reads, as Storm's static map does.
 */
import { randomUUID } from 'node:crypto';
import type { OutputCollector } from '../component/collectors.ts';
import type { Conf } from '../component/config.ts';
import type { TopologyContext } from '../component/context.ts';
import type { IRichBolt, OutputFieldsDeclarer } from '../component/interfaces.ts';
import type { Tuple } from '../component/tuple.ts';
import { FixedTuple } from './fixed-tuple.ts';

const emittedTuples = new Map<string, Map<string, FixedTuple[]>>();

export class TupleCaptureBolt implements IRichBolt {
  private readonly name: string;
  private collector!: OutputCollector;

  constructor() {
    this.name = randomUUID();
    emittedTuples.set(this.name, new Map());
  }

  prepare(_topoConf: Conf, _context: TopologyContext, collector: OutputCollector): void {
    this.collector = collector;
  }

  execute(input: Tuple): void {
    let results = emittedTuples.get(this.name);
    if (results === undefined) emittedTuples.set(this.name, (results = new Map()));
    const component = input.getSourceComponent();
    let tuples = results.get(component);
    if (tuples === undefined) results.set(component, (tuples = []));
    tuples.push(new FixedTuple(input.getSourceStreamId(), input.getValues()));
    this.collector.ack(input);
  }

  /** Captured tuples by source component (live view). */
  getResults(): Map<string, FixedTuple[]> {
    let results = emittedTuples.get(this.name);
    if (results === undefined) emittedTuples.set(this.name, (results = new Map()));
    return results;
  }

  cleanup(): void {}

  getAndRemoveResults(): Map<string, FixedTuple[]> {
    const results = emittedTuples.get(this.name) ?? new Map<string, FixedTuple[]>();
    emittedTuples.delete(this.name);
    return results;
  }

  getAndClearResults(): Map<string, FixedTuple[]> {
    const results = this.getResults();
    const ret = new Map(results);
    results.clear();
    return ret;
  }

  declareOutputFields(_declarer: OutputFieldsDeclarer): void {}

  getComponentConfiguration(): Conf | null {
    return null;
  }
}
