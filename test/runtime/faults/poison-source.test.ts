/**
 * A source whose own code throws on every poll has no record to count; the poison policy counts
 * the source instead: the same source failing with the same error `attempts` times in a row, with
 * no checkpoint completed in between, is poison. A connector's I/O failure (a broker that may come
 * back) stays the restart strategy's to retry.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { PoisonTracker } from '../../../runtime/execution/poison.ts';
import {
  collectSink,
  ConnectorError,
  loadJobModule,
  PoisonSourceError,
  RuntimeMetrics,
  StreamEnvironment,
  type JobConfig,
  type PoisonPolicy,
  type Source,
} from '../../../runtime/index.ts';

const work = mkdtempSync(join(tmpdir(), 'stormshift-poison-source-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Emits `before` numbers, then throws `error()` on every poll (a broken reader), on every incarnation. */
function brokenSource(before: number, error: () => Error): Source<number, number> {
  return {
    createReader() {
      let next = 0;
      return {
        poll(output) {
          if (next < before) {
            output.collect(next++);
            return 'more';
          }
          throw error();
        },
        snapshotState: () => next,
        restoreState(position) {
          next = position;
        },
      };
    },
  };
}

function run(source: Source<number, number>, config: JobConfig) {
  const metrics = new RuntimeMetrics();
  const logs: string[] = [];
  const env = StreamEnvironment.create({
    restart: { type: 'fixed-delay', attempts: 20, delayMs: 1 },
    metrics,
    log: (level, message) => logs.push(`${level}: ${message}`),
    ...config,
  });
  env
    .fromSource(source, { name: 'Readings' })
    .map((n) => n * 2, { name: 'Double' })
    .sinkTo(collectSink<number>().sink, { name: 'Out' });
  const handle = env.executeAsync();
  const outcome = handle.result.then(
    () => undefined,
    (e: unknown) => e as Error,
  );
  return { handle, outcome, metrics, logs };
}

const poisonCount = async (metrics: RuntimeMetrics, action: string): Promise<number> => {
  const text = await metrics.registry.metrics();
  const m = new RegExp(
    `^stormshift_poison_sources_total\\{[^}]*operator="Readings"[^}]*action="${action}"\\} (\\d+)`,
    'm',
  ).exec(text);
  return m ? Number(m[1]) : 0;
};

describe('a source that throws on every poll', () => {
  it('default policy: after 3 failures in a row with the same error the job fails once, naming the source; counted in metrics', async () => {
    const { handle, outcome, metrics } = run(
      brokenSource(5, () => new Error('sensor offline')),
      {},
    );
    const error = await outcome;
    expect(error).toBeInstanceOf(PoisonSourceError);
    expect((error as PoisonSourceError).code).toBe('POISON_SOURCE');
    expect((error as PoisonSourceError).retriable).toBe(false);
    expect(error!.message).toContain(
      "source 'Readings' failed 3 times in a row with the same error and no checkpoint in between: sensor offline",
    );
    expect(error!.message).toContain("'Readings': 'restart'");
    expect(handle.status().restarts).toBe(2);
    expect(await poisonCount(metrics, 'fail')).toBe(1);
  });

  it('property over where it fails, the attempts and the policy: fail and skip stop at `attempts`, restart leaves it to the restart strategy', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 30 }),
        fc.integer({ min: 1, max: 4 }),
        fc.constantFrom<PoisonPolicy | undefined>(undefined, 'fail', 'skip', 'restart'),
        async (before, attempts, policy) => {
          const restarts = 6;
          const { handle, outcome, metrics, logs } = run(
            brokenSource(before, () => new Error(`reader broke after ${before}`)),
            {
              restart: { type: 'fixed-delay', attempts: restarts, delayMs: 1 },
              poison: { attempts, ...(policy ? { operators: { Readings: policy } } : {}) },
            },
          );
          const error = await outcome;
          if (policy === 'restart') {
            // Not poison: the restart strategy ends it with the source's own error, each restart logged.
            expect(error).not.toBeInstanceOf(PoisonSourceError);
            expect(error!.message).toContain(`reader broke after ${before}`);
            expect(handle.status().restarts).toBe(restarts);
            expect(await poisonCount(metrics, 'restart')).toBe(1);
            expect(logs.filter((l) => l.includes("poison source: source 'Readings'"))).toHaveLength(
              restarts + 1 - attempts + 1,
            );
          } else {
            expect(error).toBeInstanceOf(PoisonSourceError);
            expect(error!.message).toContain(`failed ${attempts} times in a row`);
            expect(handle.status().restarts).toBe(attempts - 1);
            expect(await poisonCount(metrics, 'fail')).toBe(1);
          }
        },
      ),
      { numRuns: 12 },
    );
  }, 120_000);

  it('a different error each time is no streak: the restart strategy decides', async () => {
    let n = 0;
    const { handle, outcome } = run(
      brokenSource(0, () => new Error(`failure #${++n}`)),
      { restart: { type: 'fixed-delay', attempts: 5, delayMs: 1 } },
    );
    const error = await outcome;
    expect(error).not.toBeInstanceOf(PoisonSourceError);
    expect(handle.status().restarts).toBe(5);
  });

  it("a connector's I/O failure (retriable ConnectorError) is left to the restart strategy, however often it repeats", async () => {
    const { handle, outcome } = run(
      brokenSource(
        0,
        () => new ConnectorError('KAFKA_UNREACHABLE', 'brokers 127.0.0.1:1 unreachable', { retriable: true }),
      ),
      { restart: { type: 'fixed-delay', attempts: 5, delayMs: 1 } },
    );
    const error = await outcome;
    expect(error).not.toBeInstanceOf(PoisonSourceError);
    expect(error!.message).toContain('unreachable');
    expect(handle.status().restarts).toBe(5);
  });

  it('a checkpoint completed between two failures breaks the streak (the job moved on)', () => {
    const tracker = new PoisonTracker('job', {}, new RuntimeMetrics(), () => {});
    const failure = new Error('sensor offline');
    const judge = (progressed: boolean) => tracker.judge(failure, { source: 'Readings', progressed }).action;
    expect([judge(false), judge(false), judge(true), judge(false)]).toEqual([
      'not-poison',
      'not-poison',
      'not-poison',
      'not-poison',
    ]);
    expect(judge(false)).toBe('fail');
    // Another failure in between breaks it too.
    tracker.judge(new Error('something else'), { progressed: false });
    expect(judge(false)).toBe('not-poison');
  });
});

describe('a source that throws on every poll, on worker threads', () => {
  it('the failure crosses to the main thread naming the source; the third one fails the job with POISON_SOURCE', async () => {
    const JOB = resolve(import.meta.dirname, '../../fixtures/workers/broken-source-job.ts');
    const args = [join(work, 'workers-out')];
    const job = await loadJobModule(JOB);
    const env = StreamEnvironment.create({
      jobName: 'broken-source-workers',
      jobModule: JOB,
      jobArgs: args,
      workers: 2,
      parallelism: 2,
      restart: { type: 'fixed-delay', attempts: 10, delayMs: 1 },
      log: () => {},
    });
    await job.build(env, args);
    const error = await env.execute('broken-source-workers').then(
      () => new Error('the job should have failed'),
      (e: unknown) => e as Error,
    );
    expect(error).toBeInstanceOf(PoisonSourceError);
    expect(error.message).toContain("source 'Readings' failed 3 times in a row");
    expect(error.message).toContain('sensor offline');
  }, 240_000);
});
