/**
 * Contract tests of the console's REST API on a real topology and a real native job: every key a
 * Storm UI page reads, with Storm's types; Flink-style job endpoints; the safety defaults.
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalCluster, TopologyBuilder } from '../../compat/index.ts';
import { collectSink, RuntimeMetrics, StreamEnvironment, type JobHandle } from '../../runtime/index.ts';
import { JobSet, MAX_BODY_BYTES, startConsoleServer, systemClock, type ConsoleServer } from '../../console/index.ts';
import { FnBolt, counterSpout } from '../compat/executor/fn-components.ts';

type Kind = 'string' | 'number' | 'boolean' | 'array' | 'object' | 'null' | 'string|null' | 'number|null';

function expectShape(value: Record<string, unknown>, shape: Record<string, Kind>, where: string): void {
  for (const [key, kind] of Object.entries(shape)) {
    expect(value, `${where}: missing '${key}'`).toHaveProperty([key]);
    const v = value[key];
    const actual = v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
    expect(kind.split('|'), `${where}.${key} is ${actual}`).toContain(actual);
  }
}

const WINDOW_STATS = {
  windowPretty: 'string',
  window: 'string',
  emitted: 'number',
  transferred: 'number',
  completeLatency: 'string',
  acked: 'number',
  failed: 'number',
} as const;
const ERROR_FIELDS = {
  lastError: 'string',
  errorHost: 'string',
  errorPort: 'number|null',
  errorWorkerLogLink: 'string',
  errorTime: 'number|null',
  errorLapsedSecs: 'number|null',
} as const;

let cluster: LocalCluster;
let server: ConsoleServer;
let readOnly: ConsoleServer;
let native: JobHandle;
let topologyId: string;
const acked: unknown[] = [];

beforeAll(async () => {
  const metrics = new RuntimeMetrics();
  cluster = new LocalCluster({ metrics });
  const b = new TopologyBuilder();
  b.setSpout('numbers', counterSpout(50, { onAck: (id) => acked.push(id) }), 2);
  b.setBolt(
    'echo',
    new FnBolt(
      {
        execute(t, c) {
          if (t.getValue(0) === 7) c.reportError(new Error('seven is odd'));
          c.emit(t, [t.getValue(0)]);
          c.ack(t);
        },
      },
      { default: ['v'] },
    ),
    2,
  ).shuffleGrouping('numbers');
  b.setBolt('sink', new FnBolt({ execute: (t, c) => c.ack(t) }), 1).shuffleGrouping('echo');
  await cluster.submitTopology('contract', {}, b.createTopology());
  const jobs = new JobSet(systemClock);
  jobs.add({
    handle: cluster.getTopologyJob('contract')!,
    storm: { run: cluster.getTopologyRun('contract')!, cluster },
  });
  topologyId = cluster.getTopologyRun('contract')!.stormId;

  const env = StreamEnvironment.create({ jobName: 'native-contract', metrics: new RuntimeMetrics() });
  env.configure({ checkpoint: { intervalMs: 50 } });
  env
    .generate<number>({ count: Number.MAX_SAFE_INTEGER, generate: (i) => i, ratePerSecond: 2000 }, { name: 'gen' })
    .map((x) => x * 2, { name: 'double' })
    .sinkTo(collectSink<number>().sink, { name: 'drop' });
  native = env.executeAsync('native-contract');
  jobs.add({ handle: native });
  server = await startConsoleServer({ jobs, port: 0 });
  readOnly = await startConsoleServer({ jobs, port: 0, allowMutations: false });
  // Every spout tuple acked: the numbers below are final.
  // Waits for the event, not 10 s at most: the hook's timeout bounds it.
  while (acked.length < 100) await new Promise((r) => setTimeout(r, 25));
  // Two spout tasks, 50 tuples each.
  expect(acked.length).toBe(100);
});

afterAll(async () => {
  await server?.close();
  await readOnly?.close();
  await native?.cancel();
  await cluster?.shutdown();
});

const get = async (path: string, base = server.url): Promise<{ res: Response; body: Record<string, unknown> }> => {
  const res = await fetch(base + path);
  return { res, body: (await res.json()) as Record<string, unknown> };
};

describe('Storm UI REST API', () => {
  it('cluster summary', async () => {
    const { res, body } = await get('/api/v1/cluster/summary');
    expect(res.status).toBe(200);
    expectShape(
      body,
      {
        stormVersion: 'string',
        supervisors: 'number',
        topologies: 'number',
        slotsTotal: 'number',
        slotsUsed: 'number',
        slotsFree: 'number',
        executorsTotal: 'number',
        tasksTotal: 'number',
        schedulerDisplayResource: 'boolean',
      },
      'cluster',
    );
    expect(body.topologies).toBe(1);
    expect(body.tasksTotal).toBe(5);
  });

  it('topology summary', async () => {
    const { body } = await get('/api/v1/topology/summary');
    const [t] = body.topologies as Array<Record<string, unknown>>;
    expectShape(
      t!,
      {
        id: 'string',
        encodedId: 'string',
        name: 'string',
        status: 'string',
        uptime: 'string',
        uptimeSeconds: 'number',
        tasksTotal: 'number',
        workersTotal: 'number',
        executorsTotal: 'number',
        replicationCount: 'number',
      },
      'summary',
    );
    expect(t).toMatchObject({ id: topologyId, name: 'contract', status: 'ACTIVE', tasksTotal: 5 });
  });

  it('topology detail: windows, spouts and bolts with Storm names and types', async () => {
    const { body } = await get(`/api/v1/topology/${topologyId}?window=600`);
    expectShape(
      body,
      {
        id: 'string',
        name: 'string',
        status: 'string',
        uptime: 'string',
        uptimeSeconds: 'number',
        msgTimeout: 'number',
        windowHint: 'string',
        window: 'string',
        topologyStats: 'array',
        spouts: 'array',
        bolts: 'array',
        workers: 'array',
        configuration: 'object',
      },
      'topology',
    );
    expect(body.windowHint).toBe('10m 0s');
    const stats = body.topologyStats as Array<Record<string, unknown>>;
    expect(stats.map((s) => s.window)).toEqual(['600', '10800', '86400', ':all-time']);
    for (const s of stats) expectShape(s, WINDOW_STATS, 'topologyStats');
    expect(stats[3]!.acked).toBe(100);
    const spout = (body.spouts as Array<Record<string, unknown>>)[0]!;
    expectShape(
      spout,
      {
        spoutId: 'string',
        executors: 'number',
        tasks: 'number',
        emitted: 'number',
        transferred: 'number',
        completeLatency: 'string',
        acked: 'number',
        failed: 'number',
        ...ERROR_FIELDS,
      },
      'spout',
    );
    expect(spout).toMatchObject({
      spoutId: 'numbers',
      executors: 2,
      tasks: 2,
      emitted: 100,
      transferred: 100,
      acked: 100,
      failed: 0,
    });
    expect(spout.completeLatency).toMatch(/^\d+\.\d{3}$/);
    const bolts: Record<string, Record<string, unknown>> = Object.fromEntries(
      (body.bolts as Array<Record<string, unknown>>).map((x) => [String(x.boltId), x]),
    );
    for (const bolt of Object.values(bolts)) {
      expectShape(
        bolt,
        {
          boltId: 'string',
          executors: 'number',
          tasks: 'number',
          emitted: 'number',
          transferred: 'number',
          capacity: 'string',
          executeLatency: 'string',
          executed: 'number',
          processLatency: 'string',
          acked: 'number',
          failed: 'number',
          ...ERROR_FIELDS,
        },
        'bolt',
      );
    }
    expect(bolts.echo).toMatchObject({ executed: 100, emitted: 100, transferred: 100, acked: 100 });
    expect(bolts.echo!.lastError).toBe('Error: seven is odd');
    expect(bolts.echo!.errorTime).toBeTypeOf('number');
    expect(bolts.sink).toMatchObject({ executed: 100, acked: 100, lastError: '' });
    // Storm's system components stay hidden unless sys=1.
    expect(Object.keys(bolts).some((id) => id.startsWith('__'))).toBe(false);
  });

  it('component detail, visualization and lag', async () => {
    const { body } = await get(`/api/v1/topology/${topologyId}/component/echo`);
    expectShape(
      body,
      {
        id: 'string',
        name: 'string',
        componentType: 'string',
        windowHint: 'string',
        executors: 'number',
        tasks: 'number',
        topologyId: 'string',
        window: 'string',
        componentErrors: 'array',
        boltStats: 'array',
        outputStats: 'array',
        inputStats: 'array',
        executorStats: 'array',
      },
      'component',
    );
    expect(body.componentType).toBe('bolt');
    const errors = body.componentErrors as Array<Record<string, unknown>>;
    expect(errors[0]).toMatchObject({ error: 'Error: seven is odd' });
    expectShape(
      errors[0]!,
      { errorTime: 'number', errorHost: 'string', errorLapsedSecs: 'number', error: 'string' },
      'componentErrors',
    );
    expect(errors[0]!.error).not.toMatch(/\n\s+at /);
    const executors = body.executorStats as Array<Record<string, unknown>>;
    expect(executors.map((e) => e.id)).toHaveLength(2);
    expect(executors.reduce((a, e) => a + (e.executed as number), 0)).toBe(100);
    const spout = (await get(`/api/v1/topology/${topologyId}/component/numbers`)).body;
    expect(spout.componentType).toBe('spout');
    for (const s of spout.spoutSummary as Array<Record<string, unknown>>) expectShape(s, WINDOW_STATS, 'spoutSummary');
    const viz = (await get(`/api/v1/topology/${topologyId}/visualization`)).body as Record<
      string,
      Record<string, unknown>
    >;
    expect(Object.keys(viz).sort()).toEqual(['echo', 'numbers', 'sink']);
    expect(viz.sink![':inputs']).toEqual([
      { ':component': 'echo', ':stream': 'default', ':sani-stream': 'default', ':grouping': 'shuffle' },
    ]);
    expect((await get(`/api/v1/topology/${topologyId}/lag`)).body).toEqual({});
    expect((await get('/api/v1/topology/nope')).res.status).toBe(404);
  });

  it('deactivate, activate; rebalance is not supported', async () => {
    let res = await fetch(`${server.url}/api/v1/topology/${topologyId}/deactivate`, { method: 'POST' });
    expect(await res.json()).toEqual({ topologyOperation: 'deactivate', topologyId, status: 'success' });
    expect((await get(`/api/v1/topology/${topologyId}`)).body.status).toBe('INACTIVE');
    res = await fetch(`${server.url}/api/v1/topology/${topologyId}/activate`, { method: 'POST' });
    expect(((await res.json()) as Record<string, unknown>).status).toBe('success');
    expect((await get(`/api/v1/topology/${topologyId}`)).body.status).toBe('ACTIVE');
    res = await fetch(`${server.url}/api/v1/topology/${topologyId}/rebalance/0`, { method: 'POST' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as Record<string, unknown>).error).toBe('not supported');
  });
});

describe('Flink-style job endpoints', () => {
  it('overview and job detail with vertices, records and ratios', async () => {
    const { body } = await get('/jobs/overview');
    const jobs = body.jobs as Array<Record<string, unknown>>;
    expect(jobs.map((j) => j.name).sort()).toEqual(['contract', 'native-contract']);
    for (const j of jobs)
      expectShape(
        j,
        {
          jid: 'string',
          name: 'string',
          state: 'string',
          'start-time': 'number',
          'end-time': 'number',
          duration: 'number',
        },
        'overview',
      );
    const detail = (await get('/jobs/native-contract')).body;
    const vertices = detail.vertices as Array<Record<string, unknown>>;
    expect(vertices.map((v) => v.name)).toEqual(['gen -> double -> drop']);
    const v = vertices[0]!;
    expectShape(
      v,
      {
        id: 'string',
        name: 'string',
        parallelism: 'number',
        metrics: 'object',
        busyRatio: 'number',
        idleRatio: 'number',
        backPressuredRatio: 'number',
        'backpressure-level': 'string',
      },
      'vertex',
    );
    expect((v.metrics as Record<string, number>)['write-records']).toBeGreaterThan(0);
    const bp = (await get('/jobs/native-contract/vertices/0/backpressure')).body;
    expectShape(
      bp,
      { status: 'string', 'backpressure-level': 'string', 'end-timestamp': 'number', subtasks: 'array' },
      'backpressure',
    );
    const wm = (await get('/jobs/native-contract/vertices/0/watermarks')).body as unknown as Array<
      Record<string, unknown>
    >;
    expect(wm[0]!.id).toBe('0.currentInputWatermark');
  });

  it('checkpoints: counts, history, config; a triggered checkpoint and savepoint show up', async () => {
    let res = await fetch(`${server.url}/jobs/native-contract/checkpoints`, { method: 'POST' });
    const triggered = (await res.json()) as { operation: { checkpointId: number } };
    res = await fetch(`${server.url}/jobs/native-contract/savepoints`, { method: 'POST', body: '{}' });
    const savepoint = (await res.json()) as { operation: { location: string; stopped: boolean } };
    expect(savepoint.operation.stopped).toBe(false);
    const cp = (await get('/jobs/native-contract/checkpoints')).body as {
      counts: Record<string, number>;
      history: Array<Record<string, unknown>>;
      summary: object;
    };
    expect(cp.counts.completed).toBeGreaterThanOrEqual(2);
    expect(cp.history.length).toBeLessThanOrEqual(10);
    expect(cp.history.some((h) => h.id === triggered.operation.checkpointId && h.status === 'COMPLETED')).toBe(true);
    expectShape(
      cp.history[0]!,
      {
        id: 'number|null',
        status: 'string',
        latest_ack_timestamp: 'number',
        state_size: 'number',
        end_to_end_duration: 'number',
      },
      'history',
    );
    expect((await get('/jobs/native-contract/checkpoints/config')).body).toMatchObject({
      mode: 'exactly_once',
      interval: 50,
    });
    const exc = (await get(`/jobs/${topologyId}/exceptions`)).body as unknown as {
      exceptionHistory: { entries: Array<Record<string, unknown>> };
    };
    expect(exc.exceptionHistory.entries[0]).toMatchObject({ exceptionName: 'Error', message: 'seven is odd' });
  });
});

describe('live updates (Server-Sent Events)', () => {
  it('GET /events streams an update event whenever the numbers changed', async () => {
    const abort = new AbortController();
    const res = await fetch(`${server.url}/events?interval=500`, { signal: abort.signal });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    const reader = res.body!.getReader();
    let text = '';
    // The native job keeps counting: after the first update (the state on connect) more follow.
    while ((text.match(/^event: update$/gm) ?? []).length < 2) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    abort.abort();
    expect(text).toMatch(/^retry: 500$/m);
    const events = text.split('\n\n').filter((e) => e.startsWith('event: update'));
    expect(events.length).toBeGreaterThanOrEqual(2);
    for (const e of events) expect(JSON.parse(e.split('\n')[1]!.replace(/^data: /, ''))).toHaveProperty('at');
    // Same origin rules as every other endpoint.
    const foreign = await fetch(`${server.url}/events`, { headers: { origin: 'http://evil.example' } });
    expect(foreign.status).toBe(403);
  });
});

describe('safe by default', () => {
  it('binds to loopback only', async () => {
    await expect(startConsoleServer({ jobs: new JobSet(systemClock), port: 0, host: '0.0.0.0' })).rejects.toThrow(
      /loopback/,
    );
  });

  it('sends no CORS header and no JSONP', async () => {
    const res = await fetch(`${server.url}/api/v1/cluster/summary?callback=steal`);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.text()).toMatch(/^\{/);
  });

  it('refuses foreign origins and hosts, oversized bodies; no stack traces', async () => {
    let res = await fetch(`${server.url}/jobs/native-contract/cancel`, {
      method: 'POST',
      headers: { origin: 'http://evil.example' },
    });
    expect(res.status).toBe(403);
    // fetch() will not send a foreign Host header; node:http will (as a DNS-rebinding page's browser does).
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${server.url}/jobs/overview`, { headers: { host: 'evil.example:8080' } }, (r) => {
        r.resume();
        resolve(r.statusCode!);
      });
      req.on('error', reject).end();
    });
    expect(status).toBe(403);
    res = await fetch(`${server.url}/jobs/native-contract/savepoints`, {
      method: 'POST',
      body: 'x'.repeat(MAX_BODY_BYTES + 1),
    });
    expect(res.status).toBe(413);
    res = await fetch(`${server.url}/jobs/native-contract/savepoints`, { method: 'POST', body: '{not json' });
    expect(res.status).toBe(400);
    const body = await res.text();
    expect(body).not.toMatch(/\bat \S+ \(|\.ts:\d+/);
    expect(native.status().state).toBe('running');
  });

  it('answers 403 to every mutation when switched off', async () => {
    for (const [method, path] of [
      ['POST', `/api/v1/topology/${topologyId}/kill/0`],
      ['POST', `/api/v1/topology/${topologyId}/deactivate`],
      ['POST', '/jobs/native-contract/savepoints'],
      ['POST', '/jobs/native-contract/stop'],
      ['PATCH', '/jobs/native-contract'],
    ] as const) {
      const res = await fetch(readOnly.url + path, { method });
      expect(res.status, `${method} ${path}`).toBe(403);
    }
    expect(cluster.isAlive('contract')).toBe(true);
    expect(native.status().state).toBe('running');
    expect((await get('/jobs/overview', readOnly.url)).res.status).toBe(200);
  });
});
