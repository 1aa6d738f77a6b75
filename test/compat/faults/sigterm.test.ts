import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sentenceAt } from '../../../samples/soak/word-count.ts';

const ROOT = resolve(import.meta.dirname, '../../..');
const TOPOLOGY = join(ROOT, 'test/fixtures/compat/crash-word-count.ts');
const TOTAL = 40000;

function expectedCounts(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (let i = 0; i < TOTAL; i++) for (const w of sentenceAt(i).split(' ')) counts[w] = (counts[w] ?? 0) + 1;
  return counts;
}

/** Periodic checkpoints are pushed out of reach (10 min): the only checkpoint a run can leave is the one taken on stop. */
function start(dir: string, rate: number): { child: ChildProcess; stderr: () => string } {
  const child = spawn(
    process.execPath,
    [
      join(ROOT, 'cli/bin.js'),
      'run',
      TOPOLOGY,
      '--ttl',
      '120',
      '--metrics-port',
      '0',
      '--checkpoint-interval',
      '600000',
    ],
    {
      cwd: dir,
      env: {
        ...process.env,
        SOAK_SENTENCES: String(TOTAL),
        SOAK_RATE: String(rate),
        SOAK_OUT: join(dir, 'counts.json'),
        CRASH_CKPT: join(dir, 'ckpt'),
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let text = '';
  child.stderr!.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return { child, stderr: () => text };
}

const exited = (child: ChildProcess): Promise<number | null> =>
  new Promise((r) =>
    child.exitCode !== null || child.signalCode !== null ? r(child.exitCode) : child.once('exit', (code) => r(code)),
  );

/** Resolves once stderr contains `text` (an event: the data arriving), or rejects when the process exits first. */
function stderrShows(run: { child: ChildProcess; stderr: () => string }, text: string): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const check = (): void => {
      if (run.stderr().includes(text)) {
        run.child.stderr!.off('data', check);
        resolvePromise();
      }
    };
    run.child.stderr!.on('data', check);
    run.child.once('exit', () =>
      run.stderr().includes(text)
        ? resolvePromise()
        : reject(new Error(`exited before printing '${text}':\n${run.stderr()}`)),
    );
    check();
  });
}

describe('SIGTERM on a compat topology in checkpoint mode', () => {
  it('takes a final checkpoint, then stops; the next run resumes from it and ends with exactly the uninterrupted counts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stormshift-sigterm-'));
    try {
      // Slow enough (4000 sentences/s, ~10 s for all) that SIGTERM lands mid-run.
      const first = start(dir, 4000);
      await stderrShows(first, 'running crash-word-count');
      first.child.kill('SIGTERM');
      expect(await exited(first.child)).toBe(0);
      expect(first.stderr()).toMatch(/final checkpoint of crash-word-count: .*chk-\d+\.snap/);
      expect(existsSync(join(dir, 'counts.json'))).toBe(false);
      const checkpoints = readdirSync(join(dir, 'ckpt')).filter((f) => f.startsWith('chk-'));
      expect(checkpoints).toHaveLength(1);
      expect(first.stderr()).toContain(checkpoints[0]);

      const second = start(dir, 0);
      await stderrShows(second, 'running crash-word-count');
      const counts = await new Promise<Record<string, number>>((resolveCounts, reject) => {
        const poll = (): void => {
          if (existsSync(join(dir, 'counts.json')))
            resolveCounts(JSON.parse(readFileSync(join(dir, 'counts.json'), 'utf8')) as Record<string, number>);
          else if (second.child.exitCode !== null) reject(new Error(`second run exited early:\n${second.stderr()}`));
          else setTimeout(poll, 20);
        };
        poll();
      });
      second.child.kill('SIGTERM');
      await exited(second.child);
      expect(second.stderr()).toContain('restoring');
      expect(counts).toEqual(expectedCounts());
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
