import { describe, expect, it } from 'vitest';
import { collectSink, StreamEnvironment, type Source } from '../../../runtime/index.ts';
import { quiet, sleep, tempDir } from '../../fixtures/runtime/helpers.ts';

/** Never ends; emits one number per poll. */
const endless: Source<number, number> = {
  createReader: () => {
    let next = 0;
    return {
      idleBackoffMs: 1,
      poll(out) {
        out.collect(next++);
        return 'idle';
      },
      snapshotState: () => next,
      restoreState: (s) => {
        next = s;
      },
    };
  },
};

/** Waits for an event; the test's timeout bounds the wait, not a span of time load can overrun. */
async function until(predicate: () => boolean): Promise<void> {
  while (!predicate()) await sleep(2);
}

describe('job handle', () => {
  it('reports status, takes checkpoints on demand and cancels', async () => {
    const env = StreamEnvironment.create({ ...quiet, checkpoint: { intervalMs: 10_000 } });
    const sink = collectSink<number>({ exactlyOnce: true });
    let reachedSink = 0;
    env
      .fromSource(endless)
      .map((x) => {
        reachedSink++;
        return x;
      })
      .sinkTo(sink.sink);
    const handle = env.executeAsync('handled');
    expect(handle.jobName).toBe('handled');
    await until(() => handle.status().state === 'running');
    // Records written before the barrier are what the checkpoint makes visible: wait for some.
    await until(() => reachedSink > 0);
    const stored = await handle.triggerCheckpoint();
    expect(stored.kind).toBe('checkpoint');
    expect(handle.status().checkpoints).toBe(1);
    expect(handle.status().lastCheckpoint?.id).toBe(stored.id);
    // Exactly-once output becomes visible with the checkpoint, and only up to its barrier.
    const visible = sink.values.length;
    expect(visible).toBeGreaterThan(0);
    expect(sink.values).toEqual(Array.from({ length: visible }, (_, i) => i));
    const result = await handle.cancel();
    expect(result.state).toBe('cancelled');
    expect(result.checkpoints).toBe(1);
    expect(handle.status().state).toBe('cancelled');
    await expect(handle.triggerCheckpoint()).rejects.toThrow(/not running/);
  });

  it('stop() ends the sources before its last checkpoint: a restore continues right after the last output', async () => {
    const d = tempDir('handle-stop');
    const run = async (): Promise<number[]> => {
      const env = StreamEnvironment.create({
        ...quiet,
        checkpoint: { intervalMs: 1000, dir: d.path },
        restore: 'latest',
      });
      const seen: number[] = [];
      // At-least-once output (a plain map): everything printed before the stop must be in its checkpoint.
      env
        .fromSource(endless)
        .map((x) => {
          seen.push(x);
          return x;
        })
        .sinkTo(collectSink<number>().sink);
      const handle = env.executeAsync();
      await until(() => seen.length >= 200);
      const result = await handle.stop();
      expect(result.state).toBe('cancelled');
      expect(result.checkpoints).toBeGreaterThanOrEqual(1);
      return seen;
    };
    const first = await run();
    const second = await run();
    d.cleanup();
    expect(first).toEqual(Array.from({ length: first.length }, (_, i) => i));
    expect(second[0]).toBe(first.length);
  });

  it('savepoints and checkpoints asked for while a periodic checkpoint runs wait their turn instead of failing', async () => {
    const d = tempDir('handle');
    const env = StreamEnvironment.create({ ...quiet, checkpoint: { intervalMs: 10, dir: d.path } });
    env.fromSource(endless).sinkTo(collectSink<number>({ exactlyOnce: true }).sink);
    const handle = env.executeAsync();
    await until(() => handle.status().checkpoints >= 1);
    const ids: number[] = [];
    for (let i = 0; i < 15; i++) {
      ids.push((await handle.triggerSavepoint()).id);
      ids.push((await handle.triggerCheckpoint()).id);
      await sleep(i % 4);
    }
    await handle.cancel();
    d.cleanup();
    expect(new Set(ids).size).toBe(30);
  });

  it('cancel() during a restart back-off ends the job as cancelled, without waiting out the delay', async () => {
    const env = StreamEnvironment.create({ ...quiet, restart: { type: 'fixed-delay', attempts: 5, delayMs: 60_000 } });
    env
      .fromSource(endless)
      .map((x) => {
        if (x === 3) throw new Error('boom');
        return x;
      })
      .print();
    const handle = env.executeAsync();
    await until(() => handle.status().state === 'restarting');
    expect(handle.status().lastError).toMatch(/boom/);
    const result = await handle.cancel();
    expect(result.state).toBe('cancelled');
    expect(result.restarts).toBe(1);
  });

  it('a bounded job resolves execute() with its result; process functions get finish() at the end', async () => {
    const env = StreamEnvironment.create(quiet);
    const sink = collectSink<string>();
    env
      .fromCollection(['a', 'b'])
      .process<string>({
        processElement(v, ctx, out) {
          expect(ctx.timestamp).toBeUndefined();
          out.collect(v);
        },
        finish(out) {
          out.collect('end');
        },
      })
      .sinkTo(sink.sink);
    const result = await env.execute('bounded');
    expect(result).toMatchObject({ jobName: 'bounded', state: 'finished', restarts: 0 });
    expect(sink.values).toEqual(['a', 'b', 'end']);
  });

  it('operator metrics count records in and out per operator', async () => {
    const env = StreamEnvironment.create(quiet);
    env
      .fromCollection([1, 2, 3, 4])
      .filter((x) => x % 2 === 0, { name: 'Evens' })
      .sinkTo(collectSink<number>().sink, { name: 'Out' });
    const handle = env.executeAsync('metered');
    await handle.result;
    const job = handle.metrics.snapshot().jobs.metered!;
    expect(job.operators.Evens).toMatchObject({ recordsIn: 4, recordsOut: 2, subtasks: 1 });
    expect(job.operators.Out).toMatchObject({ recordsIn: 2 });
  });
});
