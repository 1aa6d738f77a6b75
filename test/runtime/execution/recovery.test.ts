import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  CheckpointError,
  collectSink,
  StreamEnvironment,
  ValueStateDescriptor,
  type CollectSink,
  type JobConfig,
  type KeyedProcessFunction,
  type ValueState,
} from '../../../runtime/index.ts';
import { gatedNumbers, quiet, tempDir, type Hold } from '../../fixtures/runtime/helpers.ts';

const N = 4000;
const KEYS = 13;

/** generator → map (may throw once) → keyBy → running count per key → exactly-once collect sink. */
function countingJob(
  config: JobConfig,
  sink: CollectSink<string>,
  options: {
    failAt?: { index: number; armed: { value: boolean } };
    rate?: number;
    asyncStage?: boolean;
    hold?: Hold;
  } = {},
) {
  const env = StreamEnvironment.create({ ...quiet, ...config });
  const numbers = options.hold
    ? env.fromSource(gatedNumbers(N, options.hold), { name: 'Numbers', parallelism: 2 })
    : env.generate(
        { count: N, generate: (i) => i, ...(options.rate ? { ratePerSecond: options.rate } : {}) },
        { name: 'Numbers', parallelism: 2 },
      );
  let stream = numbers.map(
    (i) => {
      if (options.failAt && i === options.failAt.index && options.failAt.armed.value) {
        options.failAt.armed.value = false;
        throw new Error('transient failure');
      }
      return i;
    },
    { name: 'MaybeFail' },
  );
  if (options.asyncStage) stream = stream.asyncMap(async (i) => i, { capacity: 5, name: 'Echo' });
  stream
    .keyBy((i) => i % KEYS)
    .process<string>(runningCount(), { name: 'Count', parallelism: 3 })
    .sinkTo(sink.sink, { name: 'Out' });
  return env;
}

function runningCount(): KeyedProcessFunction<number, number, string> & { count?: ValueState<number> } {
  return {
    open(ctx) {
      this.count = ctx.getState(new ValueStateDescriptor<number>('count'));
    },
    processElement(_i, ctx, out) {
      const n = (this.count!.value() ?? 0) + 1;
      this.count!.update(n);
      out.collect(`${ctx.getCurrentKey()}:${n}`);
    },
  };
}

function cleanOutput(): string[] {
  const out: string[] = [];
  const counts = new Array<number>(KEYS).fill(0);
  for (let i = 0; i < N; i++) out.push(`${i % KEYS}:${++counts[i % KEYS]!}`);
  return out.sort();
}

function finalCounts(values: string[]): Map<string, number> {
  const max = new Map<string, number>();
  for (const v of values) {
    const [k, n] = v.split(':');
    max.set(k!, Math.max(max.get(k!) ?? 0, Number(n)));
  }
  return max;
}

const dirs: Array<{ cleanup(): void }> = [];
afterEach(() => {
  for (const d of dirs.splice(0)) d.cleanup();
});
function dir(): string {
  const d = tempDir('recovery');
  dirs.push(d);
  return d.path;
}

/** Waits for an event (re-checked every few ms); only the test's own timeout bounds it. */
async function waitFor(predicate: () => boolean): Promise<void> {
  while (!predicate()) await new Promise((r) => setTimeout(r, 5));
}

const held = (): Hold => ({ at: N / 2, emitted: 0 });
const released = (): Hold => ({ at: Infinity, emitted: 0 });

describe('failover and checkpoints (in-process)', () => {
  it('a clean run produces the expected output exactly once', async () => {
    const sink = collectSink<string>({ exactlyOnce: true });
    const result = await countingJob({ checkpoint: { intervalMs: 20 } }, sink).execute();
    expect(result.state).toBe('finished');
    expect(sink.values.sort()).toEqual(cleanOutput());
  });

  it('a map that throws once restarts from the last checkpoint and ends with exactly the clean result', async () => {
    const sink = collectSink<string>({ exactlyOnce: true });
    const armed = { value: true };
    const result = await countingJob(
      { checkpoint: { intervalMs: 15 }, restart: { type: 'fixed-delay', attempts: 3, delayMs: 10 } },
      sink,
      { failAt: { index: 2500, armed }, rate: 20_000 },
    ).execute();
    expect(armed.value).toBe(false);
    expect(result.restarts).toBe(1);
    expect(result.checkpoints).toBeGreaterThan(0);
    expect(sink.values.sort()).toEqual(cleanOutput());
  });

  it('in-flight async requests are part of the checkpoint: failover through an async stage is exactly-once too', async () => {
    const sink = collectSink<string>({ exactlyOnce: true });
    const armed = { value: true };
    const result = await countingJob(
      { checkpoint: { intervalMs: 15 }, restart: { type: 'fixed-delay', attempts: 3, delayMs: 10 } },
      sink,
      {
        failAt: { index: 3000, armed },
        rate: 20_000,
        asyncStage: true,
      },
    ).execute();
    expect(result.restarts).toBe(1);
    expect(sink.values.sort()).toEqual(cleanOutput());
  });

  it('a bounded job with frequent checkpoints finishes without spurious failures', async () => {
    for (let run = 0; run < 8; run++) {
      const sink = collectSink<string>({ exactlyOnce: true });
      const result = await countingJob(
        { checkpoint: { intervalMs: 10, dir: dir() }, restart: { type: 'none' } },
        sink,
        { rate: 40_000 },
      ).execute();
      expect(result.restarts).toBe(0);
      expect(sink.values.length).toBe(N);
    }
  });

  it('restores across two execute() runs: cancel the first mid-way, the second resumes from the latest checkpoint', async () => {
    const checkpoints = dir();
    const sink = collectSink<string>({ exactlyOnce: true });
    const first = countingJob({ checkpoint: { intervalMs: 20, dir: checkpoints } }, sink, {
      hold: held(),
    }).executeAsync();
    await waitFor(() => first.status().checkpoints >= 3);
    const cancelled = await first.cancel();
    expect(cancelled.state).toBe('cancelled');
    const committedByFirst = sink.values.length;
    expect(committedByFirst).toBeGreaterThan(0);
    expect(committedByFirst).toBeLessThan(N);
    const second = await countingJob({ checkpoint: { intervalMs: 20, dir: checkpoints }, restore: 'latest' }, sink, {
      hold: released(),
    }).execute();
    expect(second.state).toBe('finished');
    expect(sink.values.sort()).toEqual(cleanOutput());
  });

  it('a savepoint taken through the handle restores a new run', async () => {
    const checkpoints = dir();
    const sink = collectSink<string>({ exactlyOnce: true });
    // No periodic checkpoints: the savepoint is the only commit point of the first run.
    const hold = held();
    const first = countingJob({ checkpoint: { dir: checkpoints } }, sink, { hold }).executeAsync();
    await waitFor(() => hold.emitted === N / 2);
    const savepoint = await first.triggerSavepoint();
    await first.cancel();
    expect(savepoint.kind).toBe('savepoint');
    expect(sink.values.length).toBeGreaterThan(0);
    expect(sink.values.length).toBeLessThan(N);
    await countingJob({ checkpoint: { dir: checkpoints }, restore: { path: savepoint.path } }, sink, {
      hold: released(),
    }).execute();
    expect(sink.values.sort()).toEqual(cleanOutput());
  });

  it("a fresh run (restore 'none', or from a savepoint) in a directory holding an older run's checkpoints never restores those on failover", async () => {
    const checkpoints = dir();
    // An earlier run of the job left many checkpoints behind (its final one says "all input read").
    await countingJob(
      { checkpoint: { intervalMs: 10, dir: checkpoints } },
      collectSink<string>({ exactlyOnce: true }),
      { rate: 20_000 },
    ).execute();
    const sink = collectSink<string>({ exactlyOnce: true });
    const armed = { value: true };
    const result = await countingJob(
      {
        checkpoint: { intervalMs: 15, dir: checkpoints },
        restore: 'none',
        restart: { type: 'fixed-delay', attempts: 3, delayMs: 5 },
      },
      sink,
      { failAt: { index: 3000, armed }, rate: 20_000 },
    ).execute();
    expect(result.restarts).toBe(1);
    expect(sink.values.sort()).toEqual(cleanOutput());
  });

  it('a corrupt latest checkpoint is reported and the one before it is used', async () => {
    const checkpoints = dir();
    const first = countingJob(
      { checkpoint: { intervalMs: 20, dir: checkpoints, retain: 5 } },
      collectSink<string>({ exactlyOnce: true }),
      { hold: held() },
    ).executeAsync();
    await waitFor(() => first.status().checkpoints >= 3);
    await first.cancel();
    const files = readdirSync(checkpoints)
      .filter((f) => f.startsWith('chk-'))
      .sort();
    expect(files.length).toBeGreaterThanOrEqual(2);
    const newest = join(checkpoints, files.at(-1)!);
    writeFileSync(newest, 'not a checkpoint');
    const warnings: string[] = [];
    const sink = collectSink<string>({ exactlyOnce: true });
    const env = countingJob({ checkpoint: { intervalMs: 20, dir: checkpoints, retain: 5 } }, sink, {
      hold: released(),
    });
    env.configure({ log: (level, message) => level !== 'info' && warnings.push(message) });
    await env.execute();
    expect(warnings.some((w) => w.includes(files.at(-1)!))).toBe(true);
    // The older checkpoint's state plus the replay from its positions gives the clean final counts.
    expect(finalCounts(sink.values)).toEqual(finalCounts(cleanOutput()));
  });

  it('a restore path that cannot be read fails the job with a CheckpointError naming it', async () => {
    const missing = join(dir(), 'chk-000000042.snap');
    const error = await countingJob({ restore: { path: missing } }, collectSink<string>())
      .execute()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CheckpointError);
    expect((error as Error).message).toContain(missing);
  });

  it('a checkpoint directory that is not a directory is reported naming it', async () => {
    const file = join(dir(), 'plain-file');
    writeFileSync(file, 'x');
    for (const restore of ['latest', 'none'] as const) {
      const error = await countingJob({ checkpoint: { intervalMs: 10, dir: file }, restore }, collectSink<string>())
        .execute()
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CheckpointError);
      expect((error as Error).message).toContain(file);
    }
  });

  it("with restart 'none' a failure rejects execute() with the error naming operator and record", async () => {
    const armed = { value: true };
    const error = await countingJob(
      { checkpoint: { intervalMs: 20 }, restart: { type: 'none' } },
      collectSink<string>(),
      { failAt: { index: 77, armed } },
    )
      .execute()
      .then(
        () => new Error('the job should have failed'),
        (e: unknown) => e as Error,
      );
    expect(error).toBeInstanceOf(Error);
    expect(error.message).toMatch(/operator 'MaybeFail' failed on record 77: transient failure/);
  });

  it('a failure that keeps happening exhausts a fixed-delay strategy and rejects', async () => {
    let attempts = 0;
    const env = StreamEnvironment.create({ ...quiet, restart: { type: 'fixed-delay', attempts: 2, delayMs: 1 } });
    env
      .fromCollection([1, 2, 3])
      .map(
        (x) => {
          if (x === 2) {
            attempts++;
            throw new Error('always');
          }
          return x;
        },
        { name: 'Always' },
      )
      .print();
    // The third failure on the same record is also the poison threshold (default 3): the error says so.
    await expect(env.execute()).rejects.toThrow(/'Always' failed (3 times )?on record 2: always/);
    expect(attempts).toBe(3);
  });
});
