/** `stormshift migrate`: dry-run exit codes and diff, --write, dirty-tree refusal, --stats, --report. */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMigrate, type MigrateFlags } from '../../cli/migrate.ts';
import { REPO, removeSandbox, sandbox } from './sandbox.ts';

const FIXTURE = join(REPO, 'test/transpiler/fixtures/state/keyed-map');
let dir: string;

function git(...args: string[]): void {
  execFileSync('git', args, { cwd: dir, stdio: 'ignore' });
}

async function run(paths: string[], flags: MigrateFlags): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const previous = process.cwd();
  process.chdir(dir);
  try {
    const code = await runMigrate(paths, flags, { out: (s) => (out += s), err: (s) => (err += s), tty: false });
    return { code, out, err };
  } finally {
    process.chdir(previous);
  }
}

beforeAll(() => {
  dir = sandbox();
  writeFileSync(join(dir, '.gitignore'), 'node_modules\ncompat\nruntime\nignored/\n');
  cpSync(join(FIXTURE, 'input'), join(dir, 'src'), { recursive: true });
  mkdirSync(join(dir, 'ignored'));
  cpSync(join(FIXTURE, 'input/topology.ts'), join(dir, 'ignored/topology.ts'));
  mkdirSync(join(dir, 'other'));
  cpSync(join(FIXTURE, 'input/topology.ts'), join(dir, 'other/topology.ts'));
  git('init', '-q');
  git('-c', 'user.email=t@example.com', '-c', 'user.name=t', 'add', '-A');
  git('-c', 'user.email=t@example.com', '-c', 'user.name=t', 'commit', '-qm', 'init');
});

afterAll(() => removeSandbox(dir));

describe('stormshift migrate', () => {
  it('--stats counts constructs and writes nothing; --exclude drops files', async () => {
    const { code, out } = await run(['.'], { stats: true, exclude: ['other/**'] });
    expect(code).toBe(0);
    expect(out).toMatch(/1 of \d+ file\(s\) use the Storm API/);
    expect(out).toMatch(/bolt:BaseBasicBolt\s+1/);
    expect(out).toMatch(/grouping:fields\s+1/);
    expect(readFileSync(join(dir, 'src/topology.ts'), 'utf8')).toBe(
      readFileSync(join(FIXTURE, 'input/topology.ts'), 'utf8'),
    );
  });

  it('a dry run prints the summary and a unified diff, exits 1, skips .gitignored files and writes nothing', async () => {
    const { code, out } = await run(['.'], { report: join(dir, 'report.json'), include: ['src/**'] });
    expect(code).toBe(1);
    expect(out).toMatch(/1 would change/);
    expect(out).toContain('--- a/src/topology.ts');
    expect(out).toContain('+++ b/src/topology.ts');
    expect(out).toContain('+export class Counter implements');
    expect(out).not.toContain('ignored/topology.ts');
    expect(readFileSync(join(dir, 'src/topology.ts'), 'utf8')).toBe(
      readFileSync(join(FIXTURE, 'input/topology.ts'), 'utf8'),
    );
    const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));
    expect(report.schema).toBe('stormshift.migrate.report/1');
    expect(report.filesChanged).toBe(1);
    expect(Object.keys(report.summary).sort()).toEqual(['converted', 'error', 'left', 'partial']);
    const finding = report.files[0].findings.find((f: { code: string }) => f.code === 'SS401');
    expect(finding).toMatchObject({
      rule: 'state',
      status: 'converted',
      file: 'src/topology.ts',
      construct: 'Counter',
    });
    expect(finding.line).toBeGreaterThan(0);
    expect(Object.keys(report.timings)).toEqual(
      expect.arrayContaining(['analyze', 'plan', 'rule:state', 'rule:bolt-function']),
    );
  });

  it('--write refuses a dirty tree unless --allow-dirty', async () => {
    writeFileSync(join(dir, 'notes.txt'), 'uncommitted\n');
    const refused = await run(['src'], { write: true });
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/uncommitted changes .*notes\.txt.*--allow-dirty/);
    expect(readFileSync(join(dir, 'src/topology.ts'), 'utf8')).toBe(
      readFileSync(join(FIXTURE, 'input/topology.ts'), 'utf8'),
    );
    const written = await run(['src'], { write: true, allowDirty: true, diff: join(dir, 'changes.diff') });
    expect(written.code).toBe(0);
    expect(readFileSync(join(dir, 'src/topology.ts'), 'utf8')).toBe(
      readFileSync(join(FIXTURE, 'expected/topology.ts'), 'utf8'),
    );
    expect(readFileSync(join(dir, 'changes.diff'), 'utf8')).toContain('+++ b/src/topology.ts');
  });

  it('a run with nothing left to change exits 0 (the CLI verb, end to end)', () => {
    const child = spawnSync(process.execPath, [join(REPO, 'cli/bin.js'), 'migrate', 'src'], {
      cwd: dir,
      encoding: 'utf8',
    });
    expect(child.stderr).toBe('');
    expect(child.status).toBe(0);
    expect(child.stdout).toMatch(/0 of \d+ file\(s\) use the Storm API; 0 would change/);
  });
});
