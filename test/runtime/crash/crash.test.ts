import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectedLines } from '../../fixtures/runtime/crash-job.ts';
import { tempDir } from '../../fixtures/runtime/helpers.ts';

const JOB = fileURLToPath(new URL('../../fixtures/runtime/crash-job.ts', import.meta.url));
const COUNT = 15_000;
const RATE = 15_000;
// Paced by checkpoints: each of the 2 source subtasks emits 500 records per checkpoint, so a run
// from scratch spans at least 15 checkpoints and the first kill (after at most 4 plus 50 ms) always
// lands mid-run, on an idle machine or a busy one.
const PER_CHECKPOINT = 500;

interface Started {
  child: ChildProcess;
  /** Resolves when the job printed "running" (or the process ended first). */
  running: Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

const live = new Set<ChildProcess>();
// A run that hangs is ended by the test's timeout; its process must not outlive the test file.
afterAll(() => {
  for (const child of live) child.kill('SIGKILL');
});

/** Highest checkpoint id on disk (0 when none): checkpoints appear by atomic rename, so a listed file is complete. */
function latestCheckpoint(checkpointDir: string): number {
  if (!existsSync(checkpointDir)) return 0;
  let max = 0;
  for (const f of readdirSync(checkpointDir)) {
    const m = /^chk-(\d+)\.snap$/.exec(f);
    if (m) max = Math.max(max, Number(m[1]));
  }
  return max;
}

const tick = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function start(outDir: string, checkpointDir: string, workers = 0): Started {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      JOB,
      outDir,
      checkpointDir,
      String(COUNT),
      String(RATE),
      String(workers),
      String(PER_CHECKPOINT),
    ],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  let markRunning!: () => void;
  const running = new Promise<void>((resolve) => (markRunning = resolve));
  child.stdout!.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    if (stdout.includes('running')) markRunning();
  });
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  live.add(child);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>(
    (resolve) =>
      child.on('exit', (code, signal) => {
        live.delete(child);
        markRunning();
        resolve({ code, signal, stdout, stderr });
      }),
  );
  return { child, running, exited };
}

/** Committed part files only: `.pending/` holds in-progress and sealed-but-uncommitted files. */
function committedLines(outDir: string): string[] {
  if (!existsSync(outDir)) return [];
  const lines: string[] = [];
  for (const name of readdirSync(outDir)) {
    if (!name.startsWith('part-')) continue;
    const text = readFileSync(join(outDir, name), 'utf8');
    for (const line of text.split('\n')) if (line !== '') lines.push(line);
  }
  return lines.sort();
}

const dirs: Array<{ cleanup(): void }> = [];
afterAll(() => {
  for (const d of dirs) d.cleanup();
});

describe('crash property: SIGKILL at random moments, restart, same output as an uninterrupted run', () => {
  let uninterrupted: string[];

  beforeAll(async () => {
    const d = tempDir('crash-clean');
    dirs.push(d);
    const run = start(join(d.path, 'out'), join(d.path, 'ckpt'));
    const { code, stderr } = await run.exited;
    expect(code, stderr).toBe(0);
    uninterrupted = committedLines(join(d.path, 'out'));
  }, 30_000);

  it('the uninterrupted run is itself exactly the expected output', () => {
    expect(uninterrupted).toEqual(expectedLines(COUNT).sort());
  });

  async function killAndRestart(workers: number, numRuns: number): Promise<number> {
    let totalKills = 0;
    // A crash point: after the run wrote `checkpoints` new checkpoints (every 50 ms), plus up to one
    // interval. Kills follow what is on disk, not the clock: each killed run leaves a checkpoint of
    // its own that the next run restores, and a loaded machine only makes the runs slower.
    const crash = fc.record({ checkpoints: fc.integer({ min: 1, max: 4 }), offsetMs: fc.integer({ min: 0, max: 50 }) });
    await fc.assert(
      fc.asyncProperty(fc.array(crash, { minLength: 1, maxLength: 3 }), async (crashes) => {
        const d = tempDir('crash');
        dirs.push(d);
        const outDir = join(d.path, 'out');
        const checkpointDir = join(d.path, 'ckpt');
        for (const { checkpoints, offsetMs } of crashes) {
          const before = latestCheckpoint(checkpointDir);
          const run = start(outDir, checkpointDir, workers);
          let ended = false;
          void run.exited.then(() => (ended = true));
          while (!ended && latestCheckpoint(checkpointDir) < before + checkpoints) await tick(5);
          if (!ended && offsetMs > 0) await tick(offsetMs);
          if (!ended) {
            run.child.kill('SIGKILL');
            totalKills++;
          }
          const { code, signal, stderr } = await run.exited;
          // Killed, or it got to the end before the kill: anything else is a failure of the job.
          if (signal !== 'SIGKILL') expect(code, stderr).toBe(0);
          else
            expect(latestCheckpoint(checkpointDir), 'killed before its checkpoint reached the disk').toBeGreaterThan(
              before,
            );
        }
        const last = start(outDir, checkpointDir, workers);
        const { code, stderr } = await last.exited;
        expect(code, stderr).toBe(0);
        const lines = committedLines(outDir);
        const duplicates = lines.filter((line, i) => i > 0 && lines[i - 1] === line);
        expect(duplicates).toEqual([]);
        expect(lines.length).toBe(uninterrupted.length);
        expect(lines).toEqual(uninterrupted);
        d.cleanup();
      }),
      { numRuns, endOnFailure: true },
    );
    return totalKills;
  }

  it(
    'killed and restarted, the job commits exactly the uninterrupted output: no loss, no duplicate',
    async () => {
      const runs = Number(process.env.STORMSHIFT_CRASH_RUNS ?? 3);
      // The property is about crashes: make sure it really killed jobs mid-run.
      expect(await killAndRestart(0, runs)).toBeGreaterThanOrEqual(runs);
    },
    60_000 + 30_000 * Number(process.env.STORMSHIFT_CRASH_RUNS ?? 3),
  );

  it(
    'the same with the subtasks on worker threads',
    async () => {
      const runs = Number(process.env.STORMSHIFT_CRASH_RUNS_WORKERS ?? 1);
      expect(await killAndRestart(2, runs)).toBeGreaterThanOrEqual(runs);
    },
    60_000 + 30_000 * Number(process.env.STORMSHIFT_CRASH_RUNS_WORKERS ?? 1),
  );
});
