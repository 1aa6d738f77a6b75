import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { BAD, expectedNumbers } from '../../fixtures/runtime/dead-letter-job.ts';
import { tempDir } from '../../fixtures/runtime/helpers.ts';

const BIN = resolve(import.meta.dirname, '../../../cli/bin.js');
const JOB = fileURLToPath(new URL('../../fixtures/runtime/dead-letter-job.ts', import.meta.url));
const COUNT = 3000;
// Paced by checkpoints (50 ms apart): each of the 2 source subtasks emits 50 numbers per
// checkpoint, so a run spans 30 checkpoints however slow the machine, and the bad record's two
// positions lie about 12 checkpoints apart.
const PER_CHECKPOINT = 50;
const DECIDED = "poison record: operator 'Parse' failed 2 times";

const live = new Set<ChildProcess>();
afterAll(() => {
  for (const child of live) child.kill('SIGKILL');
});
const dirs: Array<{ cleanup(): void }> = [];
afterAll(() => {
  for (const d of dirs) d.cleanup();
});

interface Paths {
  out: string;
  checkpoints: string;
  deadLetters: string;
}

interface Started {
  child: ChildProcess;
  /** Resolves once stderr shows the poison decision (or the process ended first). */
  decided: Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
}

function start(paths: Paths, first: number, second: number, workers: number): Started {
  const child = spawn(
    process.execPath,
    [
      BIN,
      'run',
      JOB,
      '-q',
      '--no-ui',
      '--checkpoint-interval',
      '50',
      '--checkpoint-dir',
      paths.checkpoints,
      '--dead-letter',
      paths.deadLetters,
      ...(workers > 0 ? ['--workers', String(workers)] : []),
      paths.out,
      String(COUNT),
      String(PER_CHECKPOINT),
      String(first),
      String(second),
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  live.add(child);
  let stderr = '';
  let markDecided!: () => void;
  const decided = new Promise<void>((r) => (markDecided = r));
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    if (stderr.includes(DECIDED)) markDecided();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((r) =>
    child.on('exit', (code, signal) => {
      live.delete(child);
      markDecided();
      r({ code, signal, stderr });
    }),
  );
  return { child, decided, exited };
}

function latestCheckpoint(dir: string): number {
  if (!existsSync(dir)) return 0;
  let max = 0;
  for (const f of readdirSync(dir)) {
    const m = /^chk-(\d+)\.snap$/.exec(f);
    if (m) max = Math.max(max, Number(m[1]));
  }
  return max;
}

/** Committed dead letters: the per-checkpoint files in the directory itself (not .pending/ or .discarded/). */
function deadLetters(dir: string): Array<Record<string, unknown>> {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => /^dead-letters-\d+\.jsonl$/.test(f))
    .flatMap((f) => readFileSync(join(dir, f), 'utf8').split('\n').filter(Boolean))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

function committedLines(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.startsWith('part-'))
    .flatMap((f) => readFileSync(join(dir, f), 'utf8').split('\n').filter(Boolean))
    .sort();
}

const tick = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * One scenario: runs killed by SIGKILL `afterCheckpoints` checkpoints (plus `offsetMs`) after the
 * run's first poison decision (or after its start once the record is poison already), then a run
 * to the end. The output holds every number but the bad ones once, the dead-letter directory the
 * bad record exactly twice (once per position), and a run restored from a checkpoint that knows
 * the record is poison never fails on it again.
 */
async function scenario(
  first: number,
  gap: number,
  kills: Array<{ afterCheckpoints: number; offsetMs: number }>,
  workers: number,
): Promise<void> {
  const d = tempDir('dead-letter-crash');
  dirs.push(d);
  const paths = { out: join(d.path, 'out'), checkpoints: join(d.path, 'ckpt'), deadLetters: join(d.path, 'dead') };
  const second = first + gap;
  // Checkpoints with a higher id were written after the poison decision, so they know the record
  // is poison: a run restored from one must divert it at once, never fail on it.
  let decidedBelow: number | undefined;
  const noFailureIfKnown = (restoredId: number, stderr: string): void => {
    if (decidedBelow !== undefined && restoredId > decidedBelow)
      expect(stderr, `restored from checkpoint ${restoredId}`).not.toContain(`failed on record "${BAD}"`);
  };
  for (const { afterCheckpoints, offsetMs } of kills) {
    const restoredId = latestCheckpoint(paths.checkpoints);
    const run = start(paths, first, second, workers);
    let ended = false;
    void run.exited.then(() => (ended = true));
    // The first run's kills count from the decision; later runs' from their start.
    if (decidedBelow === undefined) {
      await run.decided;
      if (!ended) decidedBelow = latestCheckpoint(paths.checkpoints);
    }
    const from = latestCheckpoint(paths.checkpoints);
    while (!ended && latestCheckpoint(paths.checkpoints) < from + afterCheckpoints) await tick(5);
    if (!ended && offsetMs > 0) await tick(offsetMs);
    if (!ended) run.child.kill('SIGKILL');
    const { code, signal, stderr } = await run.exited;
    if (signal !== 'SIGKILL') expect(code, stderr).toBe(0);
    noFailureIfKnown(restoredId, stderr);
  }
  const restoredId = latestCheckpoint(paths.checkpoints);
  const last = start(paths, first, second, workers);
  const { code, stderr } = await last.exited;
  expect(code, stderr).toBe(0);
  noFailureIfKnown(restoredId, stderr);

  expect(committedLines(paths.out)).toEqual(expectedNumbers(COUNT, first, second).sort());
  const letters = deadLetters(paths.deadLetters);
  expect(letters.map((l) => [l.operator, l.record, l.attempts])).toEqual([
    ['Parse', BAD, 2],
    ['Parse', BAD, 2],
  ]);
  // Two entries, not one delivered twice: each names its own checkpoint and position.
  expect(new Set(letters.map((l) => `${l.checkpointId}/${l.index}`)).size).toBe(2);
}

// Half the kills land within 120 ms of the decision: before the record is diverted, or after it and
// before or after the checkpoint holding its dead letter. Half land 1 to 16 checkpoints later:
// before or after the record's second position.
const kill = fc.oneof(
  fc.record({ afterCheckpoints: fc.constant(0), offsetMs: fc.integer({ min: 0, max: 120 }) }),
  fc.record({ afterCheckpoints: fc.integer({ min: 1, max: 16 }), offsetMs: fc.integer({ min: 0, max: 40 }) }),
);

describe('dead letters across SIGKILL and restart (stormshift run --dead-letter DIR)', () => {
  it('the dead-letter directory holds each diverted record exactly once, wherever the kills land (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 150, max: 450 }),
        fc.integer({ min: 900, max: 1500 }),
        fc.array(kill, { minLength: 1, maxLength: 2 }),
        async (first, gap, kills) => scenario(first, gap, kills, 0),
      ),
      { numRuns: 6 },
    );
  }, 600_000);

  it('the same on 2 worker threads: workers stage dead letters, the main thread delivers them', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 150, max: 450 }),
        fc.integer({ min: 900, max: 1500 }),
        kill,
        async (first, gap, k) => scenario(first, gap, [k], 2),
      ),
      { numRuns: 2 },
    );
  }, 600_000);
});
