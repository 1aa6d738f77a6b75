import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { CheckpointError, StreamEnvironment, type JobConfig, type JobHandle } from '../../../runtime/index.ts';
import crashJob, { expectedLines } from '../../fixtures/runtime/crash-job.ts';
import { tempDir } from '../../fixtures/runtime/helpers.ts';

const COUNT = 3000;

const dirs: Array<{ cleanup(): void }> = [];
afterEach(() => {
  for (const d of dirs.splice(0)) d.cleanup();
});
function dir(): string {
  const d = tempDir('corrupt');
  dirs.push(d);
  return d.path;
}

async function start(
  out: string,
  ckpt: string,
  config: JobConfig,
  rate: number,
): Promise<{ env: StreamEnvironment; handle: JobHandle }> {
  const env = StreamEnvironment.create({
    jobName: 'crash-job',
    parallelism: 2,
    checkpoint: { intervalMs: 10, dir: ckpt, retain: 20 },
    restart: { type: 'none' },
    log: () => {},
    ...config,
  });
  await crashJob.build(env, [out, String(COUNT), String(rate)]);
  return { env, handle: env.executeAsync() };
}

/** Waits on the job's own progress (checkpoints completed), one event-loop turn at a time. */
async function untilCheckpoints(handle: JobHandle, n: number): Promise<void> {
  while (handle.status().checkpoints < n && !['finished', 'failed', 'cancelled'].includes(handle.status().state)) {
    await new Promise((r) => setTimeout(r, 1));
  }
}

function committedLines(out: string): string[] {
  return readdirSync(out)
    .filter((f) => !f.startsWith('.') && statSync(join(out, f)).isFile())
    .flatMap((f) =>
      readFileSync(join(out, f), 'utf8')
        .split('\n')
        .filter((l) => l !== ''),
    );
}

const checkpointFiles = (ckpt: string): string[] =>
  readdirSync(ckpt)
    .filter((f) => f.startsWith('chk-'))
    .sort();

describe('corrupt checkpoints', () => {
  it('newest checkpoints corrupt, an older one restored: output committed after it is fenced, exactly-once holds (property over where the fault lands)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 2, max: 8 }),
        fc.integer({ min: 1, max: 6 }),
        async (checkpointsBeforeStop, corruptNewest) => {
          const out = dir();
          const ckpt = dir();
          const first = await start(out, ckpt, {}, 10_000);
          await untilCheckpoints(first.handle, checkpointsBeforeStop);
          await first.handle.cancel();
          const files = checkpointFiles(ckpt);
          // Keep at least one readable checkpoint: this property is about falling back, not refusing.
          const hit = Math.min(corruptNewest, files.length - 1);
          for (const f of files.slice(files.length - hit)) writeFileSync(join(ckpt, f), 'garbage');
          const warnings: string[] = [];
          const second = await start(out, ckpt, { log: (level, m) => level === 'warn' && warnings.push(m) }, 1_000_000);
          await second.handle.result;
          if (hit > 0) expect(warnings.some((w) => w.includes(files.at(-1)!))).toBe(true);
          expect(committedLines(out).sort()).toEqual(expectedLines(COUNT).sort());
        },
      ),
      { numRuns: 8 },
    );
  });

  it('the only checkpoint corrupt: the run fails at once naming the file and the choices, never a silent fresh start', async () => {
    const out = dir();
    const ckpt = dir();
    const first = await start(out, ckpt, {}, 10_000);
    await untilCheckpoints(first.handle, 1);
    await first.handle.cancel();
    const files = checkpointFiles(ckpt);
    for (const f of files) writeFileSync(join(ckpt, f), 'garbage');
    const before = committedLines(out).length;
    const second = await start(
      out,
      ckpt,
      { restart: { type: 'exponential-backoff', initialDelayMs: 1, maxDelayMs: 2 } },
      1_000_000,
    );
    const error = await second.handle.result.then(
      () => new Error('the run should have refused to start'),
      (e: unknown) => e as Error,
    );
    expect(error).toBeInstanceOf(CheckpointError);
    expect((error as CheckpointError).code).toBe('CHECKPOINT_CORRUPT');
    expect(error.message).toContain(join(ckpt, files.at(-1)!));
    expect(error.message).toContain('--restore OLDER');
    expect(error.message).toContain('--no-restore');
    expect(second.handle.status().restarts).toBe(0);
    // Nothing was written by the refused run.
    expect(committedLines(out).length).toBe(before);

    // --no-restore is the explicit way out: it starts fresh and runs to the end.
    const fresh = await start(out, ckpt, { restore: 'none' }, 1_000_000);
    expect((await fresh.handle.result).state).toBe('finished');
  });

  it('a read-only checkpoint directory fails the job at once (non-retriable) with the path and the cause', async () => {
    // As root, permission bits do not stop writes; sysfs is read-only for everyone.
    let readOnly: string;
    if (process.getuid?.() === 0) readOnly = `/sys/stormshift-readonly-${process.pid}`;
    else {
      readOnly = join(dir(), 'ro');
      mkdirSync(readOnly, { mode: 0o555 });
    }
    const out = dir();
    const run = await start(
      out,
      readOnly,
      { restart: { type: 'exponential-backoff', initialDelayMs: 1, maxDelayMs: 2 } },
      10_000,
    );
    const error = await run.handle.result.then(
      () => new Error('the job should have failed'),
      (e: unknown) => e as Error,
    );
    expect(error).toBeInstanceOf(CheckpointError);
    expect((error as CheckpointError).code).toBe('CHECKPOINT_STORAGE_UNUSABLE');
    expect((error as CheckpointError).retriable).toBe(false);
    expect(error.message).toContain(readOnly);
    expect(error.message).toMatch(/EACCES|EPERM|EROFS/);
    expect(run.handle.status().restarts).toBe(0);
    rmSync(readOnly, { recursive: true, force: true });
  });
});
