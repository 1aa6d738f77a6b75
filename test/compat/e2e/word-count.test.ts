import { describe, expect, it } from 'vitest';
import { Config, LocalCluster, TopologyBuilder, Fields } from '../../../compat/index.ts';
import {
  ExclamationBolt,
  ListSpout,
  RecorderBolt,
  SplitSentence,
  WordCount,
  journal,
  newJournal,
  waitFor,
} from './fixtures.ts';
import { shutDownAfterEach } from '../cluster-per-test.ts';

let cluster: LocalCluster | undefined;
shutDownAfterEach(
  () => cluster,
  () => (cluster = undefined),
);

describe('end to end on LocalCluster', () => {
  it('runs the exclamation topology and acks every spout tuple once', async () => {
    const src = newJournal();
    const out = newJournal();
    const words = ['nathan', 'mike', 'jackson', 'golda', 'bertels'];
    const builder = new TopologyBuilder();
    builder.setSpout(
      'word',
      new ListSpout(
        src,
        words.map((w) => [w]),
      ),
      1,
    );
    builder.setBolt('exclaim1', new ExclamationBolt(), 3).shuffleGrouping('word');
    builder.setBolt('exclaim2', new ExclamationBolt(), 2).shuffleGrouping('exclaim1');
    builder.setBolt('sink', new RecorderBolt(out), 1).shuffleGrouping('exclaim2');
    cluster = new LocalCluster();
    await cluster.submitTopology('exclamation', new Config(), builder.createTopology());
    await waitFor(() => journal(src).acked.length === words.length, 10_000, 'acks');
    const received = journal(out)
      .received.map((r) => r.values[0])
      .sort();
    expect(received).toEqual(words.map((w) => `${w}!!!!!!`).sort());
    expect([...journal(src).acked].sort()).toEqual([0, 1, 2, 3, 4]);
    expect(journal(src).failed).toEqual([]);
  });

  it('counts words exactly with fields grouping, one task per word', async () => {
    const src = newJournal();
    const out = newJournal();
    const sentences = [
      'the cow jumped over the moon',
      'an apple a day keeps the doctor away',
      'four score and seven years ago',
      'the moon',
    ];
    const builder = new TopologyBuilder();
    builder.setSpout(
      'spout',
      new ListSpout(
        src,
        sentences.map((s) => [s]),
        { fields: ['sentence'] },
      ),
      2,
    );
    builder.setBolt('split', new SplitSentence(), 3).shuffleGrouping('spout');
    builder.setBolt('count', new WordCount(), 4).fieldsGrouping('split', new Fields('word'));
    builder.setBolt('sink', new RecorderBolt(out), 1).globalGrouping('count');
    cluster = new LocalCluster();
    const conf = new Config();
    conf.setNumAckers(2);
    await cluster.submitTopology('word-count', conf, builder.createTopology());
    await waitFor(() => journal(src).acked.length === sentences.length, 10_000, 'acks');
    const expected = new Map<string, number>();
    for (const s of sentences) for (const w of s.split(' ')) expected.set(w, (expected.get(w) ?? 0) + 1);
    const final = new Map<string, number>();
    for (const r of journal(out).received)
      final.set(r.values[0] as string, Math.max(final.get(r.values[0] as string) ?? 0, r.values[1] as number));
    expect(final).toEqual(expected);
    expect(journal(out).received.length).toBe([...expected.values()].reduce((a, b) => a + b, 0));
  });
});
