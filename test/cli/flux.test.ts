import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const BIN = join(ROOT, 'cli/bin.js');
const SAMPLE = join(ROOT, 'samples/multilang/word-count.yaml');
const work = mkdtempSync(join(tmpdir(), 'stormshift-flux-cli-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI; `stopWhen` sees stdout and may end the run with SIGINT (as Ctrl-C would). */
function run(args: string[], stopWhen?: (stdout: string) => boolean): Promise<Run> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: work, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let stopped = false;
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (!stopped && stopWhen?.(stdout)) {
        stopped = true;
        child.kill('SIGINT');
      }
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

describe('stormshift flux / run with a YAML file', () => {
  it('flux --dry-run prints the resolved topology and runs nothing', async () => {
    const r = await run(['flux', '--dry-run', SAMPLE]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Topology Name: multilang-word-count');
    expect(r.stdout).toContain('split [2] (org.apache.storm.flux.wrappers.bolts.FluxShellBolt)');
    expect(r.stdout).toContain('split --FIELDS(word)--> count');
    expect(r.stdout).toContain(`stormshift.multilang.code.dir: "${join(ROOT, 'samples/multilang/resources')}"`);
    expect(r.stderr).not.toContain('Launched subprocess');
  });

  it('flux --dry-run with --filter and --env-filter substitutes; a bad file exits 1 naming line and column', async () => {
    const props = join(work, 'p.properties');
    writeFileSync(props, 'topo.name=from-filter\n');
    const file = join(work, 'f.yaml');
    writeFileSync(
      file,
      `name: "\${topo.name}"\nconfig:\n  home: "\${ENV-FLUX_CLI_HOME}"\nspouts:\n  - id: w\n    className: "org.apache.storm.testing.TestWordSpout"\n`,
    );
    const ok = await new Promise<Run>((done) => {
      const child = spawn(process.execPath, [BIN, 'flux', '--dry-run', '--filter', props, '--env-filter', file], {
        cwd: work,
        env: { ...process.env, FLUX_CLI_HOME: '/home/flux' },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('close', (code) => done({ code, stdout, stderr }));
    });
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('Topology Name: from-filter');
    expect(ok.stdout).toContain('home: "/home/flux"');
    const bad = join(work, 'bad.yaml');
    writeFileSync(bad, 'name: x\nspouts:\n  - id: [\n');
    const r = await run(['flux', '--dry-run', bad]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/bad\.yaml:\d+:\d+: YAML syntax error/);
  });

  it('stormshift run word-count.yaml runs the Python bolts from resources/ and the TS report bolt', async () => {
    const r = await run(['run', SAMPLE, '-q'], (out) => /top10 the=\d+/.test(out));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/top10 the=\d+/);
  });

  it('stormshift run word-count.ts (the TS topology with ShellSpout/ShellBolt subclasses) starts its scripts in resources/', async () => {
    const r = await run(['run', join(ROOT, 'samples/multilang/word-count.ts'), '-q'], (out) =>
      /top10 the=\d+/.test(out),
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/top10 the=\d+/);
  });
});
