import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');

/** Runs the CLI without blocking the test worker's event loop (spawnSync would starve vitest's RPC). */
function cli(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolveRun) => {
    const child = spawn(process.execPath, [join(ROOT, 'cli/bin.js'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.once('close', (status) => resolveRun({ status, stdout, stderr }));
  });
}

describe('stormshift soak', () => {
  it('kills the native word count after checkpoints, restarts it, and reports 0 lost / 0 duplicated / 0 state mismatches', async () => {
    const run = await cli([
      'soak',
      'word-count',
      '-n',
      '2',
      '--seed',
      '3',
      '--max-delay-ms',
      '50',
      '--sentences',
      '20000',
    ]);
    expect(run.stderr).toContain('soak word-count: 20000 sentences');
    expect(run.stdout).toContain('soak word-count: 2 kills');
    // Every kill came after a checkpoint on disk, so every restart restored one.
    expect(run.stdout).toMatch(/3 runs, 2 restored from a checkpoint/);
    expect(run.stdout).toMatch(/committed records: uninterrupted (\d+), soaked \1\n/);
    expect(run.stdout).toContain('lost: 0  duplicated: 0  state mismatches: 0');
    expect(run.status).toBe(0);
  }, 240_000);

  it('an unknown target is one clear line and exit code 2', async () => {
    const run = await cli(['soak', 'nope']);
    expect(run.status).toBe(2);
    expect(run.stderr.trim()).toBe(
      "stormshift soak: unknown target 'nope' (known: word-count, word-count-topology, kafka-word-count)",
    );
  });
});
