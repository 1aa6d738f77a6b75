/**
 * stormshift's console: a Storm-UI-compatible REST API, Flink-style job endpoints and a web page,
 * served by `stormshift run` (for its own jobs) and by `stormshift console` (every job on this
 * machine). It reads jobs through the runtime's and compat's public faces only.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DirectoryCheckpointStorage, type JobHandle } from '../runtime/index.ts';
import type { LocalCluster } from '../compat/index.ts';
import { systemClock, type Clock } from './clock.ts';
import { JobSet, type ConsoleJob } from './jobs.ts';
import { listRuns, registerRun, registryDir, type RegisteredRun } from './registry.ts';
import { HttpError, startConsoleServer, type ConsoleServer, type RouteResult } from './server.ts';

export { JobSet, ConsoleJob, backpressureLevel, type BackpressureLevel, type VertexView } from './jobs.ts';
export { startConsoleServer, MAX_BODY_BYTES, type ConsoleServer, type ConsoleServerOptions } from './server.ts';
export { ManualClock, systemClock, type Clock } from './clock.ts';
export { RollingTotals, STORM_WINDOWS, type StormWindow } from './rolling.ts';
export { listRuns, registerRun, registryDir, type RegisteredRun } from './registry.ts';

export interface AttachOptions {
  /** default 8080; 0 = any free port */
  port?: number;
  readOnly?: boolean;
  file: string;
  args: string[];
  warn(message: string): void;
  clock?: Clock;
}

/** What `stormshift run` holds: the jobs it shows, its server (if it got one) and its registration. */
export interface AttachedConsole {
  jobs: JobSet;
  server: ConsoleServer | undefined;
  addJob(handle: JobHandle, checkpointDir: string | undefined): ConsoleJob;
  addTopology(name: string, cluster: LocalCluster): ConsoleJob | undefined;
  close(): Promise<void>;
}

/**
 * Starts the console of one `stormshift run`. A port in use is a warning: the console moves to a
 * free port (so `stormshift console` can still reach it) and the job goes on.
 */
export async function attachConsole(options: AttachOptions): Promise<AttachedConsole> {
  const jobs = new JobSet(options.clock ?? systemClock);
  const serverOptions = { jobs, allowMutations: !options.readOnly };
  let server: ConsoleServer | undefined;
  try {
    server = await startConsoleServer({ ...serverOptions, port: options.port ?? 8080 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      server = await startConsoleServer({ ...serverOptions, port: 0 }).catch(() => undefined);
      options.warn(
        `console port ${options.port ?? 8080} is in use${server ? `; console at ${server.url} instead` : '; no console'}`,
      );
    } else {
      options.warn(`console not started: ${(error as Error).message}`);
    }
  }
  const entry: RegisteredRun = {
    pid: process.pid,
    url: server?.url,
    file: resolve(options.file),
    args: options.args,
    cwd: process.cwd(),
    startedAt: Date.now(),
    jobs: [],
  };
  let registration: ReturnType<typeof registerRun> | undefined;
  try {
    registration = registerRun(entry);
  } catch (error) {
    options.warn(`could not register with ${registryDir()}: ${(error as Error).message}`);
  }
  const note = (job: ConsoleJob, checkpointDir: string | undefined): void => {
    entry.jobs = entry.jobs
      .filter((j) => j.id !== job.id)
      .concat({ id: job.id, name: job.name, checkpointDir: checkpointDir ? resolve(checkpointDir) : undefined });
    registration?.update(entry);
  };
  return {
    jobs,
    server,
    addJob(handle, checkpointDir) {
      const job = jobs.add({ handle });
      note(job, checkpointDir);
      return job;
    },
    addTopology(name, cluster) {
      const run = cluster.getTopologyRun(name);
      const handle = cluster.getTopologyJob(name);
      if (!run || !handle) return undefined;
      const job = jobs.add({ handle, storm: { run, cluster } });
      const dir = run.conf['stormshift.checkpoint.dir'];
      note(job, typeof dir === 'string' ? dir : undefined);
      return job;
    },
    async close() {
      registration?.remove();
      await server?.close();
    },
  };
}

const CLI_BIN = fileURLToPath(new URL('../cli/bin.js', import.meta.url));

export interface StandaloneOptions {
  port?: number;
  readOnly?: boolean;
  /** where started jobs write their output; default the registry directory */
  logDir?: string;
}

/**
 * `stormshift console`: the same API and page, listing every registered run on this machine, and
 * starting runs (from a path, or from a savepoint) as detached `stormshift run` processes.
 */
export async function startStandaloneConsole(options: StandaloneOptions = {}): Promise<ConsoleServer> {
  const jobs = new JobSet(systemClock);
  // Checkpoint directories of every run seen while this console runs: a run stopped with a
  // savepoint leaves the registry, and restarting it is exactly when its savepoints matter.
  const seenDirs = new Map<string, string>();
  const noteDirs = (): void => {
    for (const run of listRuns()) for (const j of run.jobs) if (j.checkpointDir) seenDirs.set(j.checkpointDir, j.name);
  };
  const extraRoutes = async (req: {
    method: string;
    path: string;
    query: URLSearchParams;
    body(): Promise<unknown>;
  }): Promise<RouteResult | undefined> => {
    if (req.path === '/console/runs' && req.method === 'GET') {
      noteDirs();
      const runs = await Promise.all(
        listRuns().map(async (run) => {
          let overview: unknown[] | undefined;
          if (run.url) {
            try {
              const res = await fetch(`${run.url}/jobs/overview`, { signal: AbortSignal.timeout(2000) });
              overview = ((await res.json()) as { jobs: unknown[] }).jobs;
            } catch {
              overview = undefined;
            }
          }
          return { ...run, overview: overview ?? null };
        }),
      );
      return { status: 200, body: { mode: 'standalone', runs } };
    }
    if (req.path === '/console/savepoints' && req.method === 'GET') {
      noteDirs();
      const savepoints = [];
      for (const [dir, job] of seenDirs) {
        const stored = await new DirectoryCheckpointStorage({ dir }).list().catch(() => []);
        for (const s of stored)
          if (s.kind === 'savepoint')
            savepoints.push({ job, dir, id: s.id, path: s.path, bytes: s.bytes, timestamp: s.timestamp });
      }
      return { status: 200, body: { savepoints: savepoints.sort((a, b) => b.timestamp - a.timestamp) } };
    }
    if (req.path === '/console/start' && req.method === 'POST') {
      const body = (await req.body()) as {
        file?: unknown;
        args?: unknown;
        restore?: unknown;
        checkpointInterval?: unknown;
        cwd?: unknown;
      };
      if (typeof body.file !== 'string' || body.file === '') throw new HttpError(400, "'file' must name a job module");
      const cwd = typeof body.cwd === 'string' ? body.cwd : process.cwd();
      const file = resolve(cwd, body.file);
      if (!existsSync(file)) throw new HttpError(400, `no such file: ${file}`);
      const args = Array.isArray(body.args) ? body.args.map(String) : [];
      const cli = ['run', file, '--ui-port', '0', '--quiet'];
      if (typeof body.restore === 'string' && body.restore !== '') {
        if (!existsSync(body.restore)) throw new HttpError(400, `no such savepoint: ${body.restore}`);
        cli.push('--restore', body.restore);
      }
      if (
        typeof body.checkpointInterval === 'number' &&
        Number.isInteger(body.checkpointInterval) &&
        body.checkpointInterval > 0
      ) {
        cli.push('--checkpoint-interval', String(body.checkpointInterval));
      }
      const logFile = join(options.logDir ?? registryDir(), `started-${Date.now()}.log`);
      const log = openSync(logFile, 'a');
      const child = spawn(process.execPath, [CLI_BIN, ...cli, ...(args.length > 0 ? ['--', ...args] : [])], {
        cwd,
        detached: true,
        stdio: ['ignore', log, log],
      });
      closeSync(log);
      child.unref();
      return {
        status: 202,
        mutating: true,
        body: { pid: child.pid, log: logFile, command: ['stormshift', ...cli, ...args] },
      };
    }
    return undefined;
  };
  return startConsoleServer({
    jobs,
    port: options.port ?? 8080,
    allowMutations: !options.readOnly,
    extraRoutes,
    // The runs' numbers live in their own processes: every check is an update.
    liveStamp: () => String(Date.now()),
  });
}
