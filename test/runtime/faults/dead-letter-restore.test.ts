import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, fileSink, StreamEnvironment, type DeadLetter, type JobConfig } from '../../../runtime/index.ts';
import { numbersPacedByCheckpoints } from '../../fixtures/runtime/crash-job.ts';
import { tempDir } from '../../fixtures/runtime/helpers.ts';

const COUNT = 400;
const POISON = 150;
// 20 numbers per checkpoint: the poison record is met about 7 checkpoints in, so checkpoints
// before and after it exist on disk (retain 100 keeps them all).
const PER_CHECKPOINT = 20;

const dirs: Array<{ cleanup(): void }> = [];
afterAll(() => {
  for (const d of dirs) d.cleanup();
});

function paths() {
  const d = tempDir('dead-letter-restore');
  dirs.push(d);
  return { out: join(d.path, 'out'), checkpoints: join(d.path, 'ckpt'), dead: join(d.path, 'dead') };
}

async function run(p: ReturnType<typeof paths>, config: JobConfig = {}): Promise<void> {
  const env = StreamEnvironment.create({
    jobName: 'dead-letter-restore',
    log: () => {},
    checkpoint: { intervalMs: 10, dir: p.checkpoints, retain: 100 },
    restart: { type: 'fixed-delay', attempts: 10, delayMs: 1 },
    poison: { attempts: 2, operators: { Parse: 'skip' }, deadLetter: { dir: p.dead } },
    ...config,
  });
  env
    .fromSource(numbersPacedByCheckpoints(COUNT, PER_CHECKPOINT), { name: 'Numbers', uid: 'numbers' })
    .map(
      (i) => {
        if (i === POISON) throw new Error(`cannot parse ${i}`);
        return String(i);
      },
      { name: 'Parse', uid: 'parse' },
    )
    .sinkTo(fileSink<string>({ dir: p.out }), { name: 'Files', uid: 'files' });
  await env.execute();
}

function files(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).filter((f) => /^dead-letters-\d+\.jsonl$/.test(f)) : [];
}

function entries(dir: string): DeadLetter[] {
  return files(dir).flatMap((f) =>
    readFileSync(join(dir, f), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as DeadLetter),
  );
}

function outputLines(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.startsWith('part-'))
    .flatMap((f) => readFileSync(join(dir, f), 'utf8').split('\n').filter(Boolean))
    .sort();
}

const expectedOutput = Array.from({ length: COUNT }, (_, i) => i)
  .filter((i) => i !== POISON)
  .map(String)
  .sort();

const checkpointFile = (p: ReturnType<typeof paths>, id: number): string =>
  join(p.checkpoints, `chk-${String(id).padStart(9, '0')}.snap`);

describe('dead letters and restores (poison.deadLetter: { dir })', () => {
  it('one JSON line per diverted record, in the file of the checkpoint that committed it', async () => {
    const p = paths();
    await run(p);
    const [file] = files(p.dead);
    expect(files(p.dead)).toHaveLength(1);
    const id = Number(/(\d+)/.exec(file!)![1]);
    expect(entries(p.dead)).toEqual([
      {
        checkpointId: id,
        index: 0,
        jobName: 'dead-letter-restore',
        operator: 'Parse',
        attempts: 2,
        error: `cannot parse ${POISON}`,
        record: POISON,
      },
    ]);
    expect(outputLines(p.out)).toEqual(expectedOutput);
  });

  it('a restore from the checkpoint that holds a dead letter delivers it again when the process died before it did, and only then', async () => {
    const p = paths();
    await run(p);
    const [file] = files(p.dead);
    const id = Number(/(\d+)/.exec(file!)![1]);
    const before = readFileSync(join(p.dead, file!), 'utf8');
    // Restoring with the file in place writes nothing more (the name says it was delivered).
    await run(p, { restore: { path: checkpointFile(p, id) } });
    expect(files(p.dead)).toEqual([file]);
    // As if the process died between the checkpoint becoming durable and the delivery.
    rmSync(join(p.dead, file!));
    await run(p, { restore: { path: checkpointFile(p, id) } });
    expect(files(p.dead)).toEqual([file]);
    expect(readFileSync(join(p.dead, file!), 'utf8')).toBe(before);
    expect(outputLines(p.out)).toEqual(expectedOutput);
  });

  it('a restore from a checkpoint before the dead letter moves its file to .discarded/ and the replay writes it once', async () => {
    const p = paths();
    await run(p);
    const [file] = files(p.dead);
    const id = Number(/(\d+)/.exec(file!)![1]);
    await run(p, { restore: { path: checkpointFile(p, id - 1) } });
    expect(readdirSync(join(p.dead, '.discarded'))).toEqual([file]);
    expect(entries(p.dead).map((e) => [e.operator, e.record])).toEqual([['Parse', POISON]]);
    expect(files(p.dead)).not.toContain(file);
    expect(outputLines(p.out)).toEqual(expectedOutput);
  });

  it('a callback gets each dead letter once per process, with what identifies it across a restore', async () => {
    const p = paths();
    const seen: DeadLetter[] = [];
    await run(p, { poison: { attempts: 2, operators: { Parse: 'skip' }, deadLetter: (d) => seen.push(d) } });
    expect(seen).toHaveLength(1);
    const id = seen[0]!.checkpointId!;
    // A new process restored from that checkpoint cannot know the callback ran: it runs again (at-least-once there).
    const again: DeadLetter[] = [];
    await run(p, {
      poison: { attempts: 2, operators: { Parse: 'skip' }, deadLetter: (d) => again.push(d) },
      restore: { path: checkpointFile(p, id) },
    });
    expect(again).toEqual(seen);
  });

  it('a dead-letter directory that cannot be written fails the job with DEAD_LETTER_WRITE_FAILED naming it, after the restarts the strategy allows', async () => {
    const p = paths();
    mkdirSync(dirname(p.dead), { recursive: true });
    writeFileSync(p.dead, 'a file where the directory should be');
    const error = await run(p, { restart: { type: 'fixed-delay', attempts: 2, delayMs: 1 } }).then(
      () => new Error('the job should have failed'),
      (e: unknown) => e as Error,
    );
    expect(error).toMatchObject({ code: 'DEAD_LETTER_WRITE_FAILED', retriable: true });
    expect(error.message).toContain(p.dead);
  });

  it('a wrong deadLetter option is a ConfigError naming it', () => {
    expect(() => StreamEnvironment.create({ poison: { deadLetter: { dir: '' } } })).toThrow(ConfigError);
    expect(() => StreamEnvironment.create({ poison: { deadLetter: 'dead/' as never } })).toThrow(
      /poison.deadLetter' must be a function or \{ dir/,
    );
  });
});
