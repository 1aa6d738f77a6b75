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
