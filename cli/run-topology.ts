import { basename } from 'node:path';
import {
  Config,
  ConfigurableTopology,
  KillOptions,
  StormTopology,
  type Conf,
  type LocalCluster,
} from '../compat/index.ts';
import { startMetricsServer, type RuntimeMetrics } from '../runtime/index.ts';
import { EXIT } from './errors.ts';
import { attachRunConsole, type RunOptions } from './run-job.ts';
import { startPushLoop } from './push-loop.ts';

/** Storm's default for how long `storm local` keeps a submitting main's cluster alive. */
const STORM_LOCAL_SLEEPTIME_SECS = 20;

interface TopologyModule {
  default?: unknown;
  config?: Conf;
  main?: (args: string[]) => unknown;
}

/**
 * Runs a Storm topology module like `storm local`. The module may default-export a StormTopology
 * (with an optional `config` export), default-export a ConfigurableTopology subclass, export a
 * `main(args)`, or submit through StormSubmitter / LocalCluster when imported. The CLI installed
 * `cluster` as the local-mode override before importing it, so StormSubmitter lands there.
 */
export async function runTopologyModule(
  file: string,
  loaded: unknown,
  args: string[],
  options: RunOptions,
  cluster: LocalCluster,
  _metrics: RuntimeMetrics,
): Promise<number> {
  const module = loaded as TopologyModule;
  const exported = module.default;
  let ttl = options.ttl;
  try {
    if (exported instanceof StormTopology) {
      const name = basename(file).replace(/\.[cm]?[jt]s$/, '');
      await cluster.submitTopology(name, applyRunOptions(name, { ...(module.config ?? {}) }, options), exported);
    } else if (typeof exported === 'function' && exported.prototype instanceof ConfigurableTopology) {
      const Topology = exported as new () => ConfigurableTopology;
      await ConfigurableTopology.start(new Topology(), args);
      ttl ??= STORM_LOCAL_SLEEPTIME_SECS;
    } else if (typeof module.main === 'function') {
      await module.main(args);
      ttl ??= STORM_LOCAL_SLEEPTIME_SECS;
    } else if (cluster.getTopologyNames().length > 0) {
      // The module submitted on import (top-level `StormSubmitter.submitTopology(...)`).
      ttl ??= STORM_LOCAL_SLEEPTIME_SECS;
    } else {
      process.stderr.write(
        `stormshift: ${file} does not default-export a job (export default defineJob(...)) or a StormTopology, and submitted no topology\n`,
      );
      await cluster.shutdown();
      return EXIT.noJob;
    }
  } catch (error) {
    process.stderr.write(`[stormshift] submitting ${file} failed: ${(error as Error)?.message ?? error}\n`);
    await cluster.shutdown();
    return 1;
  }

  const names = cluster.getTopologyNames();
  // Signal handlers go in before "running" is printed: a supervisor that stops the run as soon as
  // it reads that line must reach the handler (final checkpoint), not the default (instant death).
  const stopped = new Promise<void>((resolve) => {
    const timer = ttl !== undefined ? setTimeout(resolve, ttl * 1000) : undefined;
    const onSignal = (): void => {
      if (timer) clearTimeout(timer);
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      resolve();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    // Every topology killed from inside (or never alive) ends the run early.
    void Promise.all(names.map((name) => cluster.whenStopped(name))).then(onSignal);
  });
  const ui = await attachRunConsole(file, args, options);
  for (const name of names) ui?.addTopology(name, cluster);
  const metricsServer = await startMetricsServer(_metrics, {
    port: options.metricsPort ?? 0,
    host: options.metricsHost,
  }).catch((error: Error) => {
    process.stderr.write(`[stormshift] warn: metrics endpoint not started: ${error.message}\n`);
    return undefined;
  });
  if (metricsServer && !options.quiet) process.stderr.write(`[stormshift] metrics at ${metricsServer.url}\n`);
  const push = options.pushGateway
    ? startPushLoop(_metrics, {
        gatewayUrl: options.pushGateway,
        job: names.join('+') || basename(file),
        warn: (m) => process.stderr.write(`[stormshift] warn: ${m}\n`),
      })
    : undefined;
  if (!options.quiet)
    process.stderr.write(
      `[stormshift] running ${names.join(', ')}${ttl !== undefined ? ` for ${ttl}s` : ' until Ctrl-C'}\n`,
    );
  const status = options.quiet ? undefined : setInterval(() => printStats(cluster, names), 5000);
  status?.unref();
  await stopped;
  if (status) clearInterval(status);
  if (!options.quiet) printStats(cluster, names);
  // A last checkpoint before the kill (as `run` does for native jobs), so the next run resumes
  // exactly where this one stopped instead of replaying from the last periodic one.
  for (const name of cluster.getTopologyNames()) {
    if (!cluster.isAlive(name)) continue;
    try {
      // Spouts first (stop-with-savepoint order), so the checkpoint covers every output of this run.
      await cluster.getTopologyJob(name)?.stopSources();
      const path = await cluster.checkpoint(name);
      if (path !== undefined) process.stderr.write(`[stormshift] final checkpoint of ${name}: ${path}\n`);
    } catch (error) {
      process.stderr.write(
        `[stormshift] warn: final checkpoint of ${name} failed: ${(error as Error)?.message ?? error}\n`,
      );
    }
  }
  const kill = new KillOptions();
  kill.set_wait_secs(0);
  for (const name of cluster.getTopologyNames())
    if (cluster.isAlive(name)) await cluster.killTopologyWithOpts(name, kill).catch(() => {});
  await cluster.shutdown();
  await push?.stop();
  await metricsServer?.close();
  await ui?.close();
  return 0;
}

/** CLI flags map onto Storm conf keys, so a topology needs no code change to use them. */
export function applyRunOptions(name: string, conf: Conf, options: RunOptions): Conf {
  if (options.checkpointInterval !== undefined)
    conf[Config.TOPOLOGY_STATE_CHECKPOINT_INTERVAL] = options.checkpointInterval;
  const checkpointing = conf['stormshift.reliability'] === 'checkpoint' || options.checkpointInterval !== undefined;
  if (checkpointing && conf['stormshift.checkpoint.dir'] === undefined) {
    conf['stormshift.checkpoint.dir'] = options.checkpointDir ?? `.stormshift/checkpoints/${name}`;
  } else if (options.checkpointDir !== undefined) {
    conf['stormshift.checkpoint.dir'] = options.checkpointDir;
  }
  if (!options.restore) conf['stormshift.restore'] = false;
  return conf;
}

function printStats(cluster: LocalCluster, names: string[]): void {
  for (const name of names) {
    const run = cluster.getTopologyRun(name);
    if (!run) continue;
    const parts: string[] = [];
    for (const [component, s] of run.stats) {
      if (component.startsWith('__') || component.startsWith('$')) continue;
      parts.push(`${component}: emitted ${s.emitted} acked ${s.acked} failed ${s.failed}`);
    }
    process.stderr.write(`[${name}] ${parts.join(' | ')}\n`);
  }
}
