import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocalCluster, RuntimeException, TopologyBuilder, type Conf } from '../../../compat/index.ts';
import { FnBolt, FnSpout } from '../executor/fn-components.ts';

const WORDS = ['a', 'b', 'poison', 'c'];

/** A spout that replays its words from the start on every incarnation, and a bolt that emits on an undeclared stream for 'poison'. */
function topology(seen: string[]) {
  const b = new TopologyBuilder();
  b.setSpout(
    'words',
    new FnSpout({
      next(_ctx, c) {
        const self = this as unknown as { i?: number };
        const i = self.i ?? 0;
        if (i >= WORDS.length) return;
        self.i = i + 1;
        c.emit([WORDS[i]]);
      },
    }),
  );
  b.setBolt(
    'echo',
    new FnBolt({
      execute(t, c) {
        const word = t.getString(0);
        seen.push(word);
        // Storm's own error: emitting on a stream the bolt never declared.
        if (word === 'poison') c.emit('nowhere', [word]);
      },
    }),
    1,
  ).shuffleGrouping('words');
  return b.createTopology();
}

/** Spout 'sensor' throws Storm's RuntimeException on every nextTuple; `calls` counts them. */
function brokenSpout() {
  let n = 0;
  const b = new TopologyBuilder();
  b.setSpout(
    'sensor',
    new FnSpout({
      next() {
        n++;
        throw new RuntimeException('sensor offline');
      },
    }),
  );
  b.setBolt('echo', new FnBolt({ execute() {} }), 1).shuffleGrouping('sensor');
  return { topology: b.createTopology(), calls: () => n };
}

async function runUntilStopped(conf: Conf, seen: string[]): Promise<string[]> {
  const logs: string[] = [];
  const cluster = new LocalCluster({ log: (level, message) => logs.push(`${level}: ${message}`) });
  try {
    await cluster.submitTopology('poisoned', conf, topology(seen));
    await cluster.whenStopped('poisoned');
  } finally {
    await cluster.shutdown();
  }
  return logs;
}

describe('Storm errors that recur on every restart', () => {
  it("default: the topology stops after the same tuple failed 3 times in the same bolt; Storm's message is logged per restart, its stack once", async () => {
    const seen: string[] = [];
    const logs = await runUntilStopped({}, seen);
    expect(seen.filter((w) => w === 'poison')).toHaveLength(3);
    const reported = logs.filter((l) => l.includes('reported error'));
    expect(reported).toHaveLength(3);
    const withStack = reported.filter((l) => /\n\s+at /.test(l));
    expect(withStack).toHaveLength(1);
    for (const line of reported) expect(line).toMatch(/nowhere/);
    const stopped = logs.filter((l) => l.includes('topology poisoned stopped'));
    expect(stopped).toHaveLength(1);
    expect(stopped[0]).toMatch(/poison record: operator 'echo' failed 3 times on record \["poison"\]/);
  });

  it("conf 'stormshift.poison.components': {echo: 'skip'} diverts the tuple and the topology keeps running", async () => {
    const seen: string[] = [];
    const logs: string[] = [];
    const cluster = new LocalCluster({ log: (level, message) => logs.push(`${level}: ${message}`) });
    try {
      await cluster.submitTopology(
        'poisoned',
        { 'stormshift.poison.components': { echo: 'skip' }, 'stormshift.poison.attempts': 2 },
        topology(seen),
      );
      // Event: the word after the poison one arrives (only possible once the poison tuple is skipped).
      while (!seen.includes('c')) await new Promise((r) => setTimeout(r, 5));
      expect(cluster.isAlive('poisoned')).toBe(true);
    } finally {
      await cluster.shutdown();
    }
    expect(seen.filter((w) => w === 'poison').length).toBeGreaterThanOrEqual(2);
    expect(logs.some((l) => l.includes("dead letter from 'echo'") && l.includes('poison'))).toBe(true);
  });

  it("conf 'stormshift.poison.dead.letter.dir' sends the skipped tuple to that directory (no checkpointing: appended as it happens)", async () => {
    const seen: string[] = [];
    const dir = mkdtempSync(join(tmpdir(), 'stormshift-storm-dead-'));
    const cluster = new LocalCluster({ log: () => {} });
    try {
      await cluster.submitTopology(
        'poisoned',
        {
          'stormshift.poison.components': { echo: 'skip' },
          'stormshift.poison.attempts': 2,
          'stormshift.poison.dead.letter.dir': dir,
        },
        topology(seen),
      );
      // Event: the word after the poison one arrives (only possible once the poison tuple is skipped).
      while (!seen.includes('c')) await new Promise((r) => setTimeout(r, 5));
    } finally {
      await cluster.shutdown();
    }
    const lines = readFileSync(join(dir, 'dead-letters.jsonl'), 'utf8').split('\n').filter(Boolean);
    rmSync(dir, { recursive: true, force: true });
    expect(lines.map((l) => JSON.parse(l) as Record<string, unknown>)).toEqual([
      expect.objectContaining({ operator: 'echo', record: ['poison'], attempts: 2 }),
    ]);
  });

  it("a spout that throws on every nextTuple: Storm's message once per restart, its stack once, then the topology stops naming the spout", async () => {
    const { topology: broken, calls } = brokenSpout();
    const logs: string[] = [];
    const cluster = new LocalCluster({ log: (level, message) => logs.push(`${level}: ${message}`) });
    try {
      await cluster.submitTopology('broken-spout', {}, broken);
      await cluster.whenStopped('broken-spout');
    } finally {
      await cluster.shutdown();
    }
    expect(calls()).toBe(3);
    const reported = logs.filter((l) => l.includes('reported error'));
    expect(reported).toHaveLength(3);
    for (const line of reported) expect(line).toMatch(/broken-spout\/sensor:\d+ reported error: .*sensor offline/);
    expect(reported.filter((l) => /\n\s+at /.test(l))).toHaveLength(1);
    const stopped = logs.filter((l) => l.includes('topology broken-spout stopped'));
    expect(stopped).toHaveLength(1);
    expect(stopped[0]).toMatch(/poison source: source 'sensor' failed 3 times in a row .*: sensor offline/);
  });

  it("conf 'stormshift.poison.components': {sensor: 'restart'} keeps restarting a throwing spout (logged each time)", async () => {
    const { topology: broken, calls } = brokenSpout();
    const logs: string[] = [];
    const cluster = new LocalCluster({ log: (level, message) => logs.push(`${level}: ${message}`) });
    try {
      await cluster.submitTopology(
        'broken-spout',
        { 'stormshift.poison.components': { sensor: 'restart' }, 'stormshift.poison.attempts': 2 },
        broken,
      );
      // Event: the fourth failure, past the point where 'fail' would have stopped it.
      while (calls() < 4) await new Promise((r) => setTimeout(r, 5));
      expect(cluster.isAlive('broken-spout')).toBe(true);
    } finally {
      await cluster.shutdown();
    }
    expect(
      logs.some(
        (l) => l.includes("poison source: source 'sensor' failed 2 times in a row") && l.includes("policy 'restart'"),
      ),
    ).toBe(true);
  });
});
