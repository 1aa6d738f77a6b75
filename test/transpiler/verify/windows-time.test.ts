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

describe('event-time windows', { timeout: 300_000 }, () => {
  it('emit the same windows on compat and on the runtime for the same recorded input', async () => {
    const { result, after } = await migrateFixture('windows-time/event-time');
    expect(after).toContain("endOfInput: 'hold'");
    const [verdict] = await verifyMigration({
      root: result.root,
      changes: result.changes,
      topologies: result.topologies,
      records: 60,
    });
    expect(verdict!.status, formatVerdicts([verdict!])).toBe('equal');
    // 60 words over 42 s of event time: tumbling 10 s windows up to the last watermark, and the sliding ones.
    const letters = verdict!.sinks.find((s) => s.component === 'letters' && s.what !== 'input')!;
    const longest = verdict!.sinks.find((s) => s.component === 'longest' && s.what !== 'input')!;
    expect(letters.original).toBeGreaterThanOrEqual(3);
    expect(longest.original).toBeGreaterThanOrEqual(10);
  });
});

describe('processing-time windows', { timeout: 300_000 }, () => {
  it("emit the same windows at the same instants on one simulated clock: the rewrite's windows align to the task start", async () => {
    const { result, after } = await migrateFixture('windows-time/processing-time');
    expect(after).toContain("{ alignTo: 'start' }");
    const [verdict] = await verifyMigration({
      root: result.root,
      changes: result.changes,
      topologies: result.topologies,
      records: 30,
    });
    expect(verdict!.status, formatVerdicts([verdict!])).toBe('equal');
    expect(verdict!.timed).toBeDefined();
    // 30 words over about 3 s, a 10 s window sliding by 5 s: the windows ending 5 s and 10 s after the start hold them.
    const count = verdict!.sinks.find((s) => s.component === 'count' && s.what !== 'input')!;
    expect(count.original, formatVerdicts([verdict!])).toBeGreaterThanOrEqual(2);
  });
});

describe('processing-time JoinBolt', { timeout: 300_000 }, () => {
  it('verifies equal on one simulated clock: the joined rows are compared, not the wrapped records reaching the join', async () => {
    const { result, after } = await migrateFixture('join/processing-time');
    expect(after).toContain("alignTo: 'start'");
    const [verdict] = await verifyMigration({
      root: result.root,
      changes: result.changes,
      topologies: result.topologies,
      records: 30,
    });
    expect(verdict!.status, formatVerdicts([verdict!])).toBe('equal');
    expect(verdict!.timed).toBeDefined();
    const shown = verdict!.sinks.find((s) => s.component === 'show' && s.what !== 'input')!;
    expect(shown.original, formatVerdicts([verdict!])).toBeGreaterThan(0);
  });

  it('compares a terminal JoinBolt by its joined rows', async () => {
    const { result } = await migrateFixture('join/processing-time', (text) =>
      text
        .replace(/export class Show[\s\S]*?\n}\n/, '')
        .replace("builder.setBolt('show', new Show()).shuffleGrouping('joiner');", ''),
    );
    const [verdict] = await verifyMigration({
      root: result.root,
      changes: result.changes,
      topologies: result.topologies,
      records: 30,
    });
    expect(verdict!.status, formatVerdicts([verdict!])).toBe('equal');
    const rows = verdict!.sinks.filter((s) => s.component === 'joiner');
    expect(rows.map((s) => s.what)).toEqual([{ stream: 'default' }]);
    expect(rows[0]!.original, formatVerdicts([verdict!])).toBeGreaterThan(0);
  });
});
