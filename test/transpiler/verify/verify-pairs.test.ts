/**
 * verify on hand-written original/rewrite pairs: a correct rewrite verifies equal, a broken one
 * is reported different with the records that differ, a crashing or mis-wired one as an error
 * that says which side and what. Each verification runs real side processes (compat and native).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatVerdicts, verifyMigration, verifyTopology } from '../../../transpiler/verify/index.ts';

const root = resolve(import.meta.dirname, '../../..');
const fixture = (name: string): string => resolve(import.meta.dirname, 'fixtures', name);
const sample = (name: string): string => resolve(root, 'samples/storm', name);

// The timeout only catches a hang: each test starts compat and native processes, slow on a loaded machine.
describe('verify on hand-written pairs', { timeout: 300_000 }, () => {
  it('says equal for a correct rewrite of exclamation, comparing what reaches and leaves the terminal bolt', async () => {
    const v = await verifyTopology({
      original: sample('exclamation.ts'),
      rewrite: fixture('exclamation.native.ts'),
      records: 60,
    });
    expect(v.status, formatVerdicts([v])).toBe('equal');
    expect(v.replayed).toEqual({ word: 60 });
    const exclaim2 = v.sinks.filter((s) => s.component === 'exclaim2');
    expect(exclaim2.map((s) => s.what)).toEqual(['input', { stream: 'default' }]);
    for (const s of exclaim2) expect([s.original, s.rewrite]).toEqual([60, 60]);
  });

  it('says different for a broken rewrite and shows the first differing records of each side', async () => {
    const v = await verifyTopology({
      original: sample('exclamation.ts'),
      rewrite: fixture('exclamation.broken.ts'),
      records: 60,
    });
    expect(v.status).toBe('different');
    const diff = v.sinks.find((s) => !s.equal)!;
    expect(diff.component).toBe('exclaim2');
    expect(diff.what).toEqual({ stream: 'default' });
    expect(diff.onlyInOriginal).toContainEqual({ word: 'mike!!!!!!' });
    expect(diff.onlyInRewrite).toContainEqual({ word: 'mike!!!!!' });
    const text = formatVerdicts([v]);
    expect(text).toMatch(/^DIFFERENT/);
    expect(text).toContain('only in rewrite:  {"word":"mike!!!!!"}');
  });

  it('says equal for a keyed word count (fields grouping → keyBy, per-word running counts)', async () => {
    const v = await verifyTopology({
      original: sample('word-count.ts'),
      rewrite: fixture('word-count.native.ts'),
      records: 40,
    });
    expect(v.status, formatVerdicts([v])).toBe('equal');
    const counts = v.sinks.find((s) => s.component === 'count' && s.what !== 'input')!;
    // Every word of 40 sentences is counted once: at least 4 words per sentence.
    expect(counts.original).toBeGreaterThanOrEqual(160);
    expect(counts.rewrite).toBe(counts.original);
  });

  it('names the first component whose emits differ when the difference starts upstream of the terminal bolt', async () => {
    const v = await verifyTopology({
      original: sample('exclamation.ts'),
      rewrite: fixture('exclamation.broken-first.ts'),
      records: 30,
    });
    expect(v.status).toBe('different');
    expect(v.message).toMatch(
      /^the first component whose emits differ is 'exclaim1' \(stream 'default'; 30 original, 30 rewrite; only in original: \{"word":"\w+!!!"\}\)/,
    );
  });

  it('verifies a dry-run migration: the rewrite exists only in the changes map, materialized in a temp copy', async () => {
    const path = sample('exclamation.ts');
    // The rewrite that is wrong on every word: one that is wrong on 'mike' only verified EQUAL on the
    // 0.8^30 ≈ 0.1% of replays whose 30 random words hold no 'mike'.
    const after = readFileSync(fixture('exclamation.broken-first.ts'), 'utf8').replaceAll(
      '../../../../runtime/',
      '../../runtime/',
    );
    const changes = new Map([[path, { before: readFileSync(path, 'utf8'), after }]]);
    const [v] = await verifyMigration({ root, changes, topologies: [path], records: 30, compile: false });
    expect(v!.topology).toBe('samples/storm/exclamation.ts');
    // The file on disk is the original; verify ran the broken rewrite from the changes map.
    expect(v!.status, formatVerdicts([v!])).toBe('different');
  });

  it('does not run a rewrite that does not type-check, and says where it fails', async () => {
    const path = sample('exclamation.ts');
    const after = readFileSync(fixture('exclamation.native.ts'), 'utf8')
      .replaceAll('../../../../runtime/', '../../runtime/')
      .replace("({ word: t.word + '!!!' }), { name: 'exclaim1'", "({ word: t.word * 3 }), { name: 'exclaim1'");
    const changes = new Map([[path, { before: readFileSync(path, 'utf8'), after }]]);
    const [v] = await verifyMigration({ root, changes, topologies: [path], records: 10 });
    expect(v!.status).toBe('error');
    expect(v!.message).toMatch(
      /^the rewrite does not type-check:\nsamples\/storm\/exclamation\.ts:\d+:\d+: The left-hand side of an arithmetic operation/,
    );
  });

  it('proves tick-driven output equal by ticking both sides on one simulated clock', async () => {
    const v = await verifyTopology({
      original: fixture('tick-only.storm.ts'),
      rewrite: fixture('tick-only.native.ts'),
      records: 20,
    });
    expect(v.status, formatVerdicts([v])).toBe('equal');
    // The clock runs 10 s plus twice the 60 s period past the last word: two ticks, each after all 20 words.
    expect(v.timed!.simulatedMs).toBeGreaterThanOrEqual(130_000);
    const emitted = v.sinks.find((s) => s.component === 'counter' && s.what !== 'input');
    expect(emitted, formatVerdicts([v])).toMatchObject({ original: 2, rewrite: 2, equal: true, tickDriven: false });
    expect(v.message).toContain('one simulated clock');
  });

  it('calls a rewrite whose timer period differs from the tick frequency different', async () => {
    const v = await verifyTopology({
      original: fixture('tick-only.storm.ts'),
      rewrite: fixture('tick-only.wrong-period.native.ts'),
      records: 20,
    });
    expect(v.status, formatVerdicts([v])).toBe('different');
    const emitted = v.sinks.find((s) => s.component === 'counter' && s.what !== 'input');
    // Every 30 s instead of 60 s: twice the totals the original emitted.
    expect(emitted, formatVerdicts([v])).toMatchObject({ original: 2, rewrite: 4, equal: false });
    expect(emitted!.onlyInRewrite).toEqual([{ seen: 20 }, { seen: 20 }]);
  });

  it('calls timers due one period after the subtask opened equal: Storm ticks from the task start', async () => {
    const v = await verifyTopology({
      original: fixture('tick-instants.storm.ts'),
      rewrite: fixture('tick-instants.native.ts'),
      records: 20,
    });
    expect(v.status, formatVerdicts([v])).toBe('equal');
    const emitted = v.sinks.find((s) => s.component === 'clock' && s.what !== 'input')!;
    // One tick a second for 10 s plus twice the period past the last word.
    expect(emitted.original, formatVerdicts([v])).toBeGreaterThanOrEqual(12);
  });

  it('calls timers aligned to whole seconds of the epoch different: the instants are not Storm ticks', async () => {
    const v = await verifyTopology({
      original: fixture('tick-instants.storm.ts'),
      rewrite: fixture('tick-instants.epoch.native.ts'),
      records: 20,
    });
    expect(v.status, formatVerdicts([v])).toBe('different');
    const emitted = v.sinks.find((s) => s.component === 'clock' && s.what !== 'input')!;
    // The clock starts 123 ms past a whole second: Storm's ticks keep that offset, the epoch-aligned timers do not.
    expect(emitted.onlyInOriginal.length).toBeGreaterThan(0);
    for (const r of emitted.onlyInOriginal as Array<{ at: number }>) expect(r.at % 1000).toBe(123);
    for (const r of emitted.onlyInRewrite as Array<{ at: number }>) expect(r.at % 1000).toBe(0);
  });

  it("calls processing-time windows aligned to the subtask's start equal: Storm's trigger fires every slide from the task start", async () => {
    const v = await verifyTopology({
      original: fixture('window-instants.storm.ts'),
      rewrite: fixture('window-instants.native.ts'),
      records: 20,
    });
    expect(v.status, formatVerdicts([v])).toBe('equal');
    expect(v.timed).toBeDefined();
    const emitted = v.sinks.find((s) => s.component === 'window' && s.what !== 'input')!;
    // Twenty words a few hundred ms apart fill windows over several seconds, each firing once a second.
    expect(emitted.original, formatVerdicts([v])).toBeGreaterThanOrEqual(3);
  });

  it('calls processing-time windows aligned to the epoch different: they fire at other instants than Storm', async () => {
    const v = await verifyTopology({
      original: fixture('window-instants.storm.ts'),
      rewrite: fixture('window-instants.epoch.native.ts'),
      records: 20,
    });
    expect(v.status, formatVerdicts([v])).toBe('different');
    const emitted = v.sinks.find((s) => s.component === 'window' && s.what !== 'input')!;
    // The clock starts 123 ms past a whole second: Storm's windows fire at that offset, epoch-aligned ones a ms before whole seconds.
    expect(emitted.onlyInOriginal.length).toBeGreaterThan(0);
    for (const r of emitted.onlyInOriginal as Array<{ at: number }>) expect(r.at % 1000).toBe(123);
    for (const r of emitted.onlyInRewrite as Array<{ at: number }>) expect(r.at % 1000).toBe(999);
  });

  it('reports a rewrite that crashes on the replayed input as an error of the rewrite side', async () => {
    const v = await verifyTopology({
      original: sample('exclamation.ts'),
      rewrite: fixture('exclamation.crash.ts'),
      records: 20,
    });
    expect(v.status).toBe('error');
    expect(v.message).toMatch(/the rewrite \(native\) failed/);
    expect(v.message).toMatch(/cannot exclaim (nathan|mike|jackson|golda|bertels)!!!/);
  });

  it('reports a rewrite without the terminal bolt uid as an error naming the uid', async () => {
    const v = await verifyTopology({
      original: sample('exclamation.ts'),
      rewrite: fixture('exclamation.no-uid.ts'),
      records: 20,
    });
    expect(v.status).toBe('error');
    expect(v.message).toContain("no operator with uid 'exclaim2'");
  });
});
