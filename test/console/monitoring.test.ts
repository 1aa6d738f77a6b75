/**
 * The shipped monitoring assets against real tools and a real scrape: alert rules pass their
 * promtool unit tests, the sample prometheus.yml passes promtool check config, a scrape of running
 * jobs (Kafka source, async I/O, checkpoints, a Storm topology) passes promtool check metrics, and
 * every Grafana expression parses and names only metrics that scrape has.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalCluster, TopologyBuilder } from '../../compat/index.ts';
import {
  collectSink,
  RuntimeMetrics,
  startMetricsServer,
  StreamEnvironment,
  type JobHandle,
} from '../../runtime/index.ts';
import { kafkaSource } from '../../runtime/connectors/kafka/index.ts';
import {
  client,
  produce,
  range,
  startKafkaCluster,
  unique,
  waitFor,
  type KafkaTestCluster,
} from '../runtime/connectors/kafka/helpers.ts';
import { FnBolt, counterSpout } from '../compat/executor/fn-components.ts';

const run = promisify(execFile);
const MONITORING = resolve(import.meta.dirname, '../../console/monitoring');
const PROMTOOL = '/usr/bin/promtool';
const work = mkdtempSync(join(tmpdir(), 'stormshift-monitoring-'));

function promtool(args: string[], input?: string): Promise<{ code: number; out: string }> {
  if (!existsSync(PROMTOOL))
    throw new Error(`${PROMTOOL} not found: install the Debian package prometheus (apt-get install prometheus)`);
  return new Promise((done) => {
    const child = execFile(PROMTOOL, args, { cwd: MONITORING }, (error, stdout, stderr) => {
      done({ code: error ? ((error as { code?: number }).code ?? 1) : 0, out: `${stdout}${stderr}` });
    });
    if (input !== undefined) child.stdin!.end(input);
  });
}

let kafkaCluster: KafkaTestCluster;
let kafka: Kafka;
let job: JobHandle;
let local: LocalCluster;
let scrape = '';

beforeAll(async () => {
  kafkaCluster = await startKafkaCluster({ brokers: 1 });
  kafka = client(kafkaCluster);
  const topic = unique('monitoring');
  await kafkaCluster.createTopic(topic, 2);
  await produce(kafka, topic, range(400), 2);

  const metrics = new RuntimeMetrics();
  const sink = collectSink<string>();
  const env = StreamEnvironment.create({
    jobName: 'monitored',
    metrics,
    log: () => {},
    checkpoint: { intervalMs: 100 },
  });
  env
    .fromSource(
      kafkaSource({
        brokers: kafkaCluster.brokers,
        topics: topic,
        groupId: unique('g'),
        assignment: 'static',
        startFrom: 'earliest',
        metrics,
      }),
      { name: 'kafka' },
    )
    .asyncMap(async (v: string) => v.toUpperCase(), { name: 'lookup', cache: { maxEntries: 100 } })
    .sinkTo(sink.sink, { name: 'collect' });
  job = env.executeAsync('monitored');

  local = new LocalCluster({ metrics });
  const b = new TopologyBuilder();
  b.setSpout('spout', counterSpout(20), 1);
  b.setBolt('bolt', new FnBolt({ execute: (t, c) => c.ack(t) }), 1).shuffleGrouping('spout');
  await local.submitTopology('monitored-topology', {}, b.createTopology());

  await waitFor(
    () => sink.values.length === 400 && job.status().checkpoints > 0,
    30_000,
    'every record through the job and a checkpoint',
  );
  await waitFor(
    () => (local.getTopologyRun('monitored-topology')?.stats.get('spout')?.acked ?? 0) === 20,
    10_000,
    'every spout tuple acked',
  );
  // The lag gauge updates at most every 200 ms; the capacity gauge once a second.
  await waitFor(
    async () => {
      const text = await metrics.registry.metrics();
      return (
        /^stormshift_kafka_consumer_lag\{[^}]*\} 0$/m.test(text) && /^stormshift_storm_capacity_ratio\{/m.test(text)
      );
    },
    10_000,
    'lag and capacity published',
  );
  const server = await startMetricsServer(metrics);
  scrape = await (await fetch(server.url)).text();
  await server.close();
}, 120_000);

afterAll(async () => {
  await job?.cancel();
  await local?.shutdown();
  await kafkaCluster?.stop();
  rmSync(work, { recursive: true, force: true });
});

describe('Prometheus assets', () => {
  it('every alert rule passes its promtool unit tests (a firing and a quiet case each)', async () => {
    const rules = readFileSync(join(MONITORING, 'alerts.yml'), 'utf8');
    const tests = readFileSync(join(MONITORING, 'alerts.test.yml'), 'utf8');
    for (const [, name] of rules.matchAll(/- alert: (\w+)/g))
      expect(tests, `no unit test for ${name}`).toContain(`alertname: ${name}`);
    const result = await promtool(['test', 'rules', 'alerts.test.yml']);
    expect(result.out).toContain('SUCCESS');
    expect(result.code).toBe(0);
  });

  it('the sample prometheus.yml passes promtool check config and honours labels', async () => {
    const result = await promtool(['check', 'config', 'prometheus.yml']);
    expect(result.code, result.out).toBe(0);
    expect(readFileSync(join(MONITORING, 'prometheus.yml'), 'utf8')).toMatch(/honor_labels: true/);
  });

  it('a real scrape passes promtool check metrics and has no job label of its own', async () => {
    const result = await promtool(['check', 'metrics'], scrape);
    expect(result.out).toBe('');
    expect(result.code).toBe(0);
    expect(scrape).not.toMatch(/[{,]job="/);
    expect(scrape).toMatch(/^# TYPE stormshift_storm_acked_total counter$/m);
  });
});

describe('Grafana dashboards', () => {
  const dir = join(MONITORING, 'grafana');
  const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
  const sampleNames = () => new Set([...scrape.matchAll(/^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]/gm)].map((m) => m[1]!));

  it('ships the six dashboards, each with a templated Prometheus datasource', () => {
    expect(files.sort()).toEqual([
      'stormshift-async-io.json',
      'stormshift-checkpoints.json',
      'stormshift-job-overview.json',
      'stormshift-kafka-lag.json',
      'stormshift-operators.json',
      'stormshift-storm-components.json',
    ]);
    for (const f of files) {
      const d = JSON.parse(readFileSync(join(dir, f), 'utf8'));
      expect(d.templating.list.find((v: { type: string }) => v.type === 'datasource')?.query, f).toBe('prometheus');
      for (const p of d.panels) expect(p.datasource.uid, `${f}: ${p.title}`).toBe('${datasource}');
    }
  });

  for (const f of files) {
    it(`${f}: every expression parses and every metric it names is in the scrape`, async () => {
      const d = JSON.parse(readFileSync(join(dir, f), 'utf8'));
      const exprs: string[] = d.panels.flatMap((p: { targets: Array<{ expr: string }> }) =>
        p.targets.map((t) => t.expr),
      );
      const names = new Set<string>();
      for (const v of d.templating.list) {
        const q = v.query?.query as string | undefined;
        if (!q) continue;
        const m = /^label_values\((\w+), *\w+\)$/.exec(q);
        expect(m, `${f}: variable ${v.name}`).not.toBeNull();
        names.add(m![1]!);
      }
      // Grafana substitutes its variables before Prometheus sees the query.
      const concrete = exprs.map((e) =>
        e.replaceAll('$__rate_interval', '1m').replaceAll('$job_name', '.*').replaceAll('$topology', '.*'),
      );
      const rules = {
        groups: [{ name: 'dashboard', rules: concrete.map((expr, i) => ({ record: `dashboard:expr_${i}`, expr })) }],
      };
      const file = join(work, `${f}.rules.json`);
      writeFileSync(file, JSON.stringify(rules));
      const result = await promtool(['check', 'rules', file]);
      expect(result.code, result.out).toBe(0);
      for (const e of concrete) for (const m of e.matchAll(/\bstormshift_[a-z0-9_]+/g)) names.add(m[0]);
      const have = sampleNames();
      for (const name of names) expect(have.has(name), `${f} names ${name}, which the scrape does not have`).toBe(true);
    });
  }
});
