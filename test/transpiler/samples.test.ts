/**
 * Every samples/storm topology goes through the migration on a temp copy of the samples (never the
 * real files): the ones the rules convert become native jobs that type-check and plan with one
 * operator per Storm component (uid = component id); the others stay byte-identical with a
 * finding that says why.
 */
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isJobDefinition, StreamEnvironment } from '../../runtime/index.ts';
import { migrate, type MigrationResult } from '../../transpiler/index.ts';
import { REPO, removeSandbox, sandbox, typeErrors } from './sandbox.ts';

let dir: string;
let result: MigrationResult;

beforeAll(async () => {
  dir = sandbox();
  cpSync(join(REPO, 'samples'), join(dir, 'samples'), { recursive: true });
  result = await migrate({ paths: ['samples/storm'], cwd: dir });
  for (const [file, { after }] of result.changes) writeFileSync(file, after);
}, 300_000);

afterAll(() => removeSandbox(dir));

const CONVERTED = {
  'word-count.ts': ['spout', 'split', 'count'],
  'exclamation.ts': ['word', 'exclaim1', 'exclaim2'],
  'sliding-window-sum.ts': ['integer', 'slidingsum', 'tumblingavg', 'printer'],
  'stateful-sum.ts': ['spout', 'partialsum', 'printer', 'total'],
  'rolling-top-words.ts': ['wordGenerator', 'counter', 'intermediateRanker', 'finalRanker', 'printer'],
};
// Every topology converts, so each component module in lib/ is imported only by converted
// topologies and is rewritten in place: no sibling is needed.
const IN_PLACE = ['lib/printer-bolt.ts', 'lib/random-integer-spout.ts'];

describe('samples/storm', () => {
  it('converts every topology (word-count, exclamation, sliding-window-sum, stateful-sum, rolling-top-words) into a native job module', () => {
    expect(result.topologies.map((t) => t.slice(join(dir, 'samples/storm').length + 1)).sort()).toEqual(
      Object.keys(CONVERTED).sort(),
    );
    for (const t of result.topologies) {
      const text = readFileSync(t, 'utf8');
      expect(text).not.toMatch(/compat/);
      expect(text).toMatch(/from '\.\.\/\.\.\/runtime\/index\.ts'/);
    }
    expect(result.report.summary.error).toBe(0);
  });

  it('leaves no sample file: every file under samples/storm that imports compat is rewritten', () => {
    expect(result.report.files.filter((f) => f.status !== 'changed').map((f) => f.file)).toEqual([]);
  });

  it('rewrites in place the component modules that only converted topologies import', () => {
    for (const file of IN_PLACE) {
      const path = join(dir, 'samples/storm', file);
      expect(result.changes.get(path)?.before).toBe(readFileSync(join(REPO, 'samples/storm', file), 'utf8'));
      const text = readFileSync(path, 'utf8');
      expect(text).not.toMatch(/compat/);
      expect(text).toMatch(/from '\.\.\/\.\.\/\.\.\/runtime\/index\.ts'/);
      const own = result.report.files.find((f) => f.file === `samples/storm/${file}`);
      expect(own?.findings.map((f) => f.code)).toEqual(['SS022']);
    }
  });

  it('creates no native sibling: no module left imports a component module', () => {
    expect([...result.changes].filter(([, c]) => c.before === '').map(([f]) => f)).toEqual([]);
  });

  it('the migrated modules type-check together', () => {
    expect(typeErrors([...result.changes.keys()])).toEqual([]);
  }, 300_000); // a hang guard: one program over the samples takes over a minute on a loaded 2-core machine

  it.each(Object.entries(CONVERTED))('%s default-exports a job with uid and name = component id', async (file, ids) => {
    const module = (await import(pathToFileURL(join(dir, 'samples/storm', file)).href)) as { default: unknown };
    expect(isJobDefinition(module.default)).toBe(true);
    const env = StreamEnvironment.create();
    await (module.default as { build(env: StreamEnvironment, args: string[]): void }).build(env, []);
    const byUid = new Map(env.transformations.map((t) => [t.uid, t.name]));
    for (const id of ids) expect(byUid.get(id)).toBe(id);
  });

  it('a second run changes nothing', async () => {
    const again = await migrate({ paths: ['samples/storm'], cwd: dir });
    expect(again.changes.size).toBe(0);
  });
});
