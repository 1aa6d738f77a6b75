import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { collectionSource, collectSink, ConnectorError, fileSink, StreamEnvironment } from '../../../runtime/index.ts';
import { restoredCommittables } from '../../../runtime/execution/subtask.ts';
import { quiet, runToList, sortNumbers, tempDir } from '../../fixtures/runtime/helpers.ts';

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
const dirs: Array<{ cleanup(): void }> = [];
afterEach(() => {
  for (const d of dirs.splice(0)) d.cleanup();
});
function dir(): string {
  const d = tempDir('connectors');
  dirs.push(d);
  return d.path;
}

describe('generator source', () => {
  it.each([1, 2, 3, 4])('emits every index exactly once at parallelism %i, reproducibly', async (p) => {
    const build = (env: StreamEnvironment) =>
      env.generate({ count: 1000, seed: 7, generate: (i, random) => i * 1000 + random.int(1000) }, { parallelism: p });
    const first = await runToList(build);
    const second = await runToList(build);
    expect(sortNumbers(first.map((v) => Math.floor(v / 1000)))).toEqual(range(1000));
    expect(sortNumbers(first)).toEqual(sortNumbers(second));
    const otherSeed = await runToList((env) =>
      env.generate({ count: 1000, seed: 8, generate: (i, random) => i * 1000 + random.int(1000) }),
    );
    expect(sortNumbers(otherSeed)).not.toEqual(sortNumbers(first));
  });

  it('a count of 0 ends at once; a rate-limited generator still emits everything', async () => {
    expect(await runToList((env) => env.generate({ count: 0, generate: (i) => i }))).toEqual([]);
    expect(
      sortNumbers(
        await runToList((env) =>
          env.generate({ count: 50, ratePerSecond: 2000, generate: (i) => i }, { parallelism: 2 }),
        ),
      ),
    ).toEqual(range(50));
  });
});

describe('collection source', () => {
  it('splits a collection over parallel readers without loss', async () => {
    const out = await runToList((env) => env.fromSource(collectionSource(range(101)), { parallelism: 3 }));
    expect(sortNumbers(out)).toEqual(range(101));
  });
});

describe('file lines source', () => {
  it('reads several files: CRLF, a last line without newline, multi-byte characters across chunk boundaries', async () => {
    const d = dir();
    writeFileSync(join(d, 'a.txt'), 'alpha\r\nbeta\ngamma');
    writeFileSync(join(d, 'b.txt'), 'ünïcödé ✓ line\n\nlast\n');
    const out = await runToList((env) =>
      env.readTextFile([join(d, 'a.txt'), join(d, 'b.txt')], { chunkBytes: 5, parallelism: 2 }),
    );
    expect(out.sort()).toEqual(['', 'alpha', 'beta', 'gamma', 'last', 'ünïcödé ✓ line'].sort());
  });

  it('a file with more lines than a poll may emit loses no line boundaries', async () => {
    const d = dir();
    const lines = range(1500).map((i) => `line-${i}`);
    writeFileSync(join(d, 'many.txt'), lines.join('\n'));
    const out = await runToList((env) => env.readTextFile(join(d, 'many.txt')), { batchSize: 100 });
    expect(out).toEqual(lines);
  });

  it('restores from the byte offset in a checkpoint: a failure mid-file gives exactly-once output', async () => {
    const d = dir();
    const lines = range(3000).map((i) => `${i}`);
    writeFileSync(join(d, 'in.txt'), lines.join('\n') + '\n');
    const sink = collectSink<string>({ exactlyOnce: true });
    let armed = true;
    const env = StreamEnvironment.create({
      ...quiet,
      batchSize: 50,
      checkpoint: { intervalMs: 10 },
      restart: { type: 'fixed-delay', attempts: 2, delayMs: 5 },
    });
    env
      .readTextFile(join(d, 'in.txt'), { chunkBytes: 256 })
      .process<string>((line, _c, out) => {
        if (line === '2222' && armed) {
          armed = false;
          throw new Error('once');
        }
        out.collect(line);
      })
      .sinkTo(sink.sink);
    const result = await env.execute();
    expect(armed).toBe(false);
    expect(result.restarts).toBe(1);
    expect(sink.values.sort()).toEqual([...lines].sort());
  });

  it('an unreadable input file fails with a ConnectorError naming the path', async () => {
    const missing = join(dir(), 'nope.txt');
    const error = await runToList((env) => env.readTextFile(missing)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectorError);
    expect((error as Error).message).toContain(missing);
  });
});

describe('file sink (exactly-once by commit on checkpoint)', () => {
  it('commits each record once across a failover; nothing uncommitted is visible; in-progress files are cleaned', async () => {
    const out = dir();
    let armed = true;
    const env = StreamEnvironment.create({
      ...quiet,
      parallelism: 2,
      checkpoint: { intervalMs: 10 },
      restart: { type: 'fixed-delay', attempts: 2, delayMs: 5 },
    });
    env
      .generate({ count: 4000, ratePerSecond: 40_000, generate: (i) => ({ i }) })
      .map((r) => {
        if (r.i === 2500 && armed) {
          armed = false;
          throw new Error('once');
        }
        return r;
      })
      .sinkTo(fileSink<{ i: number }>({ dir: out }));
    const result = await env.execute();
    expect(result.restarts).toBe(1);
    const committed = readdirSync(out).filter((f) => f.startsWith('part-'));
    const records = committed
      .flatMap((f) => readFileSync(join(out, f), 'utf8').split('\n').filter(Boolean))
      .map((l) => (JSON.parse(l) as { i: number }).i);
    expect(sortNumbers(records)).toEqual(range(4000));
    expect(readdirSync(join(out, '.pending')).filter((f) => f.endsWith('.inprogress'))).toEqual([]);
  });

  it("a stale in-progress file of a previous attempt is removed on open; other subtasks' files are left alone", async () => {
    const out = dir();
    mkdirSync(join(out, '.pending'), { recursive: true });
    writeFileSync(join(out, '.pending', 'part-0-1-2-3.inprogress'), 'stale\n');
    writeFileSync(join(out, '.pending', 'other-0-1-2-3.inprogress'), 'not mine\n');
    const env = StreamEnvironment.create(quiet);
    env.fromCollection(['x', 'y']).sinkTo(fileSink<string>({ dir: out }));
    await env.execute();
    expect(readdirSync(join(out, '.pending')).sort()).toEqual(['other-0-1-2-3.inprogress']);
    const text = readdirSync(out)
      .filter((f) => f.startsWith('part-'))
      .map((f) => readFileSync(join(out, f), 'utf8'))
      .join('');
    expect(text).toBe('x\ny\n');
  });
});

describe('file sink restored with fewer subtasks', () => {
  it("3 subtasks → 1: the removed subtasks' part files sealed for the restored checkpoint are committed, not left pending", async () => {
    const out = dir();
    const sink = fileSink<string>({ dir: out });
    const sealed: Record<number, unknown> = {};
    for (const subtaskIndex of [0, 1, 2]) {
      const w = sink.createWriter({
        jobName: 'j',
        operatorName: 'files',
        subtaskIndex,
        parallelism: 3,
        restored: false,
      });
      await w.open?.();
      await w.write(`s${subtaskIndex}`, 0);
      sealed[subtaskIndex] = await w.prepareCommit!(4);
      // The process dies here: the checkpoint is durable, nothing committed.
    }
    const restored = sink.createWriter({
      jobName: 'j',
      operatorName: 'files',
      subtaskIndex: 0,
      parallelism: 1,
      restored: true,
      restoredCheckpointId: 4,
    });
    // What the runtime hands the one remaining subtask on restore.
    await restored.commit!(restoredCommittables(sealed, 0, 1) as never);
    await restored.open?.();
    const text = readdirSync(out)
      .filter((f) => f.startsWith('part-'))
      .map((f) => readFileSync(join(out, f), 'utf8'))
      .sort();
    expect(text).toEqual(['s0\n', 's1\n', 's2\n']);
    expect(readdirSync(join(out, '.pending'))).toEqual([]);
  });
});

describe('collect and console sinks', () => {
  it('exactly-once collect shows nothing before a checkpoint completes', async () => {
    const sink = collectSink<number>({ exactlyOnce: true });
    const env = StreamEnvironment.create(quiet);
    let seenBeforeEnd = -1;
    env
      .fromCollection(range(10))
      .map((x) => {
        if (x === 9) seenBeforeEnd = sink.values.length;
        return x;
      })
      .sinkTo(sink.sink);
    await env.execute();
    expect(seenBeforeEnd).toBe(0);
    expect(sink.values).toEqual(range(10));
  });

  it('console sink prints formatted records with prefix and subtask label', async () => {
    const writes: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      writes.push(String(chunk));
      return true;
    });
    try {
      const env = StreamEnvironment.create(quiet);
      env.fromCollection([{ a: 1 }, 'plain']).print({ prefix: '> ' });
      env
        .fromCollection([1, 2])
        .rebalance()
        .print({ prefix: 'p:', parallelism: 2, format: (x) => `#${x}` });
      await env.execute();
    } finally {
      spy.mockRestore();
    }
    const lines = writes.join('').split('\n').filter(Boolean).sort();
    expect(lines).toEqual(['> plain', '> {"a":1}', 'p:1> #1', 'p:2> #2'].sort());
  });
});
