import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const BIN = join(ROOT, 'cli/bin.js');
const work = mkdtempSync(join(tmpdir(), 'stormshift-cli-'));
// Job modules are ES modules, as in a user's `"type": "module"` project.
writeFileSync(join(work, 'package.json'), '{ "type": "module" }\n');
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(
  args: string[],
  onStderr?: (text: string, child: ReturnType<typeof spawn>) => void,
  onStdout?: (text: string, child: ReturnType<typeof spawn>) => void,
): Promise<Run> {
  return new Promise((resolvePromise) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: work, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      onStdout?.(stdout, child);
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      onStderr?.(stderr, child);
    });
    child.on('close', (code) => resolvePromise({ code, stdout, stderr }));
  });
}

function totalCount(stdout: string, word: string): number {
  const lines = stdout
    .trim()
    .split('\n')
    .filter((l) => l.includes('top10'));
  const last = lines.at(-1) ?? '';
  const match = new RegExp(`\\b${word}=(\\d+)`).exec(last);
  return match ? Number(match[1]) : 0;
}

describe('stormshift run', () => {
  it('runs the word-count sample, prints the top 10 and stops at the TTL', async () => {
    const dir = join(work, 'ckpt-a');
    const result = await run([
      'run',
      join(ROOT, 'samples/word-count/job.ts'),
      '--ttl',
      '3',
      '--metrics-port',
      '0',
      '--checkpoint-dir',
      dir,
    ]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/top10 @\S+: the=\d+/);
    expect(result.stderr).toMatch(/TTL of 3s reached/);
    expect(readdirSync(dir).some((f) => f.startsWith('chk-'))).toBe(true);
  });

  it('resumes from the last checkpoint on the next run, and starts fresh with --no-restore', async () => {
    const dir = join(work, 'ckpt-b');
    const common = [
      'run',
      join(ROOT, 'samples/word-count/job.ts'),
      '--metrics-port',
      '0',
      '--checkpoint-dir',
      dir,
      '--checkpoint-interval',
      '200',
    ];
    const first = await run([...common, '--ttl', '2']);
    const firstThe = totalCount(first.stdout, 'the');
    expect(firstThe).toBeGreaterThan(0);
    const second = await run([...common, '--ttl', '2']);
    // The stop stopped the sources before its final checkpoint, so that checkpoint covers every count
    // the first run printed: the second run's first count is never below the first run's last.
    const secondLines = second.stdout.split('\n').filter((l) => l.includes('top10'));
    const secondFirstThe = Number(/\bthe=(\d+)/.exec(secondLines[0] ?? '')?.[1] ?? 0);
    expect(secondFirstThe, `${first.stdout}\n${second.stdout}`).toBeGreaterThanOrEqual(firstThe);
    const fresh = await run([...common, '--ttl', '2', '--no-restore']);
    const freshFirst = Number(
      /\bthe=(\d+)/.exec(fresh.stdout.split('\n').find((l) => l.includes('top10')) ?? '')?.[1] ?? 0,
    );
    expect(freshFirst).toBeLessThan(totalCount(second.stdout, 'the'));
  }, 60_000);

  it('serves Prometheus metrics while the job runs', async () => {
    const recordsOut = /stormshift_records_out_total\{[^}]*operator="sentences"[^}]*\} [1-9]/;
    const checkpoints = /stormshift_checkpoints_total\{[^}]*outcome="completed"[^}]*\} [1-9]/;
    let scraped = '';
    // Scrapes until the endpoint shows records read and a completed checkpoint, then stops the job:
    // a scrape after a fixed delay finds neither yet when a loaded machine starts the job slowly.
    const scrapeUntilReady = async (url: string, child: ReturnType<typeof spawn>): Promise<void> => {
      while (child.exitCode === null) {
        scraped = await fetch(url)
          .then((r) => r.text())
          .catch((error: Error) => `error ${error.message}`);
        if (recordsOut.test(scraped) && checkpoints.test(scraped)) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      child.kill('SIGTERM');
    };
    let started = false;
    const result = await run(
      [
        'run',
        join(ROOT, 'samples/word-count/job.ts'),
        '--metrics-port',
        '0',
        '--no-restore',
        '--checkpoint-dir',
        join(work, 'ckpt-c'),
      ],
      (stderr, child) => {
        const url = /metrics at (http:\/\/\S+)/.exec(stderr)?.[1];
        if (url && !started) {
          started = true;
          void scrapeUntilReady(url, child);
        }
      },
    );
    expect(result.code).toBe(0);
    expect(scraped).toMatch(recordsOut);
    expect(scraped).toMatch(checkpoints);
  });

  it('runs the job on worker threads', async () => {
    // Stopped (SIGTERM) once it printed a result, not after a fixed TTL: starting workers on a
    // loaded machine can take longer than any TTL chosen for an idle one.
    let stopped = false;
    const result = await run(
      [
        'run',
        join(ROOT, 'samples/word-count/job.ts'),
        '--metrics-port',
        '0',
        '--workers',
        '2',
        '-p',
        '2',
        '--no-restore',
        '--checkpoint-dir',
        join(work, 'ckpt-w'),
      ],
      undefined,
      (stdout, child) => {
        if (!stopped && /top10 @\S+: the=\d+/.test(stdout)) {
          stopped = true;
          child.kill('SIGTERM');
        }
      },
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/top10 @\S+: the=\d+/);
    expect(result.stderr).not.toMatch(/failed/);
  }, 30_000);

  it('rejects a module without a job, and bad flags, with a clear message', async () => {
    const empty = join(work, 'empty.ts');
    writeFileSync(empty, 'export const nothing = 1;\n');
    const noJob = await run(['run', empty, '--metrics-port', '0']);
    expect(noJob.code).not.toBe(0);
    expect(noJob.stderr).toMatch(/does not default-export a job/);
    const badFlag = await run(['run', empty, '--ttl', 'soon']);
    expect(badFlag.code).not.toBe(0);
    expect(badFlag.stderr).toMatch(/--ttl must be a whole number/);
  });

  it('fails with the operator and record when a job throws and has no restart strategy', async () => {
    const failing = join(work, 'failing.ts');
    writeFileSync(
      failing,
      `import { defineJob } from ${JSON.stringify(join(ROOT, 'runtime/index.ts'))};
export default defineJob('failing', (env) => {
  env.fromCollection([1, 2, 3]).map((n) => { if (n === 2) throw new Error('boom'); return n; }, { name: 'explode' }).print();
});
`,
    );
    const result = await run(['run', failing, '--metrics-port', '0']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/operator 'explode' failed on record 2: boom/);
  });
});
