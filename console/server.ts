/**
 * The console's HTTP server (node:http): Storm UI's /api/v1, Flink-style /jobs endpoints, live
 * updates as Server-Sent Events (/events) and the web page. Safe by default: it binds to loopback only, sends no CORS header and no JSONP, refuses
 * foreign Host and Origin headers (DNS rebinding, cross-site form posts), reads at most
 * MAX_BODY_BYTES of a body, never puts a stack trace in a response, and its mutating endpoints can
 * be switched off (they then answer 403).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { KillOptions } from '../compat/index.ts';
import { systemClock, type Clock } from './clock.ts';
import { JobSet, type ConsoleJob } from './jobs.ts';
import { parseWindow } from './rolling.ts';
import * as storm from './storm-api.ts';
import * as flink from './flink-api.ts';
import { LiveUpdates } from './live.ts';

export const MAX_BODY_BYTES = 64 * 1024;
const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

export interface ConsoleServerOptions {
  jobs: JobSet;
  port?: number;
  /** Loopback only: 127.0.0.1 (default), ::1 or localhost. */
  host?: string;
  /** false: every mutating endpoint answers 403. Default true. */
  allowMutations?: boolean;
  clock?: Clock;
  /** Extra routes (the standalone console's); return undefined when a path is not theirs. */
  extraRoutes?: (req: ConsoleRequest) => Promise<RouteResult | undefined>;
  /** ms between background samples of every job (rolling windows); default 5000. */
  sampleIntervalMs?: number;
  /** More state whose change is a live update (GET /events), besides this server's jobs. */
  liveStamp?: () => string;
}

export interface ConsoleRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  body(): Promise<unknown>;
}

export interface RouteResult {
  status: number;
  body: unknown;
  /** the route changes state (checked against allowMutations) */
  mutating?: boolean;
}

export interface ConsoleServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const require = createRequire(import.meta.url);
const STATIC_DIR = join(dirname(new URL(import.meta.url).pathname), 'static');
const STATIC_FILES: Record<string, { file: () => string; type: string }> = {
  '/': { file: () => join(STATIC_DIR, 'index.html'), type: 'text/html; charset=utf-8' },
  '/app.js': { file: () => join(STATIC_DIR, 'app.js'), type: 'text/javascript; charset=utf-8' },
  '/app.css': { file: () => join(STATIC_DIR, 'app.css'), type: 'text/css; charset=utf-8' },
  // Packages' exports maps hide their browser builds; they sit next to the resolved entry point.
  '/vendor/dagre.min.js': {
    file: () => join(dirname(require.resolve('@dagrejs/dagre')), 'dagre.min.js'),
    type: 'text/javascript; charset=utf-8',
  },
  '/vendor/uPlot.iife.min.js': {
    file: () => join(dirname(require.resolve('uplot')), 'uPlot.iife.min.js'),
    type: 'text/javascript; charset=utf-8',
  },
  '/vendor/uPlot.min.css': {
    file: () => join(dirname(require.resolve('uplot')), 'uPlot.min.css'),
    type: 'text/css; charset=utf-8',
  },
};

export function isLoopbackHost(host: string): boolean {
  return LOOPBACK.has(host) || /^127\.\d+\.\d+\.\d+$/.test(host);
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_BODY_BYTES) throw new HttpError(413, `request body over ${MAX_BODY_BYTES} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, `request body over ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  if (size === 0) return {};
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new HttpError(400, 'request body is not JSON');
  }
}

function hostOf(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const m = /^\[([^\]]+)\](?::\d+)?$/.exec(header) ?? /^([^:]+)(?::\d+)?$/.exec(header);
  return m?.[1];
}

export async function startConsoleServer(options: ConsoleServerOptions): Promise<ConsoleServer> {
  const host = options.host ?? '127.0.0.1';
  if (!isLoopbackHost(host))
    throw new HttpError(500, `the console binds to loopback only (127.0.0.1, ::1, localhost), not '${host}'`);
  const clock = options.clock ?? systemClock;
  const jobs = options.jobs;
  const allowMutations = options.allowMutations ?? true;
  const startedAt = clock.now();
  const live = new LiveUpdates(jobs, options.liveStamp);

  const send = (res: ServerResponse, status: number, body: unknown): void => {
    const text = JSON.stringify(body, (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) : v));
    res.writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(text),
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    });
    res.end(text);
  };

  const route = async (req: ConsoleRequest): Promise<RouteResult> => {
    const { method, path, query } = req;
    const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
    const job = (id: string): ConsoleJob => {
      const j = jobs.get(id);
      if (!j) throw new HttpError(404, `no job '${id}'`);
      return j;
    };
    const topology = (id: string): ConsoleJob => {
      const j = jobs.list().find((x) => x.storm && (x.id === id || x.name === id));
      if (!j) throw new HttpError(404, `no topology '${id}'`);
      return j;
    };
    const get = method === 'GET' || method === 'HEAD';

    // --- Storm UI /api/v1 -------------------------------------------------------------------
    if (parts[0] === 'api' && parts[1] === 'v1') {
      const rest = parts.slice(2);
      if (get && rest.join('/') === 'cluster/summary')
        return { status: 200, body: storm.clusterSummary(jobs.list(), clock, startedAt) };
      if (get && rest.join('/') === 'topology/summary') {
        return {
          status: 200,
          body: {
            topologies: jobs
              .list()
              .filter((j) => j.storm)
              .map((j) => storm.topologySummary(j, clock)),
            schedulerDisplayResource: false,
          },
        };
      }
      if (rest[0] === 'topology' && rest[1] !== undefined) {
        const t = topology(rest[1]);
        const window = parseWindow(query.get('window'));
        if (get && rest.length === 2)
          return { status: 200, body: storm.topologyDetail(t, window, query.get('sys') === '1', clock) };
        if (get && rest[2] === 'component' && rest[3] !== undefined && rest.length === 4) {
          const run = t.storm!.run;
          if (!run.spouts.includes(rest[3]) && !run.bolts.includes(rest[3]))
            throw new HttpError(404, `no component '${rest[3]}' in ${run.name}`);
          return { status: 200, body: storm.componentDetail(t, rest[3], window, clock) };
        }
        if (get && rest[2] === 'visualization' && rest.length === 3)
          return { status: 200, body: storm.visualization(t, window, clock) };
        if (get && rest[2] === 'lag' && rest.length === 3) return { status: 200, body: await storm.spoutLag(t) };
        if (method === 'POST' && rest.length >= 3) {
          const op = rest[2]!;
          const result = (status = 'success') => ({ topologyOperation: op, topologyId: t.id, status });
          const cluster = t.storm!.cluster;
          if (op === 'activate' && rest.length === 3)
            return { status: 200, mutating: true, body: (await cluster.activate(t.name), result()) };
          if (op === 'deactivate' && rest.length === 3)
            return { status: 200, mutating: true, body: (await cluster.deactivate(t.name), result()) };
          if (op === 'kill' && rest.length <= 4) {
            const wait = rest[3] === undefined ? 30 : Number(rest[3]);
            if (!Number.isInteger(wait) || wait < 0)
              throw new HttpError(400, `kill wait time must be a whole number of seconds, got '${rest[3]}'`);
            const kill = new KillOptions();
            kill.set_wait_secs(wait);
            await cluster.killTopologyWithOpts(t.name, kill);
            return { status: 200, mutating: true, body: result() };
          }
          if (op === 'rebalance') {
            return {
              status: 400,
              mutating: true,
              body: {
                ...result('failed'),
                error: 'not supported',
                errorMessage: 'rebalance is not supported: stormshift runs each topology in one process',
              },
            };
          }
        }
      }
    }

    // --- Flink-style /jobs -------------------------------------------------------------------
    if (parts[0] === 'jobs') {
      if (get && parts.length === 2 && parts[1] === 'overview')
        return { status: 200, body: { jobs: jobs.list().map((j) => flink.jobOverview(j, clock)) } };
      if (parts.length >= 2) {
        const j = job(parts[1]!);
        const rest = parts.slice(2);
        if (get && rest.length === 0) return { status: 200, body: flink.jobDetail(j, clock) };
        if (get && rest[0] === 'vertices' && rest[2] === 'backpressure' && rest.length === 3) {
          const body = flink.vertexBackpressure(j, rest[1]!, clock);
          if (!body) throw new HttpError(404, `no vertex '${rest[1]}'`);
          return { status: 200, body };
        }
        if (get && rest[0] === 'vertices' && rest[2] === 'watermarks' && rest.length === 3) {
          const body = flink.vertexWatermarks(j, rest[1]!);
          if (!body) throw new HttpError(404, `no vertex '${rest[1]}'`);
          return { status: 200, body };
        }
        if (get && rest.join('/') === 'checkpoints') return { status: 200, body: flink.checkpoints(j) };
        if (get && rest.join('/') === 'checkpoints/config') return { status: 200, body: flink.checkpointConfig(j) };
        if (get && rest.join('/') === 'exceptions') return { status: 200, body: flink.exceptions(j) };
        if (method === 'POST' && rest.join('/') === 'checkpoints') {
          const stored = await j.handle.triggerCheckpoint();
          return {
            status: 200,
            mutating: true,
            body: { status: { id: 'COMPLETED' }, operation: { checkpointId: stored.id, location: stored.path } },
          };
        }
        if (method === 'POST' && (rest.join('/') === 'savepoints' || rest.join('/') === 'stop')) {
          const body = (await req.body()) as { 'cancel-job'?: unknown; drain?: unknown };
          const stop = rest[0] === 'stop' || body['cancel-job'] === true;
          // Stop with savepoint: sources stop first, so nothing runs past the savepoint that the
          // restart would not replay (output after it would be counted again).
          if (stop) await j.handle.stopSources();
          // Sources cannot resume: a stop whose savepoint failed still stops (from the last checkpoint on restart).
          const stored = await j.handle.triggerSavepoint().catch(async (error: unknown) => {
            if (stop) await stopJob(j);
            throw error;
          });
          if (stop) await stopJob(j);
          return {
            status: 200,
            mutating: true,
            body: {
              status: { id: 'COMPLETED' },
              operation: { location: stored.path, savepointId: stored.id, stopped: stop },
            },
          };
        }
        if ((method === 'PATCH' && rest.length === 0) || (method === 'POST' && rest.join('/') === 'cancel')) {
          const mode = query.get('mode') ?? 'cancel';
          if (mode !== 'cancel') throw new HttpError(400, `mode '${mode}' is not supported; use mode=cancel`);
          await stopJob(j);
          return { status: 202, mutating: true, body: {} };
        }
      }
    }

    const extra = await options.extraRoutes?.(req);
    if (extra) return extra;
    throw new HttpError(get ? 404 : 405, get ? `no such resource: ${path}` : `${method} ${path} is not supported`);
  };

  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://console.invalid');
      const method = req.method ?? 'GET';
      try {
        // A page on another site may reach loopback through the user's browser: only our own
        // Host and Origin pass.
        const hostHeader = hostOf(req.headers.host);
        if (hostHeader !== undefined && !isLoopbackHost(hostHeader)) throw new HttpError(403, 'foreign Host header');
        const origin = req.headers.origin;
        if (origin !== undefined && origin !== 'null') {
          const o = new URL(origin);
          if (!isLoopbackHost(o.hostname.replace(/^\[|\]$/g, '')) || o.port !== String(boundPort))
            throw new HttpError(403, 'cross-origin request refused');
        } else if (origin === 'null') {
          throw new HttpError(403, 'cross-origin request refused');
        }
        if (method === 'GET' && url.pathname === '/events') {
          live.attach(req, res, url.searchParams);
          return;
        }
        const fileEntry = method === 'GET' || method === 'HEAD' ? STATIC_FILES[url.pathname] : undefined;
        if (fileEntry) {
          const content = await readFile(fileEntry.file());
          res.writeHead(200, {
            'content-type': fileEntry.type,
            'content-length': content.length,
            'x-content-type-options': 'nosniff',
          });
          res.end(method === 'HEAD' ? undefined : content);
          return;
        }
        let bodyRead: Promise<unknown> | undefined;
        const request: ConsoleRequest = {
          method,
          path: url.pathname,
          query: url.searchParams,
          body: () => (bodyRead ??= readBody(req)),
        };
        // Mutations are known by method: refuse them before doing anything when switched off.
        if (!allowMutations && method !== 'GET' && method !== 'HEAD')
          throw new HttpError(403, 'mutating endpoints are switched off (--ui-read-only)');
        const result = await route(request);
        if (result.mutating && !allowMutations) throw new HttpError(403, 'mutating endpoints are switched off');
        send(res, result.status, result.body);
      } catch (error) {
        const status = error instanceof HttpError ? error.status : 500;
        const message =
          error instanceof Error
            ? `${error.name === 'Error' || error instanceof HttpError ? '' : `${error.name}: `}${error.message}`
            : String(error);
        // Storm's error shape; never a stack trace.
        if (!res.headersSent)
          send(res, status, {
            error: status >= 500 ? 'Internal Server Error' : 'Request failed',
            errorMessage: message.slice(0, 500),
          });
        else res.destroy();
      }
    })();
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8080, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.unref();
  const boundPort = (server.address() as AddressInfo).port;
  const sampler = setInterval(() => jobs.sampleAll(), options.sampleIntervalMs ?? 5_000);
  sampler.unref();
  const hostForUrl = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${hostForUrl}:${boundPort}`,
    port: boundPort,
    close: () =>
      new Promise<void>((resolve, reject) => {
        clearInterval(sampler);
        live.close();
        server.close((error) => (error ? reject(error) : resolve()));
        // A response being written (the answer to a stop-with-savepoint that ended this process)
        // gets a moment to finish; idle keep-alive connections go at once.
        server.closeIdleConnections();
        setTimeout(() => server.closeAllConnections(), 1000).unref();
      }),
  };
}

/** Cancels a job; a topology is killed through its cluster so Storm's bookkeeping sees it. */
async function stopJob(job: ConsoleJob): Promise<void> {
  if (job.storm && job.storm.cluster.isAlive(job.name)) {
    const kill = new KillOptions();
    kill.set_wait_secs(0);
    await job.storm.cluster.killTopologyWithOpts(job.name, kill);
    await job.handle.result.catch(() => undefined);
    return;
  }
  await job.handle.cancel().catch(() => undefined);
}

export { JobSet };
