import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const BIN = join(ROOT, 'cli/bin.js');
const work = mkdtempSync(join(tmpdir(), 'stormshift-cli-errors-'));
writeFileSync(join(work, 'package.json'), '{ "type": "module" }\n');
afterAll(() => rmSync(work, { recursive: true, force: true }));

const JOB = `import { defineJob } from ${JSON.stringify(join(ROOT, 'runtime/index.ts'))};
export default defineJob('tiny', (env) => {
  env.fromCollection(['a', 'b']).map((s) => s.toUpperCase(), { name: 'upper' }).print();
});
`;

function write(path: string, text: string): string {
  const full = join(work, path);
  mkdirSync(join(full, '..'), { recursive: true });
  writeFileSync(full, text);
  return path;
}

function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [BIN, ...args], { cwd: work }, (error, stdout, stderr) => {
      done({ code: error ? Number(error.code) : 0, stdout, stderr });
    });
  });
}

/** One line on stderr, no stack frames. */
function oneLine(stderr: string): string {
  const lines = stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(stderr).not.toMatch(/^\s+at /m);
  return lines[0]!;
}

describe('stormshift CLI: version, help and exit codes', () => {
  it('--version prints the package version', async () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    const result = await cli('--version');
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toBe(version);
  });

  it("every verb's --help lists its options", async () => {
    const run = await cli('run', '--help');
    expect(run.code).toBe(0);
    for (const option of ['--parallelism', '--workers', '--checkpoint-interval', '--ttl', '--metrics-port'])
      expect(run.stdout).toContain(option);
    expect(run.stdout).toMatch(/Exit codes:[\s\S]*3 {2}no such file/);
    const bench = await cli('bench', '--help');
    expect(bench.code).toBe(0);
    for (const option of ['--quick', '--only', '--runs', '--json']) expect(bench.stdout).toContain(option);
    const top = await cli('--help');
    for (const verb of ['run', 'migrate', 'bench']) expect(top.stdout).toMatch(new RegExp(`^\\s+${verb}\\b`, 'm'));
  });

  it('a bad option exits 2 with the reason', async () => {
    const result = await cli('run', 'job.ts', '--no-such-flag');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/unknown option '--no-such-flag'/);
  });

  it('a missing file: one line, exit 3', async () => {
    const result = await cli('run', 'missing.ts');
    expect(result.code).toBe(3);
    expect(oneLine(result.stderr)).toBe('stormshift: missing.ts: no such file');
  });

  it('a folder with one job module runs it; with several, lists them (exit 3)', async () => {
    write('single/job.ts', JOB);
    write('single/helpers.ts', 'export const x = 1;\n');
    const single = await cli('run', 'single', '--metrics-port', '0', '-q');
    expect(single.code).toBe(0);
    expect(single.stdout.split('\n').filter(Boolean).sort()).toEqual(['A', 'B']);

    write('several/one.ts', JOB);
    write('several/two.ts', JOB);
    const several = await cli('run', 'several', '--metrics-port', '0');
    expect(several.code).toBe(3);
    expect(oneLine(several.stderr)).toBe(
      'stormshift: several is a folder with 2 job modules; name one: several/one.ts, several/two.ts',
    );

    mkdirSync(join(work, 'empty-dir'));
    const empty = await cli('run', 'empty-dir');
    expect(empty.code).toBe(3);
    expect(oneLine(empty.stderr)).toMatch(/^stormshift: empty-dir is a folder with no job or topology module/);
  });

  it('a syntax error in a .ts job: file:line:col and the message, exit 4', async () => {
    write(
      'broken.ts',
      "import { defineJob } from 'nowhere';\nexport default defineJob('x', (env) => {\n  const n: number = ;\n});\n",
    );
    const result = await cli('run', 'broken.ts', '--metrics-port', '0');
    expect(result.code).toBe(4);
    expect(oneLine(result.stderr)).toBe('stormshift: broken.ts:3:21: Unexpected ";"');
  });

  it('a syntax error in a .js job: file:line:col and the message, exit 4', async () => {
    write('plain.js', 'export default function job(env) {\n  return env.;\n}\n');
    const result = await cli('run', 'plain.js', '--metrics-port', '0');
    expect(result.code).toBe(4);
    expect(oneLine(result.stderr)).toBe("stormshift: plain.js:2:14: SyntaxError: Unexpected token ';'");
  });

  it('an exception at load and a failed import name where they happened, exit 4', async () => {
    write(
      'throws.ts',
      "const limit: number = 3;\nif (limit > 2) throw new TypeError('limit too high');\nexport default () => {};\n",
    );
    const thrown = await cli('run', 'throws.ts', '--metrics-port', '0');
    expect(thrown.code).toBe(4);
    expect(oneLine(thrown.stderr)).toMatch(/^stormshift: throws\.ts:2:\d+: TypeError: limit too high$/);

    write('bad-import.ts', "import { helper } from './not-there.ts';\nexport default () => helper();\n");
    const missing = await cli('run', 'bad-import.ts', '--metrics-port', '0');
    expect(missing.code).toBe(4);
    expect(oneLine(missing.stderr)).toMatch(/^stormshift: bad-import\.ts: Cannot find module '.*not-there\.ts'/);
  });

  it('a module exporting no job: one line, exit 5', async () => {
    write('nothing.ts', 'export const answer = 42;\n');
    const result = await cli('run', 'nothing.ts', '--metrics-port', '0');
    expect(result.code).toBe(5);
    expect(oneLine(result.stderr)).toMatch(/^stormshift: nothing\.ts does not default-export a job/);
  });
});
