/**
 * Fixture cases per rule: test/transpiler/fixtures/<rule>/<case>/{input,expected}/. All inputs are
 * migrated in one run over temp projects (compat/runtime linked); each output must equal expected/
 * byte for byte (a case the tool must leave alone has expected/ identical to input/), expected/
 * must migrate to itself (idempotence) and type-check, and codes.json lists the finding codes.
 * Regenerate expected/ after a deliberate change:
 *   UPDATE_FIXTURES=1 npx vitest run test/transpiler/fixtures.test.ts
 */
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, type MigrationResult } from '../../transpiler/index.ts';
import { removeSandbox, sandbox } from './sandbox.ts';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
const UPDATE = process.env.UPDATE_FIXTURES === '1';
const root = mkdtempSync(join(tmpdir(), 'stormshift-fixtures-'));

function filesOf(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .sort();
}

const cases = readdirSync(FIXTURES)
  .sort()
  .flatMap((rule) =>
    readdirSync(join(FIXTURES, rule))
      .sort()
      .map((name) => ({ rule, name, dir: join(FIXTURES, rule, name), id: `${rule}-${name}` })),
  );

let first: MigrationResult;
let second: MigrationResult;

beforeAll(async () => {
  for (const c of cases) {
    cpSync(join(c.dir, 'input'), join(sandbox(root, `${c.id}-in`), 'src'), { recursive: true });
    if (existsSync(join(c.dir, 'expected')))
      cpSync(join(c.dir, 'expected'), join(sandbox(root, `${c.id}-out`), 'src'), { recursive: true });
  }
  first = await migrate({ paths: cases.map((c) => `${c.id}-in`), cwd: root });
  const out = cases.filter((c) => existsSync(join(root, `${c.id}-out`)));
  second = await migrate({ paths: out.map((c) => `${c.id}-out`), cwd: root });
}, 900_000); // a hang guard: two migrations over every fixture take minutes on a loaded 2-core machine

afterAll(() => removeSandbox(root));

describe.each(cases)('$rule/$name', ({ dir, id }) => {
  it('migrates input/ to expected/, with the expected finding codes', () => {
    const codes = first.report.files
      .filter((f) => f.file.startsWith(`${id}-in/`))
      .flatMap((f) => f.findings.map((x) => `${x.code} ${x.status} ${x.construct}`))
      .sort();
    for (const file of filesOf(join(dir, 'input'))) {
      const before = readFileSync(join(dir, 'input', file), 'utf8');
      const after = first.changes.get(join(root, `${id}-in`, 'src', file))?.after ?? before;
      const expectedPath = join(dir, 'expected', file);
      if (UPDATE) {
        mkdirSync(dirname(expectedPath), { recursive: true });
        writeFileSync(expectedPath, after);
      } else expect(after).toBe(readFileSync(expectedPath, 'utf8'));
    }
    // Files the migration creates (native sibling modules of component modules) are expected too.
    const inputs = new Set(filesOf(join(dir, 'input')));
    const prefix = join(root, `${id}-in`, 'src') + sep;
    const created = [...first.changes.keys()]
      .filter((f) => f.startsWith(prefix) && !inputs.has(f.slice(prefix.length)))
      .map((f) => f.slice(prefix.length))
      .sort();
    for (const file of created) {
      const after = first.changes.get(prefix + file)!.after;
      const expectedPath = join(dir, 'expected', file);
      if (UPDATE) writeFileSync(expectedPath, after);
      else expect(after).toBe(readFileSync(expectedPath, 'utf8'));
    }
    if (!UPDATE) expect(created).toEqual(filesOf(join(dir, 'expected')).filter((f) => !inputs.has(f)));
    if (UPDATE) writeFileSync(join(dir, 'expected', 'codes.json'), `${JSON.stringify(codes, null, 2)}\n`);
    else expect(codes).toEqual(JSON.parse(readFileSync(join(dir, 'expected', 'codes.json'), 'utf8')));
    expect(codes.filter((c) => c.includes(' error '))).toEqual([]);
  });

  it('is idempotent: expected/ migrates to itself', () => {
    expect([...second.changes.keys()].filter((f) => f.startsWith(join(root, `${id}-out`)))).toEqual([]);
  });
});

describe('fixture outputs', () => {
  it('type-check (against the native API, or the compat API where left)', async () => {
    const files = cases.flatMap((c) =>
      filesOf(join(root, `${c.id}-out`, 'src')).map((f) => join(root, `${c.id}-out`, 'src', f)),
    );
    expect(files.length).toBeGreaterThanOrEqual(cases.length);
    expect(await typeErrorsApart(files)).toEqual([]);
    // A hang guard only: one type-check of every fixture output took 126 s at load average 23.
  }, 600_000);
});

/**
 * sandbox.ts's typeErrors, in a child process: at load average 20 one type-check of every output
 * blocks for over a minute, and a test worker blocked that long fails vitest's RPC ("Timeout
 * calling onTaskUpdate") even though every test passed.
 */
async function typeErrorsApart(files: string[]): Promise<string[]> {
  const sandboxModule = join(dirname(fileURLToPath(import.meta.url)), 'sandbox.ts');
  const script = `import { typeErrors } from ${JSON.stringify(sandboxModule)}; process.stdout.write(JSON.stringify(typeErrors(JSON.parse(process.argv[1]))));`;
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', '--input-type=module', '-e', script, JSON.stringify(files)],
    { maxBuffer: 64 << 20 },
  );
  return JSON.parse(stdout) as string[];
}
