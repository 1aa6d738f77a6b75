import { describe, expect, it } from 'vitest';
import { StreamEnvironment, type JobHandle, type Sink } from '../../../runtime/index.ts';
import { quiet } from '../../fixtures/runtime/helpers.ts';

/**
 * A sink whose writes take a while (one connection, one request at a time: a write lands one
 * event-loop turn after the one before it) under a source that never lets up: the sink always has
 * writes in flight. A barrier must only wait for the writes issued before it.
 */
function slowSink(written: number[], issued: number[] = []): Sink<number> {
  return {
    createWriter: () => {
      let tail = Promise.resolve();
      return {
        write: (value) => {
          issued.push(value);
          tail = tail
            .then(() => new Promise<void>((resolve) => setImmediate(resolve)))
            .then(() => {
              written.push(value);
            });
          return tail;
        },
      };
    },
  };
}

async function running(job: JobHandle): Promise<void> {
  while (job.status().state !== 'running') await new Promise((r) => setImmediate(r));
}

describe('barriers pass through a busy async sink', () => {
  it('periodic checkpoints keep completing while the sink always has writes in flight (full backpressure)', async () => {
    const written: number[] = [];
    const env = StreamEnvironment.create({
      ...quiet,
      checkpoint: { intervalMs: 10, timeoutMs: 600_000 },
      restart: { type: 'none' },
    });
    env
      .generate({ generate: (i) => i }, { name: 'Numbers' })
      .map((i) => i, { name: 'Id' })
      .sinkTo(slowSink(written), { name: 'Slow', maxInFlight: 8 });
    const job = env.executeAsync();
    await running(job);
    const seenCheckpoints: number[] = [];
    // Each trigger must resolve; before the fix the first one waited for in-flight to reach 0, which never happens.
    for (let i = 0; i < 5; i++) seenCheckpoints.push((await job.triggerCheckpoint()).id);
    const status = job.status();
    await job.cancel();
    expect(status.state).toBe('running');
    expect(seenCheckpoints).toHaveLength(5);
    expect(new Set(seenCheckpoints).size).toBe(5);
    expect(written.length).toBeGreaterThan(0);
  });

  it('a checkpoint covers every write issued before its barrier', async () => {
    const written: number[] = [];
    const issued: number[] = [];
    const env = StreamEnvironment.create({ ...quiet, checkpoint: {}, restart: { type: 'none' } });
    env
      .generate({ generate: (i) => i }, { name: 'Numbers' })
      .sinkTo(slowSink(written, issued), { name: 'Slow', maxInFlight: 4 });
    const job = env.executeAsync();
    await running(job);
    for (let round = 0; round < 3; round++) {
      // Source and sink are chained: the barrier enters right now, behind every write issued so far.
      const issuedBefore = new Set(issued);
      await job.triggerCheckpoint();
      const landed = new Set(written);
      expect([...issuedBefore].filter((v) => !landed.has(v))).toEqual([]);
    }
    await job.cancel();
    expect(written).toEqual([...written].sort((a, b) => a - b));
  });
});
