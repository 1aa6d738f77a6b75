import { afterEach, describe, expect, it } from 'vitest';
import { Fields, LocalCluster, TopologyBuilder } from '../../../compat/index.ts';
import { waitFor } from '../e2e/fixtures.ts';
import {
  NodeCountBolt,
  PySplitBolt,
  RESOURCES,
  RecorderBolt,
  SentenceSpout,
  expectedCounts,
  newRecord,
  record,
} from './components.ts';

let cluster: LocalCluster | undefined;
afterEach(async () => {
  await cluster?.shutdown();
  cluster = undefined;
});

function finalCounts(id: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const t of record(id).tuples) {
    if (t.source !== 'count') continue;
    const [w, n] = t.values as [string, number];
    m.set(w, Math.max(m.get(w) ?? 0, n));
  }
  return m;
}

describe('multilang word count (Python spout and split bolt, Node counter)', () => {
  it('counts every word of every sentence; a sentence failed by the shell bolt is replayed and acked', async () => {
    const rec = newRecord();
    const b = new TopologyBuilder();
    b.setSpout('sentences', new SentenceSpout());
    b.setBolt('split', new PySplitBolt(), 2).shuffleGrouping('sentences');
    b.setBolt('count', new NodeCountBolt(), 2).fieldsGrouping('split', new Fields('word'));
    b.setBolt('out', new RecorderBolt(rec)).shuffleGrouping('count').shuffleGrouping('sentences', 'verdicts');
    cluster = new LocalCluster();
    await cluster.submitTopology(
      'ml-word-count',
      { 'stormshift.multilang.code.dir': RESOURCES, 'test.sentences': 20, 'test.fail.once': [3, 11] },
      b.createTopology(),
    );
    const verdicts = (): Array<[string, number]> =>
      record(rec)
        .tuples.filter((t) => t.stream === 'verdicts')
        .map((t) => t.values as [string, number]);
    await waitFor(
      () =>
        new Set(
          verdicts()
            .filter(([v]) => v === 'ack')
            .map(([, id]) => id),
        ).size === 20,
      30_000,
      '20 acked sentences',
    );
    expect(
      verdicts()
        .filter(([v]) => v === 'fail')
        .map(([, id]) => id)
        .sort(),
    ).toEqual([11, 3]);
    const expected = expectedCounts(20);
    await waitFor(() => [...expected].every(([w, n]) => finalCounts(rec).get(w) === n), 10_000, 'final counts');
    expect(finalCounts(rec)).toEqual(expected);
    const errors = cluster
      .getTopologyRun('ml-word-count')!
      .errors.map((e) => `${e.componentId}: ${String((e.error as Error).message)}`);
    expect(errors).toHaveLength(2);
    for (const e of errors)
      expect(e).toMatch(/^split: Shell Process Exception: Traceback .*ValueError: refusing sentence (3|11) once/s);
  });
});
