import { join, resolve } from 'node:path';
import {
  RuntimeMetrics,
  StreamEnvironment,
  startMetricsServer,
  type JobConfig,
  type JobDefinition,
  type JobHandle,
  type JobResult,
} from '../runtime/index.ts';
import { StatusLine } from './status-line.ts';
import { startPushLoop } from './push-loop.ts';
import type { AttachedConsole } from '../console/index.ts';

export interface RunOptions {
  parallelism?: number;
  workers?: number;
  checkpointInterval?: number;
  checkpointDir?: string;
  restore: boolean;
  restorePath?: string;
  /** --dead-letter: the built-in dead-letter directory, over what the job's code says. */
  deadLetterDir?: string | undefined;
  metricsPort?: number;
  metricsHost: string;
  pushGateway?: string;
  ttl?: number;
  quiet: boolean;
  /** console port; undefined = no console (--no-ui) */
  uiPort?: number;
  uiReadOnly?: boolean;
}

const warn = (message: string): void => void process.stderr.write(`[stormshift] warn: ${message}\n`);

/** Starts the console of this run (unless --no-ui); a failure to serve it never stops the job. */
export async function attachRunConsole(
  file: string,
  args: string[],
  options: RunOptions,
): Promise<AttachedConsole | undefined> {
  if (options.uiPort === undefined) return undefined;
  const { attachConsole } = await import('../console/index.ts');
  const attached = await attachConsole({ port: options.uiPort, readOnly: options.uiReadOnly, file, args, warn });
  if (attached.server && !options.quiet) process.stderr.write(`[stormshift] console at ${attached.server.url}\n`);
  return attached;
}

/** Runs a native job module until it ends, its TTL passes, or a signal stops it. */
export async function runNativeJob(
  file: string,
  job: JobDefinition,
  args: string[],
  options: RunOptions,
): Promise<number> {
  const metrics = new RuntimeMetrics();
  const jobName = job.name ?? file.replace(/^.*[\\/]/, '').replace(/\.[cm]?[jt]s$/, '');
  const config: JobConfig = {
    jobName,
    metrics,
    jobModule: resolve(file),
    jobArgs: args,
    log: (level, message) => {
      if (level !== 'info' || !options.quiet) process.stderr.write(`[stormshift] ${level}: ${message}\n`);
    },
  };
  if (options.parallelism !== undefined) config.parallelism = options.parallelism;
  if (options.workers !== undefined) config.workers = options.workers;
  const env = StreamEnvironment.create(config);
  if (options.checkpointInterval !== undefined)
    env.configure({ checkpoint: { intervalMs: options.checkpointInterval } });
  await job.build(env, args);
  if (env.config.checkpoint?.intervalMs !== undefined) {
    env.configure({
      checkpoint: {
        dir: options.checkpointDir ?? env.config.checkpoint.dir ?? join('.stormshift', 'checkpoints', jobName),
      },
    });
  }
  env.configure({ restore: options.restorePath ? { path: options.restorePath } : options.restore ? 'latest' : 'none' });
  if (options.deadLetterDir !== undefined)
    env.configure({ poison: { ...env.config.poison, deadLetter: { dir: resolve(options.deadLetterDir) } } });

  const plan = env.plan(jobName);
  const sources = plan.nodes.filter((n) => n.transformation.kind === 'source').map((n) => n.transformation.name);
  const sinks = plan.nodes.filter((n) => n.transformation.kind === 'sink').map((n) => n.transformation.name);
  const server = await startMetricsServer(metrics, { port: options.metricsPort ?? 0, host: options.metricsHost }).catch(
    (error: Error) => {
      process.stderr.write(`[stormshift] warn: metrics endpoint not started: ${error.message}\n`);
      return undefined;
    },
  );
  if (server && !options.quiet) process.stderr.write(`[stormshift] metrics at ${server.url}\n`);

  const handle: JobHandle = env.executeAsync(jobName);
  const ui = await attachRunConsole(file, args, options);
  ui?.addJob(handle, env.config.checkpoint?.dir);
  const status = new StatusLine({ handle, sources, sinks });
  if (!options.quiet) status.start();
  const push = options.pushGateway
    ? startPushLoop(metrics, {
        gatewayUrl: options.pushGateway,
        job: jobName,
        warn: (m) => process.stderr.write(`[stormshift] warn: ${m}\n`),
      })
    : undefined;

  let stopping = false;
  const stop = async (reason: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    if (!options.quiet) process.stderr.write(`\n[stormshift] ${reason}: stopping '${jobName}'\n`);
    // Sources first, then a last checkpoint, so the next run resumes exactly after the last output seen here.
    await handle.stop();
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) process.exit(130);
    void stop(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const ttlTimer =
    options.ttl !== undefined
      ? setTimeout(() => void stop(`TTL of ${options.ttl}s reached`), options.ttl * 1000)
      : undefined;

  let result: JobResult | undefined;
  let failure: unknown;
  try {
    result = await handle.result;
  } catch (error) {
    failure = error;
  } finally {
    if (ttlTimer) clearTimeout(ttlTimer);

    status.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await push?.stop();
    await ui?.close();
    await server?.close();
  }
  const snapshot = metrics.snapshot().jobs[jobName];
  if (failure !== undefined) {
    process.stderr.write(`[stormshift] job '${jobName}' failed: ${(failure as Error)?.message ?? failure}\n`);
    return 1;
  }
  if (!options.quiet) {
    const read = sources.reduce((sum, name) => sum + (snapshot?.operators[name]?.recordsOut ?? 0), 0);
    process.stderr.write(
      `[stormshift] job '${jobName}' ${result!.state} after ${(result!.durationMs / 1000).toFixed(1)}s: ${read} records read, ${result!.checkpoints} checkpoints, ${result!.restarts} restarts\n`,
    );
    const threads = metrics.workerThreadsOf(jobName);
    // The busiest thread caps throughput on workers: its CPU beside the others' shows the balance.
    if (threads.length > 0)
      process.stderr.write(
        `[stormshift] CPU per worker thread: ${threads.map((t) => `worker ${t.worker} ${(t.cpuMs / 1000).toFixed(2)}s`).join(', ')}\n`,
      );
  }
  return 0;
}
