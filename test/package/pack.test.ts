/**
 * The package as a user gets it: `npm pack` (which builds dist/ on prepack), the tarball installed
 * into a fresh project from the npm registry, then plain node, strict tsc and the bin.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');
const work = mkdtempSync(join(tmpdir(), 'stormshift-pack-'));
const project = join(work, 'app');
let files: string[] = [];

// The child processes must not think they run under vitest (cli/bin.js would pick the sources).
const env = {
  ...process.env,
  VITEST: '',
  VITEST_WORKER_ID: '',
  VITEST_POOL_ID: '',
  npm_config_audit: 'false',
  npm_config_fund: 'false',
};

beforeAll(async () => {
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', work], {
    cwd: ROOT,
    env,
    maxBuffer: 64 << 20,
  });
  const [packed] = JSON.parse(stdout.slice(stdout.indexOf('['))) as Array<{
    filename: string;
    files: Array<{ path: string }>;
  }>;
  files = packed!.files.map((f) => f.path);
  await run('mkdir', ['-p', project]);
  writeFileSync(
    join(project, 'package.json'),
    `${JSON.stringify({ name: 'app', private: true, type: 'module' }, null, 2)}\n`,
  );
  await run('npm', ['install', '--no-save', join(work, packed!.filename), '@types/node@20', 'typescript@5'], {
    cwd: project,
    env,
    maxBuffer: 64 << 20,
  });
  // A full build (prepack) and an install from the registry: minutes of CPU on a busy 2-core
  // machine (300 s ran out at load 35). Nothing here asserts on time; the bound only stops a hang.
}, 1_200_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the packed tarball in a fresh project', () => {
  it('ships the build, not tests, bench results or CI files', () => {
    expect(files).toContain('dist/runtime/index.js');
    expect(files).toContain('dist/runtime/index.d.ts');
    expect(files).toContain('dist/compat/index.js');
    expect(files).toContain('cli/bin.js');
    expect(files.filter((f) => /^(test|dist\/test)\//.test(f))).toEqual([]);
    expect(files.filter((f) => f.includes('bench/results'))).toEqual([]);
    expect(files.filter((f) => f.startsWith('.ci/') || f.startsWith('.github/'))).toEqual([]);
    expect(files.filter((f) => /\.ts$/.test(f) && !f.endsWith('.d.ts'))).toEqual([]);
  });

  it('plain node imports stormshift/runtime and stormshift/compat', async () => {
    const script = [
      "import { defineJob, StreamEnvironment } from 'stormshift/runtime';",
      "import { LocalCluster, TopologyBuilder } from 'stormshift/compat';",
      "console.log([typeof defineJob, typeof StreamEnvironment, typeof LocalCluster, typeof TopologyBuilder].join(' '));",
    ].join('\n');
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: project, env });
    expect(stdout.trim()).toBe('function function function function');
  });

  it('strict tsc with @types/node accepts a file importing both entry points', async () => {
    writeFileSync(
      join(project, 'job.ts'),
      [
        "import { defineJob, type JobDefinition } from 'stormshift/runtime';",
        "import { TopologyBuilder, LocalCluster } from 'stormshift/compat';",
        "export const job: JobDefinition = defineJob('typed', (env) => {",
        '  env.fromCollection([1, 2, 3]).map((n) => n * 2).print();',
        '});',
        'export const builder = new TopologyBuilder();',
        'export const cluster: LocalCluster | undefined = undefined;',
        '',
      ].join('\n'),
    );
    const tsc = join(project, 'node_modules', 'typescript', 'bin', 'tsc');
    const result = await run(
      process.execPath,
      [
        tsc,
        '--strict',
        '--module',
        'nodenext',
        '--moduleResolution',
        'nodenext',
        '--target',
        'es2022',
        '--types',
        'node',
        '--noEmit',
        'job.ts',
      ],
      { cwd: project, env },
    ).catch((error: { stdout: string; code: number }) => error);
    expect('stdout' in result ? result.stdout : '').toBe('');
  });

  it('npx stormshift run loads a .ts job with the compiled CLI, in an ES module package and in a CommonJS one', async () => {
    const job = [
      "import { defineJob } from 'stormshift/runtime';",
      "export default defineJob('packed', (env) => {",
      "  env.fromCollection(['a', 'b']).map((s: string) => s.toUpperCase(), { name: 'upper' }).print();",
      '});',
      '',
    ].join('\n');
    writeFileSync(join(project, 'packed-job.ts'), job);
    const esm = await run('npx', ['--no-install', 'stormshift', 'run', 'packed-job.ts', '--metrics-port', '0', '-q'], {
      cwd: project,
      env,
    });
    expect(esm.stdout.split('\n').filter(Boolean).sort()).toEqual(['A', 'B']);
    // A folder whose package.json does not say "type": "module": tsx compiles the job as CommonJS.
    const cjs = join(project, 'cjs');
    await run('mkdir', ['-p', cjs]);
    writeFileSync(join(cjs, 'package.json'), '{ "type": "commonjs" }\n');
    writeFileSync(join(cjs, 'packed-job.ts'), job);
    const commonjs = await run(
      'npx',
      ['--no-install', 'stormshift', 'run', 'cjs/packed-job.ts', '--metrics-port', '0', '-q'],
      { cwd: project, env },
    );
    expect(commonjs.stdout.split('\n').filter(Boolean).sort()).toEqual(['A', 'B']);
  });

  it('npx stormshift --version prints the version', async () => {
    const { stdout } = await run('npx', ['--no-install', 'stormshift', '--version'], { cwd: project, env });
    expect(stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });
});
