import { register as globalRegistry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../runtime/errors.ts';
import { LatencyRecorder } from '../../../runtime/metrics/latency-recorder.ts';
import { RuntimeMetrics } from '../../../runtime/metrics/runtime-metrics.ts';
import { startMetricsServer, type MetricsServer } from '../../../runtime/metrics/server.ts';

/** Value of one sample line in Prometheus text format, or undefined if absent. */
function sample(text: string, name: string, labels: Record<string, string | number>): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const m = /^([^{ ]+)(?:\{(.*)\})? (.+)$/.exec(line);
    if (m === null || m[1] !== name) continue;
    const got: Record<string, string> = {};
    for (const pair of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) got[pair[1]!] = pair[2]!;
    if (
      Object.entries(labels).every(([k, v]) => got[k] === String(v)) &&
      Object.keys(got).length === Object.keys(labels).length
    ) {
      return Number(m[3]);
    }
  }
  return undefined;
}

let server: MetricsServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function scrape(metrics: RuntimeMetrics): Promise<string> {
  server ??= await startMetricsServer(metrics);
  const res = await fetch(server.url);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
  return res.text();
}

describe('RuntimeMetrics over the /metrics endpoint', () => {
  it('exports operator counters read from plain fields at scrape time', async () => {
    const metrics = new RuntimeMetrics();
    const m = metrics.operator('wc', 'split', 0);
    m.recordsIn += 10;
    m.recordsOut += 25;
    m.errors++;
    let text = await scrape(metrics);
    expect(sample(text, 'stormshift_records_in_total', { job_name: 'wc', operator: 'split', subtask: 0 })).toBe(10);
    expect(sample(text, 'stormshift_records_out_total', { job_name: 'wc', operator: 'split', subtask: 0 })).toBe(25);
    expect(sample(text, 'stormshift_operator_errors_total', { job_name: 'wc', operator: 'split', subtask: 0 })).toBe(1);
    m.recordsIn += 5;
    text = await scrape(metrics);
    expect(sample(text, 'stormshift_records_in_total', { job_name: 'wc', operator: 'split', subtask: 0 })).toBe(15);
  });

  it('returns the same metrics object for the same operator subtask, so counters survive a restart', () => {
    const metrics = new RuntimeMetrics();
    expect(metrics.operator('j', 'op', 1)).toBe(metrics.operator('j', 'op', 1));
    expect(metrics.operator('j', 'op', 1)).not.toBe(metrics.operator('j', 'op', 2));
  });

  it('folds latency recordings into a Prometheus histogram', async () => {
    const metrics = new RuntimeMetrics();
    const lat = metrics.operator('wc', 'count', 1).latency;
    for (const ms of [0.3, 0.7, 3, 3, 2000]) lat.observe(ms);
    const text = await scrape(metrics);
    const l = { job_name: 'wc', operator: 'count', subtask: 1 };
    expect(sample(text, 'stormshift_operator_latency_seconds_bucket', { ...l, le: '0.0005' })).toBe(1);
    expect(sample(text, 'stormshift_operator_latency_seconds_bucket', { ...l, le: '0.001' })).toBe(2);
    expect(sample(text, 'stormshift_operator_latency_seconds_bucket', { ...l, le: '0.005' })).toBe(4);
    expect(sample(text, 'stormshift_operator_latency_seconds_bucket', { ...l, le: '1' })).toBe(4);
    expect(sample(text, 'stormshift_operator_latency_seconds_bucket', { ...l, le: '+Inf' })).toBe(5);
    expect(sample(text, 'stormshift_operator_latency_seconds_count', l)).toBe(5);
    expect(sample(text, 'stormshift_operator_latency_seconds_sum', l)).toBeCloseTo(2.007);
    expect(text).toContain('# TYPE stormshift_operator_latency_seconds histogram');
  });

  it('exports channel fill and backpressure time', async () => {
    const metrics = new RuntimeMetrics();
    const c = metrics.channel('wc', 'split', 'count');
    c.capacity = 200;
    c.queued = 50;
    c.blockedMs = 1234.5;
    const text = await scrape(metrics);
    expect(sample(text, 'stormshift_channel_fill_ratio', { job_name: 'wc', from: 'split', to: 'count' })).toBe(0.25);
    expect(sample(text, 'stormshift_backpressure_seconds_total', { job_name: 'wc', from: 'split', to: 'count' })).toBe(
      1.2345,
    );
  });

  it('exports checkpoint outcomes, duration and last size', async () => {
    const metrics = new RuntimeMetrics();
    const c = metrics.checkpoints('wc');
    c.completed(120, 4096, 7);
    c.completed(80, 2048, 8);
    c.failed('timeout');
    expect(c.lastCompletedId).toBe(8);
    expect(c.lastCompletedAt).toBeTypeOf('number');
    const text = await scrape(metrics);
    expect(sample(text, 'stormshift_checkpoints_total', { job_name: 'wc', outcome: 'completed' })).toBe(2);
    expect(sample(text, 'stormshift_checkpoints_total', { job_name: 'wc', outcome: 'failed' })).toBe(1);
    expect(sample(text, 'stormshift_checkpoint_size_bytes', { job_name: 'wc' })).toBe(2048);
    expect(sample(text, 'stormshift_checkpoint_duration_seconds_count', { job_name: 'wc' })).toBe(2);
    expect(sample(text, 'stormshift_checkpoint_duration_seconds_bucket', { job_name: 'wc', le: '0.1' })).toBe(1);
  });

  it('exports async I/O gauges and counters', async () => {
    const metrics = new RuntimeMetrics();
    const a = metrics.asyncIo('enrich', 'lookup', 0);
    a.inFlight = 3;
    a.timeouts = 1;
    a.retries = 2;
    a.cacheHits = 90;
    a.cacheMisses = 10;
    const text = await scrape(metrics);
    const l = { job_name: 'enrich', operator: 'lookup', subtask: 0 };
    expect(sample(text, 'stormshift_async_inflight', l)).toBe(3);
    expect(sample(text, 'stormshift_async_timeouts_total', l)).toBe(1);
    expect(sample(text, 'stormshift_async_retries_total', l)).toBe(2);
    expect(sample(text, 'stormshift_async_cache_hits_total', l)).toBe(90);
    expect(sample(text, 'stormshift_async_cache_misses_total', l)).toBe(10);
  });

  it('forgets a removed job on the next scrape and keeps the others', async () => {
    const metrics = new RuntimeMetrics();
    metrics.operator('done', 'op', 0).recordsIn = 1;
    metrics.checkpoints('done').completed(1, 1);
    metrics.operator('running', 'op', 0).recordsIn = 2;
    expect(
      sample(await scrape(metrics), 'stormshift_records_in_total', { job_name: 'done', operator: 'op', subtask: 0 }),
    ).toBe(1);
    metrics.remove('done');
    const text = await scrape(metrics);
    expect(
      sample(text, 'stormshift_records_in_total', { job_name: 'done', operator: 'op', subtask: 0 }),
    ).toBeUndefined();
    expect(sample(text, 'stormshift_checkpoints_total', { job_name: 'done', outcome: 'completed' })).toBeUndefined();
    expect(sample(text, 'stormshift_records_in_total', { job_name: 'running', operator: 'op', subtask: 0 })).toBe(2);
    expect(metrics.snapshot().jobs.done).toBeUndefined();
  });

  it('uses its own registry, a custom prefix and default labels', async () => {
    const metrics = new RuntimeMetrics({ prefix: 'ss_', defaultLabels: { host: 'box1' } });
    expect(metrics.registry).not.toBe(globalRegistry);
    metrics.operator('j', 'o', 0).recordsIn = 4;
    const text = await scrape(metrics);
    expect(sample(text, 'ss_records_in_total', { job_name: 'j', operator: 'o', subtask: 0, host: 'box1' })).toBe(4);
    expect(await globalRegistry.metrics()).not.toContain('records_in_total');
    expect(() => new RuntimeMetrics({ prefix: 'bad-prefix' })).toThrow(ConfigError);
  });

  it('refuses a second RuntimeMetrics with the same prefix on one registry, allows another prefix', () => {
    const a = new RuntimeMetrics();
    expect(() => new RuntimeMetrics({ registry: a.registry })).toThrow(ConfigError);
    expect(() => new RuntimeMetrics({ registry: a.registry, prefix: 'other_' })).not.toThrow();
  });

  it('does not invent a checkpoint id when none is given', () => {
    const c = new RuntimeMetrics().checkpoints('j');
    c.completed(5, 10, 4);
    c.completed(5, 10);
    expect(c.lastCompletedId).toBeUndefined();
    expect(c.completedCount).toBe(2);
  });

  it('passes connector metrics through, deduped by name', async () => {
    const metrics = new RuntimeMetrics();
    const lag = metrics.gauge('kafka_consumer_lag', 'Records behind the log end', ['topic', 'partition']);
    expect(metrics.gauge('kafka_consumer_lag', 'x', ['topic', 'partition'])).toBe(lag);
    expect(metrics.gauge('stormshift_kafka_consumer_lag', 'x')).toBe(lag);
    expect(() => metrics.counter('kafka_consumer_lag', 'x')).toThrow(ConfigError);
    lag.set({ topic: 'events', partition: '3' }, 42);
    metrics.counter('kafka_commits_total', 'Offset commits').inc(2);
    metrics.histogram('kafka_fetch_ms', 'Fetch time', [], [1, 10]).observe(5);
    const text = await scrape(metrics);
    expect(sample(text, 'stormshift_kafka_consumer_lag', { topic: 'events', partition: '3' })).toBe(42);
    expect(sample(text, 'stormshift_kafka_commits_total', {})).toBe(2);
    expect(sample(text, 'stormshift_kafka_fetch_ms_bucket', { le: '10' })).toBe(1);
  });

  it('summarises totals per job for a status line', () => {
    const metrics = new RuntimeMetrics();
    metrics.operator('wc', 'src', 0).recordsOut = 10;
    metrics.operator('wc', 'count', 0).recordsIn = 6;
    metrics.operator('wc', 'count', 1).recordsIn = 4;
    const ch = metrics.channel('wc', 'src', 'count');
    ch.capacity = 10;
    ch.queued = 10;
    ch.blockedMs = 50;
    metrics.checkpoints('wc').completed(10, 100, 3);
    metrics.asyncIo('wc', 'count', 0).inFlight = 2;
    const snap = metrics.snapshot().jobs.wc!;
    expect(snap.operators.count).toEqual({ recordsIn: 10, recordsOut: 0, errors: 0, subtasks: 2 });
    expect(snap.recordsIn).toBe(10);
    expect(snap.recordsOut).toBe(10);
    expect(snap.backpressureMs).toBe(50);
    expect(snap.maxChannelFill).toBe(1);
    expect(snap.checkpoints).toMatchObject({ completed: 1, failed: 0, lastCompletedId: 3, lastSizeBytes: 100 });
    expect(snap.asyncInFlight).toBe(2);
  });
});

describe('metrics server', () => {
  it('answers 404 off /metrics and binds to loopback by default', async () => {
    const metrics = new RuntimeMetrics();
    server = await startMetricsServer(metrics, { port: 0 });
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    expect(server.port).toBeGreaterThan(0);
    expect((await fetch(server.url.replace('/metrics', '/'))).status).toBe(404);
    expect((await fetch(server.url.replace('/metrics', '/other'))).status).toBe(404);
    expect((await fetch(`${server.url}?x=1`)).status).toBe(200);
  });

  it('closes even with a keep-alive connection open', async () => {
    const metrics = new RuntimeMetrics();
    const s = await startMetricsServer(metrics);
    await (await fetch(s.url, { keepalive: true })).text();
    await s.close();
    await expect(fetch(s.url)).rejects.toThrow();
  });

  it('rejects a bad port', async () => {
    await expect(startMetricsServer(new RuntimeMetrics(), { port: -1 })).rejects.toThrow(ConfigError);
  });
});

describe('LatencyRecorder', () => {
  it('counts each observation in the first bucket whose bound is >= it, ignoring NaN and negatives', () => {
    const r = new LatencyRecorder([1, 10]);
    for (const v of [0, 1, 1.5, 10, 11, Number.NaN, -3]) r.observe(v);
    expect([...r.counts]).toEqual([2, 2, 1]);
    expect(r.count).toBe(5);
    expect(r.sum).toBe(23.5);
  });
});
