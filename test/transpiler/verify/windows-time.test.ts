/**
 * Windowed bolts on durations, proven by running both sides: the windows-time fixtures (a tumbling
 * and a sliding event-time window, lag, out-of-order timestamps within the lag; a sliding
 * processing-time window) are migrated in a temp project and `migrate --verify`'s replay compares
 * what each window bolt emitted on compat (Storm's watermark rules, its time trigger on the
 * simulated clock) with the native windows of the rewrite.
 */
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { migrate } from '../../../transpiler/index.ts';
import { formatVerdicts, verifyMigration } from '../../../transpiler/verify/index.ts';
import { removeSandbox, sandbox } from '../sandbox.ts';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '../fixtures');
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) removeSandbox(dir);
});

async function migrateFixture(fixture: string, edit?: (topology: string) => string) {
  const dir = sandbox();
  dirs.push(dir);
  cpSync(join(FIXTURES, fixture, 'input'), join(dir, 'src'), { recursive: true });
  const file = join(dir, 'src', 'topology.ts');
  if (edit) writeFileSync(file, edit(readFileSync(file, 'utf8')));
  const result = await migrate({ paths: ['src'], cwd: dir });
  return { result, after: result.changes.get(join(dir, 'src', 'topology.ts'))?.after ?? '' };
}

/** Migrates a fixture, verifies it with `records` replayed, and returns the one verdict with the rewrite's text. */
async function verifyFixture(fixture: string, records: number, edit?: (topology: string) => string) {
  const { result, after } = await migrateFixture(fixture, edit);
  const [verdict] = await verifyMigration({
    root: result.root,
    changes: result.changes,
    topologies: result.topologies,
    records,
  });
  return { verdict: verdict!, after, text: formatVerdicts([verdict!]) };
}

describe('event-time windows', { timeout: 300_000 }, () => {
  it('emit the same windows on compat and on the runtime for the same recorded input', async () => {
    const { verdict, after, text } = await verifyFixture('windows-time/event-time', 60);
    expect(after).toContain("endOfInput: 'hold'");
    expect(verdict.status, text).toBe('equal');
    // 60 words over 42 s of event time: tumbling 10 s windows up to the last watermark, and the sliding ones.
    const letters = verdict.sinks.find((s) => s.component === 'letters' && s.what !== 'input')!;
    const longest = verdict.sinks.find((s) => s.component === 'longest' && s.what !== 'input')!;
    expect(letters.original).toBeGreaterThanOrEqual(3);
    expect(longest.original).toBeGreaterThanOrEqual(10);
  });
});

describe('processing-time windows', { timeout: 300_000 }, () => {
  it("emit the same windows at the same instants on one simulated clock: the rewrite's windows align to the task start", async () => {
    const { verdict, after, text } = await verifyFixture('windows-time/processing-time', 30);
    expect(after).toContain("{ alignTo: 'start' }");
    expect(verdict.status, text).toBe('equal');
    expect(verdict.timed).toBeDefined();
    // 30 words over about 3 s, a 10 s window sliding by 5 s: the windows ending 5 s and 10 s after the start hold them.
    const count = verdict.sinks.find((s) => s.component === 'count' && s.what !== 'input')!;
    expect(count.original, text).toBeGreaterThanOrEqual(2);
  });
});

describe('processing-time JoinBolt', { timeout: 300_000 }, () => {
  it('verifies equal on one simulated clock: the joined rows are compared, not the wrapped records reaching the join', async () => {
    const { verdict, after, text } = await verifyFixture('join/processing-time', 30);
    expect(after).toContain("alignTo: 'start'");
    expect(verdict.status, text).toBe('equal');
    expect(verdict.timed).toBeDefined();
    const shown = verdict.sinks.find((s) => s.component === 'show' && s.what !== 'input')!;
    expect(shown.original, text).toBeGreaterThan(0);
  });

  it('verifies a join on three tasks, each input grouped on its join field, equal to the keyed rewrite', async () => {
    const { verdict, after, text } = await verifyFixture('join/processing-time-tasks', 40);
    expect(after).toContain(
      ".keyBy((tagged) => tagged.source === 'purchases' ? tagged.record.userId : tagged.record.viewer)",
    );
    expect(after).toContain("{ name: 'joiner', uid: 'joiner', parallelism: 3 }");
    expect(verdict.status, text).toBe('equal');
    // Compat ran the JoinBolt on its three tasks, the rewrite its keyed window on three subtasks.
    expect(verdict.message).toContain('but the JoinBolts (joiner on 3 tasks)');
    const shown = verdict.sinks.find((s) => s.component === 'show' && s.what !== 'input')!;
    // 40 purchases over 4 users, each left-joined with the ads its user saw in the same 1 s window: at least one row each.
    expect(shown.original, text).toBeGreaterThanOrEqual(40);
  });

  it("runs compat's JoinBolt on its three tasks: grouped off the join key it misses the rows the keyed rewrite finds", async () => {
    const { result } = await migrateFixture('join/processing-time-tasks');
    const [file, change] = [...result.changes].find(([path]) => path.endsWith('topology.ts'))!;
    // The same join, its inputs grouped on fields other than the join key: a purchase and an ad of
    // the same user meet only when compat's hash sends both to one task.
    const offKey = change.before
      .replace(
        ".fieldsGrouping('purchases', new Fields('userId'))",
        ".fieldsGrouping('purchases', new Fields('amount'))",
      )
      .replace(".fieldsGrouping('ads', new Fields('viewer'))", ".fieldsGrouping('ads', new Fields('adId'))");
    expect(offKey).not.toBe(change.before);
    const [verdict] = await verifyMigration({
      root: result.root,
      changes: new Map([[file, { before: offKey, after: change.after }]]),
      topologies: result.topologies,
      records: 40,
    });
    const text = formatVerdicts([verdict!]);
    expect(verdict!.status, text).toBe('different');
    const shown = verdict!.sinks.find((s) => s.component === 'show' && s.what !== 'input')!;
    // Every row only the rewrite has joined an ad; on one task compat would have joined them too.
    expect(shown.onlyInRewrite.length, text).toBeGreaterThan(0);
    for (const row of shown.onlyInRewrite as Array<{ line: string }>) expect(row.line).toMatch(/ ad\d+$/);
  });

  it('compares a terminal JoinBolt by its joined rows', async () => {
    const { verdict, text } = await verifyFixture('join/processing-time', 30, (topology) =>
      topology
        .replace(/export class Show[\s\S]*?\n}\n/, '')
        .replace("builder.setBolt('show', new Show()).shuffleGrouping('joiner');", ''),
    );
    expect(verdict.status, text).toBe('equal');
    const rows = verdict.sinks.filter((s) => s.component === 'joiner');
    expect(rows.map((s) => s.what)).toEqual([{ stream: 'default' }]);
    expect(rows[0]!.original, text).toBeGreaterThan(0);
  });
});
