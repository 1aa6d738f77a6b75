import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  loadJobModule,
  PoisonRecordError,
  RuntimeMetrics,
  SerializationError,
  StreamEnvironment,
  type DeadLetter,
  type JobConfig,
} from '../../../runtime/index.ts';

const JOB = resolve(import.meta.dirname, '../../fixtures/workers/count-job.ts');
const work = mkdtempSync(join(tmpdir(), 'stormshift-workers-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function runJob(name: string, config: JobConfig, args: string[]): Promise<void> {
  const job = await loadJobModule(JOB);
  const env = StreamEnvironment.create({ jobName: name, jobModule: JOB, jobArgs: args, ...config });
  await job.build(env, args);
  await env.execute(name);
}

function committedLines(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.startsWith('part-'))
    .flatMap((f) => readFileSync(join(dir, f), 'utf8').split('\n').filter(Boolean))
    .sort();
}

/** What a keyed running count over 0..n-1 by n % 10 must produce: every "key:i" once. */
function expectedLines(n: number): string[] {
  const lines: string[] = [];
  for (let key = 0; key < 10; key++) {
    const perKey = Math.floor(n / 10) + (key < n % 10 ? 1 : 0);
    for (let c = 1; c <= perKey; c++) lines.push(`${key}:${c}`);
  }
  return lines.sort();
}

describe('worker threads', () => {
  it('spread subtasks over two workers, shuffle by key between them and commit every record once', async () => {
    const out = join(work, 'plain');
    await runJob('workers-plain', { workers: 2, parallelism: 2, checkpoint: { intervalMs: 50 } }, [out, '20000']);
    expect(committedLines(out)).toEqual(expectedLines(20000));
  });

  it('fail over from a task failure in a worker and still produce exactly the uninterrupted output', async () => {
    const out = join(work, 'failover');
    const marker = join(work, 'failed-once');
    await runJob(
      'workers-failover',
      {
        workers: 2,
        parallelism: 2,
        checkpoint: { intervalMs: 20 },
        restart: { type: 'fixed-delay', attempts: 3, delayMs: 10 },
      },
      [out, '30000', marker],
    );
    expect(existsSync(marker)).toBe(true);
    expect(committedLines(out)).toEqual(expectedLines(30000));
  });

  it('fail at once, naming the module, when worker threads cannot load the job module', async () => {
    // The submitting thread built the job; the module named for the workers does not exist there.
    // Under a restart strategy without end (compat's, as Storm's supervisor) that used to loop, logging warnings.
    const missing = join(work, 'no-such-job.ts');
    const job = await loadJobModule(JOB);
    const env = StreamEnvironment.create({
      jobName: 'workers-missing-module',
      jobModule: missing,
      workers: 2,
      parallelism: 2,
      restart: { type: 'exponential-backoff', initialDelayMs: 1, maxDelayMs: 10 },
    });
    await job.build(env, [join(work, 'missing-module'), '1000']);
    const failure = env.execute('workers-missing-module');
    await expect(failure).rejects.toMatchObject({ code: 'CONFIG_INVALID', retriable: false });
    await expect(failure).rejects.toThrow(
      /worker thread \d of 2 could not rebuild job 'workers-missing-module' from .*no-such-job\.ts/,
    );
  });

  it('fail clearly when a record cannot cross threads', async () => {
    const out = join(work, 'unclonable');
    const failure = runJob('workers-unclonable', { workers: 2, parallelism: 2, restart: { type: 'none' } }, [
      out,
      '1000',
      '',
      'unclonable',
    ]);
    await expect(failure).rejects.toThrow(/cannot cross threads/);
    await expect(failure).rejects.toMatchObject({ code: new SerializationError('x').code });
  });

  it('refuse a class instance at the crossing, naming the class and both operators of the edge', async () => {
    const out = join(work, 'class');
    const failure = runJob('workers-class', { workers: 2, parallelism: 2, restart: { type: 'none' } }, [
      out,
      '1000',
      '',
      'class',
    ]);
    await expect(failure).rejects.toThrow(
      /class Numbered.*prototype would be lost|prototype would be lost.*class Numbered/,
    );
    await expect(failure).rejects.toThrow(/edge 'maybe-fail' #\d → 'count' #\d \(worker \d → \d\)/);
    await expect(failure).rejects.toMatchObject({ code: new SerializationError('x').code });
  });

  it('carry class instances across threads through a registered codec, every record once', async () => {
    const out = join(work, 'codec');
    await runJob('workers-codec', { workers: 2, parallelism: 2, checkpoint: { intervalMs: 50 } }, [
      out,
      '5000',
      '',
      'codec',
    ]);
    expect(committedLines(out)).toEqual(expectedLines(5000));
  });

  it('count every record read, including those of the last moments before the job ends', async () => {
    const out = join(work, 'metrics');
    const metrics = new RuntimeMetrics();
    await runJob('workers-metrics', { workers: 2, parallelism: 2, metrics }, [out, '30000']);
    const operators = metrics.snapshot().jobs['workers-metrics']!.operators;
    expect(operators['numbers']!.recordsOut).toBe(30000);
    expect(operators['count']!.recordsIn).toBe(30000);
  });

  it('bring latency and busy time of subtasks on worker threads to the main /metrics registry', async () => {
    const out = join(work, 'latency');
    const metrics = new RuntimeMetrics();
    await runJob('workers-latency', { workers: 2, parallelism: 2, metrics }, [out, '5000']);
    const text = await metrics.registry.metrics();
    // The source runs on a worker; its per-record latency is only observed there.
    const count = [
      ...text.matchAll(
        /^stormshift_operator_latency_seconds_count\{job_name="workers-latency",operator="numbers",subtask="\d"\} (\d+)/gm,
      ),
    ];
    expect(count.length).toBe(2);
    expect(count.reduce((sum, m) => sum + Number(m[1]), 0)).toBeGreaterThan(0);
    const busy = [
      ...text.matchAll(
        /^stormshift_operator_busy_seconds_total\{job_name="workers-latency",operator="count",subtask="\d"\} (\S+)/gm,
      ),
    ];
    expect(busy.reduce((sum, m) => sum + Number(m[1]), 0)).toBeGreaterThan(0);
  });

  it.runIf(process.platform === 'linux')(
    "report each worker thread's own CPU time, so the busier thread shows as busier",
    async () => {
      // Subtask 1 of the heavy map runs on worker 1 and gets every record; worker 0 only generates
      // them (~1 µs each) besides starting up as worker 1 does. 20k records × 40k rounds is over a
      // CPU-second of mixing: CPU time, not wall time, so a busy machine stretches the run but not the figures.
      const lopsided = resolve(import.meta.dirname, '../../fixtures/workers/lopsided-job.ts');
      const metrics = new RuntimeMetrics();
      const job = await loadJobModule(lopsided);
      const args = ['20000', '40000'];
      const env = StreamEnvironment.create({
        jobName: 'workers-cpu',
        jobModule: lopsided,
        jobArgs: args,
        workers: 2,
        metrics,
      });
      await job.build(env, args);
      await env.execute('workers-cpu');
      const threads = metrics.workerThreadsOf('workers-cpu');
      expect(threads.map((t) => t.worker)).toEqual([0, 1]);
      const [idle, busy] = threads.map((t) => t.cpuMs) as [number, number];
      // A process-wide figure (what process.cpuUsage() gives inside a worker) would make them equal.
      expect(busy).toBeGreaterThan(2 * idle);
      const text = await metrics.registry.metrics();
      const scraped = [
        ...text.matchAll(/^stormshift_worker_cpu_seconds_total\{job_name="workers-cpu",worker="(\d)"\} (\S+)/gm),
      ];
      expect(scraped.map((m) => [m[1], Number(m[2])])).toEqual([
        ['0', idle / 1000],
        ['1', busy / 1000],
      ]);
    },
  );

  describe('poison records on worker threads', () => {
    const poisonConfig = (poison: JobConfig['poison']): JobConfig => ({
      workers: 2,
      parallelism: 2,
      checkpoint: { intervalMs: 20 },
      restart: { type: 'fixed-delay', attempts: 10, delayMs: 1 },
      log: () => {},
      ...(poison ? { poison } : {}),
    });

    it('default policy: the failure crosses to the main thread with operator and record; the third one fails the job with POISON_RECORD', async () => {
      const out = join(work, 'poison-fail');
      const error = await runJob('workers-poison-fail', poisonConfig(undefined), [out, '2000', '', 'poison:777']).then(
        () => new Error('the job should have failed'),
        (e: unknown) => e as Error,
      );
      expect(error).toBeInstanceOf(PoisonRecordError);
      expect(error.message).toContain("operator 'maybe-fail' failed 3 times on record 777: cannot parse 777");
    }, 180_000);

    it("policy 'skip' on workers: the poison record goes to the main thread's dead-letter output once, everything else exactly once (property over where it lands)", async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 0, max: 1999 }),
          fc.integer({ min: 1, max: 2 }),
          async (poison, attempts) => {
            const out = join(work, `poison-skip-${poison}-${attempts}`);
            const dead: DeadLetter[] = [];
            await runJob(
              `workers-poison-skip-${poison}`,
              poisonConfig({ attempts, operators: { 'maybe-fail': 'skip' }, deadLetter: (d) => dead.push(d) }),
              [out, '2000', '', `poison:${poison}`],
            );
            const counts = new Map<number, number>();
            const expected: string[] = [];
            for (let n = 0; n < 2000; n++) {
              if (n === poison) continue;
              const c = (counts.get(n % 10) ?? 0) + 1;
              counts.set(n % 10, c);
              expected.push(`${n % 10}:${c}`);
            }
            expect(committedLines(out)).toEqual(expected.sort());
            // Staged on the worker, delivered by the main thread when the checkpoint after it completed: once.
            expect(dead).toHaveLength(1);
            expect(dead[0]).toMatchObject({ operator: 'maybe-fail', record: poison, attempts, index: 0 });
            expect(dead[0]!.checkpointId).toBeGreaterThan(0);
          },
        ),
        // Each run starts the workers once per failure: a few runs keep the file's time sane.
        { numRuns: 2 },
      );
    }, 300_000);
  });
});
