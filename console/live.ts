/**
 * Live updates by Server-Sent Events (GET /events): each client gets an `update` event whenever
 * the numbers of the jobs it could see changed, checked at the client's interval (its page's
 * refresh), instead of polling the API on a timer. A comment line every 15 s keeps proxies from
 * closing a quiet stream.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { JobSet } from './jobs.ts';

export const MIN_LIVE_INTERVAL_MS = 500;
const DEFAULT_LIVE_INTERVAL_MS = 3_000;
const KEEPALIVE_MS = 15_000;

/** What changes when a page would show something new: state, counts, checkpoints, errors. */
export function jobsStamp(jobs: JobSet): string {
  const parts: unknown[] = [];
  for (const job of jobs.list()) {
    let records = 0;
    for (const m of job.metrics.operatorsOf(job.name)) records += m.recordsIn + m.recordsOut + m.errors;
    let storm = 0;
    for (const s of job.storm?.run.stats.values() ?? []) storm += s.emitted + s.acked + s.failed + s.executed;
    const c = job.metrics.checkpoints(job.name);
    const status = job.handle.status();
    parts.push([
      job.id,
      status.state,
      status.restarts,
      records,
      storm,
      c.completedCount,
      c.failedCount,
      job.storm?.run.errors.length ?? 0,
      job.storm?.run.active ?? null,
    ]);
  }
  return JSON.stringify(parts);
}

export class LiveUpdates {
  private readonly clients = new Set<ServerResponse>();

  constructor(
    private readonly jobs: JobSet,
    /** More state the pages show (the standalone console's registered runs). */
    private readonly extraStamp?: () => string,
  ) {}

  /** Serves one event stream until the client goes away or the server closes. */
  attach(req: IncomingMessage, res: ServerResponse, query: URLSearchParams): void {
    const asked = Number(query.get('interval'));
    const intervalMs =
      Number.isFinite(asked) && asked > 0 ? Math.max(MIN_LIVE_INTERVAL_MS, asked) : DEFAULT_LIVE_INTERVAL_MS;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      connection: 'keep-alive',
    });
    // retry: how long EventSource waits before reconnecting after the stream drops.
    res.write(`retry: ${intervalMs}\n\n`);
    this.clients.add(res);
    let last = '';
    let quietSince = Date.now();
    const check = (): void => {
      let stamp: string;
      try {
        stamp = this.stamp();
      } catch {
        return;
      }
      if (stamp !== last) {
        last = stamp;
        quietSince = Date.now();
        res.write(`event: update\ndata: ${JSON.stringify({ at: Date.now() })}\n\n`);
      } else if (Date.now() - quietSince >= KEEPALIVE_MS) {
        quietSince = Date.now();
        res.write(': keep-alive\n\n');
      }
    };
    const timer = setInterval(check, intervalMs);
    timer.unref();
    check();
    const done = (): void => {
      clearInterval(timer);
      this.clients.delete(res);
    };
    req.once('close', done);
    res.once('close', done);
  }

  private stamp(): string {
    return jobsStamp(this.jobs) + (this.extraStamp?.() ?? '');
  }

  /** Ends every stream (the server is closing: an open stream would hold it open). */
  close(): void {
    for (const res of this.clients) res.end();
    this.clients.clear();
  }
}
