import { BroadcastChannel, threadId } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalCluster, type Conf } from '../../../compat/index.ts';
import { buildTopology, SENTENCES, type Report } from '../../fixtures/compat/worker-topologies.ts';

const MODULE = new URL('../../fixtures/compat/worker-topologies.ts', import.meta.url).href;
let serial = 0;
const open: Array<{ cluster: LocalCluster; channel: BroadcastChannel }> = [];

afterEach(async () => {
  for (const { cluster, channel } of open.splice(0)) {
    channel.close();
    await cluster.shutdown();
  }
});

/**
 * Submits a fixture topology on `workers` worker threads (1 = this thread) and returns its
 * reports; `until` is checked on every report and resolves `done`: the wait is on messages only.
 */
async function submit(
  kind: string,
  workers: number,
  conf: Conf,
  until: (reports: Report[]) => boolean,
): Promise<{ reports: Report[]; done: Promise<void> }> {
  const name = `workers-${kind}-${workers}-${++serial}`;
  const channelName = `stormshift-test-${process.pid}-${name}`;
  const channel = new BroadcastChannel(channelName);
  const cluster = new LocalCluster({ log: () => {} });
  open.push({ cluster, channel });
  const reports: Report[] = [];
  const done = new Promise<void>((resolve) => {
    channel.onmessage = (event) => {
      reports.push((event as MessageEvent).data as Report);
      if (until(reports)) resolve();
    };
  });
  await cluster.submitTopology(
    name,
    {
      'topology.workers': workers,
      'stormshift.topology.module': MODULE,
      'stormshift.topology.args': [kind, name],
      'test.channel': channelName,
      ...conf,
    },
    buildTopology(kind),
  );
  return { reports, done };
}

function expectedCounts(sentences: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (let i = 0; i < sentences; i++)
    for (const w of SENTENCES[i % SENTENCES.length]!.split(' ')) counts.set(w, (counts.get(w) ?? 0) + 1);
  return counts;
}

const acks = (reports: Report[]): Array<Extract<Report, { t: 'ack' }>> =>
  reports.filter((r): r is Extract<Report, { t: 'ack' }> => r.t === 'ack');

type Arrival = Extract<Report, { t: 'local' }>;
const arrivals = (rs: Report[]): Arrival[] => rs.filter((r): r is Arrival => r.t === 'local');

/** The local-or-shuffle topology on `workers` threads, until every sentence is acked and has arrived. */
async function runLocalOrShuffle(workers: number, sentences: number): Promise<{ reports: Report[]; got: Arrival[] }> {
  const { reports, done } = await submit('local-or-shuffle', workers, { 'test.sentences': sentences }, (rs) => {
    return acks(rs).length >= sentences && arrivals(rs).length >= sentences;
  });
  await done;
  return { reports, got: arrivals(reports) };
}

describe('topology.workers: a topology spread over worker threads keeps Storm semantics', () => {
  it('a word count with acking on 2 workers counts, routes and acks as on 1', async () => {
    const sentences = 1500;
    const words = [...expectedCounts(sentences).values()].reduce((a, b) => a + b, 0);
    const runs: Array<{ counts: Map<string, number>; taskOfWord: Map<string, number>; reports: Report[] }> = [];
    for (const workers of [1, 2]) {
      const { reports, done } = await submit(
        'word-count',
        workers,
        // One acker either way: with topology.acker.executors unset Storm runs one acker per worker,
        // and acker tasks take ids, so the layouts would differ in Storm too (§4).
        { 'test.sentences': sentences, 'topology.max.spout.pending': 200, 'topology.acker.executors': 1 },
        (rs) => acks(rs).length >= sentences && rs.filter((r) => r.t === 'count').length >= words,
      );
      await done;
      const counts = new Map<string, number>();
      const taskOfWord = new Map<string, number>();
      for (const r of reports) {
        if (r.t !== 'count') continue;
        counts.set(r.word, Math.max(counts.get(r.word) ?? 0, r.c));
        expect(taskOfWord.get(r.word) ?? r.task, `word '${r.word}' reached two count tasks`).toBe(r.task);
        taskOfWord.set(r.word, r.task);
      }
      runs.push({ counts, taskOfWord, reports });
    }
    const [one, two] = runs;
    expect(two!.counts).toEqual(expectedCounts(sentences));
    expect(two!.counts).toEqual(one!.counts);
    // Same task ids, same fields-grouping routing: every word went to the same task id as on 1 worker.
    expect(two!.taskOfWord).toEqual(one!.taskOfWord);
    // Every message id acked once, on the thread its spout task opened on; none failed.
    const ids = acks(two!.reports).map((r) => r.id);
    expect(new Set(ids).size).toBe(sentences);
    expect(ids.length).toBe(sentences);
    expect(two!.reports.filter((r) => r.t === 'fail')).toEqual([]);
    const spoutThread = new Map<number, number>();
    for (const r of two!.reports) if (r.t === 'open') spoutThread.set(r.task, r.thread);
    expect(new Set(spoutThread.values()).size, 'the two spout tasks share a thread').toBe(2);
    expect([...spoutThread.values()]).not.toContain(threadId);
    for (const r of acks(two!.reports)) expect(r.thread).toBe(spoutThread.get(r.task));
  }, 120_000);

  it('a bolt failing tuples on another thread makes the spout fail and replay them, then ack once', async () => {
    const sentences = 200;
    const { reports, done } = await submit(
      'fail-replay',
      2,
      { 'test.sentences': sentences },
      (rs) => acks(rs).length >= sentences,
    );
    await done;
    const spoutOpen = reports.find((r) => r.t === 'open')!;
    const failedHere = reports.filter((r): r is Extract<Report, { t: 'failed-here' }> => r.t === 'failed-here');
    const fails = reports.filter((r): r is Extract<Report, { t: 'fail' }> => r.t === 'fail');
    expect(failedHere.length).toBeGreaterThan(0);
    // The failing bolt task ran on the other worker thread than the spout.
    for (const f of failedHere) expect(f.thread).not.toBe(spoutOpen.thread);
    expect(fails.map((f) => f.id).sort((a, b) => a - b)).toEqual(failedHere.map((f) => f.id).sort((a, b) => a - b));
    for (const f of fails) expect(f.thread).toBe(spoutOpen.thread);
    const acked = acks(reports).map((r) => r.id);
    expect(acked.length).toBe(sentences);
    expect(new Set(acked).size).toBe(sentences);
    for (const r of acks(reports)) expect(r.thread).toBe(spoutOpen.thread);
  }, 120_000);

  it('tick tuples reach bolt tasks on every worker thread', async () => {
    const { reports, done } = await submit('ticks', 2, { 'test.sentences': 0 }, (rs) => {
      const tasks = new Set(rs.filter((r) => r.t === 'tick').map((r) => (r as { task: number }).task));
      return tasks.size === 2;
    });
    await done;
    const ticks = reports.filter((r): r is Extract<Report, { t: 'tick' }> => r.t === 'tick');
    expect(new Set(ticks.map((t) => t.thread)).size).toBe(2);
    expect(ticks.map((t) => t.thread)).not.toContain(threadId);
  }, 120_000);

  it('localOrShuffleGrouping keeps tuples on the sending worker thread, spread over its tasks there', async () => {
    const sentences = 400;
    const { reports, got } = await runLocalOrShuffle(2, sentences);
    const spoutThread = new Map<number, number>();
    for (const r of reports) if (r.t === 'open') spoutThread.set(r.task, r.thread);
    expect(new Set(spoutThread.values()).size).toBe(2);
    expect(got.length).toBe(sentences);
    // Storm's local-or-shuffle: a task on the sender's worker whenever the worker has one.
    for (const r of got) expect(r.thread, `tuple from task ${r.from} left its worker`).toBe(spoutThread.get(r.from));
    // Both 'where' tasks on each worker take a share (shuffle among the local ones).
    expect(new Set(got.map((r) => r.task)).size).toBe(4);
    // getThisWorkerTasks() names the tasks of this worker only: its spout task and two 'where' tasks
    // (plus an acker task on one of them), never a task seen on the other thread.
    for (const r of got) {
      expect(r.workerTasks).toContain(r.from);
      expect(r.workerTasks).toContain(r.task);
      const elsewhere = got.filter((o) => o.thread !== r.thread).map((o) => o.task);
      for (const t of elsewhere) expect(r.workerTasks).not.toContain(t);
    }
  }, 120_000);

  it('localOrShuffleGrouping on one worker spreads over every task', async () => {
    const { got } = await runLocalOrShuffle(1, 400);
    // Every spout task reaches all four tasks: on one thread all of them are local.
    for (const from of new Set(got.map((r) => r.from)))
      expect(new Set(got.filter((r) => r.from === from).map((r) => r.task)).size).toBe(4);
  }, 120_000);

  it('names the component a worker cannot rebuild', async () => {
    const cluster = new LocalCluster({ log: () => {} });
    open.push({ cluster, channel: new BroadcastChannel('unused') });
    const topology = buildTopology('ticks');
    await expect(
      cluster.submitTopology(
        'workers-mismatch',
        {
          'topology.workers': 2,
          'stormshift.topology.module': MODULE,
          // The module builds a word count under this name: no 'ticks' component there.
          'stormshift.topology.args': ['word-count', 'workers-mismatch'],
          'test.channel': 'unused',
          'test.sentences': 0,
        },
        topology,
      ),
    ).rejects.toThrow(/component 'ticks' of topology 'workers-mismatch' cannot be loaded in a worker thread/);
  }, 120_000);
});
