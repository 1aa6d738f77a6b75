import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  Fields,
  LocalCluster,
  ShellBolt,
  ShellSpout,
  TopologyBuilder,
  type OutputFieldsDeclarer,
} from '../../../compat/index.ts';
import { waitFor } from '../e2e/fixtures.ts';
import { RESOURCES, RecorderBolt, newRecord, record } from './components.ts';

let cluster: LocalCluster | undefined;
afterEach(async () => {
  await cluster?.shutdown();
  cluster = undefined;
});

class JsSpout extends ShellSpout {
  constructor() {
    super('node', 'js_spout.cjs');
  }
  declareOutputFields(d: OutputFieldsDeclarer): void {
    d.declare(new Fields('line'));
    d.declareStream('verdicts', new Fields('verdict', 'id'));
  }
}
class JsSplit extends ShellBolt {
  constructor() {
    super('node', 'js_split.cjs');
  }
  declareOutputFields(d: OutputFieldsDeclarer): void {
    d.declare(new Fields('word'));
  }
}

describe("storm.js-style Node components on stormshift's storm.js (none shipped in resources/)", () => {
  it('spout done() syncs, BasicBolt done() acks and done(err) fails, emit callbacks get task ids', async () => {
    expect(existsSync(join(RESOURCES, 'storm.js'))).toBe(false);
    const rec = newRecord();
    const b = new TopologyBuilder();
    b.setSpout('numbers', new JsSpout());
    b.setBolt('split', new JsSplit(), 2).shuffleGrouping('numbers');
    b.setBolt('out', new RecorderBolt(rec)).shuffleGrouping('split').shuffleGrouping('numbers', 'verdicts');
    cluster = new LocalCluster();
    await cluster.submitTopology(
      'ml-node-adapter',
      { 'stormshift.multilang.code.dir': RESOURCES, 'test.numbers': 8 },
      b.createTopology(),
    );
    const verdicts = (): Array<[string, number]> =>
      record(rec)
        .tuples.filter((t) => t.stream === 'verdicts')
        .map((t) => t.values as [string, number]);
    await waitFor(() => verdicts().length === 8, 30_000, 'a verdict for each of 8 tuples');
    expect(
      verdicts()
        .filter(([v]) => v === 'fail')
        .map(([, id]) => id),
    ).toEqual([4]);
    expect(
      verdicts()
        .filter(([v]) => v === 'ack')
        .map(([, id]) => id)
        .sort(),
    ).toEqual([0, 1, 2, 3, 5, 6, 7]);
    const words = record(rec)
      .tuples.filter((t) => t.source === 'split')
      .map((t) => t.values[0]);
    expect(words).toContain('x7');
    expect(words).not.toContain('x4');
  });
});
