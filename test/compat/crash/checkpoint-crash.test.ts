import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { sentenceAt } from '../../../samples/soak/word-count.ts';

const ROOT = resolve(import.meta.dirname, '../../..');
const TOPOLOGY = join(ROOT, 'test/fixtures/compat/crash-word-count.ts');
const TOTAL = 30000;
// Paced so that a run lasts about 1 s whatever the executor's speed: several checkpoints (every
// 100 ms) reach the disk before a run ends, so the kill points below fall mid-run.
const RATE = 30000;

function expectedCounts(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (let i = 0; i < TOTAL; i++) for (const w of sentenceAt(i).split(' ')) counts[w] = (counts[w] ?? 0) + 1;
  return counts;
}

const live = new Set<ChildProcess>();
// No --ttl (a wall-clock limit a loaded machine can overrun): the test kills every run itself, and
// a run left by a timed-out test is killed here.
afterAll(() => {
  for (const child of live) child.kill('SIGKILL');
});

function start(dir: string, workers: number): ChildProcess {
  const workerArgs = workers > 1 ? ['-w', String(workers)] : [];
  const child = spawn(
    process.execPath,
    [join(ROOT, 'cli/bin.js'), 'run', TOPOLOGY, '--metrics-port', '0', '-q', ...workerArgs],
    {
      cwd: dir,
      env: {
        ...process.env,
        SOAK_SENTENCES: String(TOTAL),
        SOAK_RATE: String(RATE),
        SOAK_OUT: join(dir, 'counts.json'),
        CRASH_CKPT: join(dir, 'ckpt'),
      },
      stdio: 'ignore',
    },
  );
  live.add(child);
  child.once('exit', () => live.delete(child));
  return child;
}

const exited = (child: ChildProcess): Promise<void> =>
  new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r() : child.once('exit', () => r())));
const tick = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Highest checkpoint id on disk (0 when none): checkpoints appear by atomic rename, so a listed file is complete. */
function latestCheckpoint(dir: string): number {
  const ckpt = join(dir, 'ckpt');
  if (!existsSync(ckpt)) return 0;
  let max = 0;
  for (const f of readdirSync(ckpt)) {
    const m = /^chk-(\d+)\.snap$/.exec(f);
    if (m) max = Math.max(max, Number(m[1]));
  }
  return max;
}

/**
 * Waits for an event, never for a span of time: `ready()` turning true, or the child exiting. The
 * directory is re-read between event-loop turns; only the test's own timeout bounds the wait.
 */
async function until(child: ChildProcess, ready: () => boolean): Promise<boolean> {
  for (;;) {
    if (ready()) return true;
    if (child.exitCode !== null || child.signalCode !== null) return ready();
    await tick(10);
  }
}

// 1: every task on the main event loop; 2: topology.workers spreads them over two worker threads,
// with checkpoints aligned across the threads and each thread's tasks restored from the same one.
const TIMEOUT_MS: Record<number, number> = { 1: 240_000, 2: 600_000 };

describe.each([1, 2])(
  'checkpoint mode (§7a): an unchanged word-count topology under SIGKILL, %i worker(s)',
  (workers) => {
    it(
      'ends with exactly the counts of an uninterrupted run, whatever the crash points',
      async () => {
        const expected = expectedCounts();
        let restoredStarts = 0;
        // A crash point: after the run wrote `checkpoints` new checkpoints, plus up to one checkpoint
        // interval. Kills follow what is on disk, not the clock, so a loaded machine only slows the
        // runs down: every start after a kill starts from a checkpoint that run did not write.
        const crash = fc.record({
          checkpoints: fc.integer({ min: 1, max: 3 }),
          offsetMs: fc.integer({ min: 0, max: 100 }),
        });
        await fc.assert(
          fc.asyncProperty(fc.array(crash, { minLength: 1, maxLength: 2 }), async (crashes) => {
            const dir = mkdtempSync(join(tmpdir(), 'stormshift-compat-crash-'));
            const countsFile = join(dir, 'counts.json');
            try {
              for (const { checkpoints, offsetMs } of crashes) {
                const before = latestCheckpoint(dir);
                if (before > 0) restoredStarts++;
                const child = start(dir, workers);
                await until(child, () => existsSync(countsFile) || latestCheckpoint(dir) >= before + checkpoints);
                if (offsetMs > 0 && !existsSync(countsFile)) await tick(offsetMs);
                child.kill('SIGKILL');
                await exited(child);
                // Killed after it finished: that run's counts are final and must already be exact.
                if (existsSync(countsFile)) {
                  expect(JSON.parse(readFileSync(countsFile, 'utf8'))).toEqual(expected);
                  return;
                }
                expect(
                  latestCheckpoint(dir),
                  'a run was killed before any checkpoint reached the disk',
                ).toBeGreaterThan(before);
              }
              expect(latestCheckpoint(dir)).toBeGreaterThan(0);
              restoredStarts++;
              const survivor = start(dir, workers);
              try {
                await until(survivor, () => existsSync(countsFile));
                expect(
                  existsSync(countsFile),
                  `the survivor exited with ${survivor.exitCode} before publishing its counts`,
                ).toBe(true);
                expect(JSON.parse(readFileSync(countsFile, 'utf8'))).toEqual(expected);
              } finally {
                survivor.kill('SIGKILL');
                await exited(survivor);
              }
            } finally {
              rmSync(dir, { recursive: true, force: true });
            }
          }),
          { numRuns: 3 },
        );
        expect(restoredStarts).toBeGreaterThan(0);
        // The test's only bound (every wait inside is on files or exits): a child on 2 workers loads
        // the topology's sources through tsx on three threads, several seconds before its first checkpoint.
      },
      TIMEOUT_MS[workers],
    );
  },
);
