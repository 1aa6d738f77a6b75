/**
 * Windowed bolts on durations, proven by running both sides: the windows-time fixtures (a tumbling
 * and a sliding event-time window, lag, out-of-order timestamps within the lag; a sliding
 * processing-time window) are migrated in a temp project and `migrate --verify`'s replay compares
 * what each window bolt emitted on compat (Storm's watermark rules, its time trigger on the
 * simulated clock) with the native windows of the rewrite.
 */
import { cpSync } from 'node:fs';
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

async function migrateFixture(fixture: string) {
  const dir = sandbox();
  dirs.push(dir);
  cpSync(join(FIXTURES, fixture, 'input'), join(dir, 'src'), { recursive: true });
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
