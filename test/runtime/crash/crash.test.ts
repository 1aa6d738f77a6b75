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

interface Started {
  child: ChildProcess;
  /** Resolves when the job printed "running" (or the process ended first). */
  running: Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

function start(outDir: string, checkpointDir: string, workers = 0): Started {
  const child = spawn(process.execPath, ['--import', 'tsx', JOB, outDir, checkpointDir, String(COUNT), String(RATE), String(workers)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let markRunning!: () => void;
  const running = new Promise<void>((resolve) => (markRunning = resolve));
  child.stdout!.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    if (stdout.includes('running')) markRunning();
  });
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  // A run takes a couple of seconds; one still going after 30 s hangs. Kill it and say so, rather
  // than letting the whole property time out without a word.
  let hung = false;
  const watchdog = setTimeout(() => {
    hung = true;
    child.kill('SIGKILL');
  }, 30_000);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) =>
    child.on('exit', (code, signal) => {
      clearTimeout(watchdog);
      markRunning();
      if (hung) stderr += '\n[test] the job hung and was killed after 30 s';
      resolve({ code: hung ? -1 : code, signal: hung ? null : signal, stdout, stderr });
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
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 0, max: 900 }), { minLength: 2, maxLength: 4 }), async (delays) => {
        const d = tempDir('crash');
        dirs.push(d);
        const outDir = join(d.path, 'out');
        const checkpointDir = join(d.path, 'ckpt');
        for (const delay of delays) {
          const run = start(outDir, checkpointDir, workers);
          await run.running;
          const finished = await Promise.race([run.exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), delay))]);
          if (!finished) {
            run.child.kill('SIGKILL');
            totalKills++;
          }
          const { code, signal, stderr } = await run.exited;
          // Killed, or it got to the end before the kill: anything else is a failure of the job.
          if (signal !== 'SIGKILL') expect(code, stderr).toBe(0);
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

  it('killed and restarted, the job commits exactly the uninterrupted output: no loss, no duplicate', async () => {
    const runs = Number(process.env.STORMSHIFT_CRASH_RUNS ?? 4);
    // The property is about crashes: make sure it really killed jobs mid-run.
    expect(await killAndRestart(0, runs)).toBeGreaterThanOrEqual(runs);
  }, 60_000 + 30_000 * Number(process.env.STORMSHIFT_CRASH_RUNS ?? 4));

  it('the same with the subtasks on worker threads', async () => {
    const runs = Number(process.env.STORMSHIFT_CRASH_RUNS_WORKERS ?? 1);
    expect(await killAndRestart(2, runs)).toBeGreaterThanOrEqual(runs);
  }, 60_000 + 30_000 * Number(process.env.STORMSHIFT_CRASH_RUNS_WORKERS ?? 1));
});
