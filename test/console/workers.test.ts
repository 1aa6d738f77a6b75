/**
 * A job whose subtasks run on worker threads (--workers 2): the Flink-style watermarks endpoint
 * shows each subtask's input watermark as its worker reports it, and the workers' counts, latency
 * and busy time reach the main thread's /metrics.
 */
import { resolve } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadJobModule, RuntimeMetrics, StreamEnvironment, type JobHandle } from '../../runtime/index.ts';
import { JobSet, startConsoleServer, systemClock, type ConsoleServer } from '../../console/index.ts';
import { waitFor } from '../runtime/connectors/kafka/helpers.ts';

const JOB = resolve(import.meta.dirname, '../fixtures/workers/watermark-job.ts');
const NAME = 'console-workers';
let handle: JobHandle;
let server: ConsoleServer;
const metrics = new RuntimeMetrics();

beforeAll(async () => {
  const job = await loadJobModule(JOB);
  const env = StreamEnvironment.create({
    jobName: NAME,
    jobModule: JOB,
    jobArgs: [],
    workers: 2,
    parallelism: 2,
    metrics,
  });
  await job.build(env, []);
  handle = env.executeAsync(NAME);
  const jobs = new JobSet(systemClock);
  jobs.add({ handle });
  server = await startConsoleServer({ jobs, port: 0 });
});

afterAll(async () => {
  await server?.close();
  await handle?.cancel();
});

const json = async <T>(path: string): Promise<T> => (await (await fetch(server.url + path)).json()) as T;
type Marks = Array<{ id: string; value: number | null }>;

it('shows the input watermark of every subtask on worker threads, advancing', async () => {
  const detail = await json<{ vertices: Array<{ id: string; operators: string[] }> }>(`/jobs/${NAME}`);
  const keyed = detail.vertices.find((v) => v.operators.includes('plus-one'))!;
  expect(keyed).toBeDefined();
  const path = `/jobs/${NAME}/vertices/${keyed.id}/watermarks`;
  // The workers report every 500 ms; wait for the first watermark of both subtasks.
  let first: Marks = [];
  await waitFor(async () => {
    first = await json<Marks>(path);
    return first.length === 2 && first.every((m) => m.value !== null);
  });
  expect(first.map((m) => m.id)).toEqual(['0.currentInputWatermark', '1.currentInputWatermark']);
  // Record n carries event time n s, and the watermark trails the highest timestamp by 1 ms.
  for (const m of first) expect(((m.value as number) + 1) % 1000).toBe(0);
  // Later reports carry later watermarks.
  await waitFor(async () => {
    const now = await json<Marks>(path);
    return now.every((m, i) => (m.value as number) > (first[i]!.value as number));
  });
});

it("puts the workers' records, latency and busy time in /metrics", async () => {
  const value = (text: string, series: string): number => {
    const line = text.split('\n').find((l) => l.startsWith(series));
    return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
  };
  const series = (name: string, operator: string, subtask: number) =>
    `stormshift_${name}{job_name="${NAME}",operator="${operator}",subtask="${subtask}"}`;
  // Workers report every 500 ms: wait for a report that covers both subtasks.
  await waitFor(async () => {
    const text = await metrics.registry.metrics();
    return [0, 1].every(
      (s) =>
        value(text, series('records_out_total', 'plus-one', s)) > 0 &&
        value(text, series('operator_busy_seconds_total', 'plus-one', s)) > 0 &&
        value(text, series('operator_latency_seconds_count', 'numbers', s)) > 0,
    );
  });
  // Both subtasks of the keyed map received records (keyBy crosses between the workers).
  const text = await metrics.registry.metrics();
  for (const s of [0, 1]) expect(value(text, series('records_in_total', 'plus-one', s))).toBeGreaterThan(0);
});
