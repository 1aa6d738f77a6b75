/** A submitted topology inside a `LocalCluster`: its shared run state, the runtime job, and its teardown. */
import { CONFIG_KEYS } from '../component/config-keys.ts';
import { confInt } from '../component/config.ts';
import {
  StreamEnvironment,
  isManualClock,
  type JobConfig,
  type JobHandle,
  type Logger,
  type RuntimeMetrics,
} from '../../runtime/index.ts';
import { buildJob } from '../translate/build-job.ts';
import { WorkerLink } from '../translate/cross-thread.ts';
import { WORKER_JOB_MODULE, type WorkerTopologySpec } from './worker-job.ts';
import { ConfigError } from '../../runtime/index.ts';
import { UnsupportedOperationException } from '../component/exceptions.ts';
import { TopologyRun, type TopologyRunOptions } from '../translate/topology-run.ts';
import { WorkerTopologyContext } from '../component/context.ts';
import type { IWorkerHook } from '../component/interfaces.ts';
import { cloneValue } from '../topology/clone.ts';
import { publishStormMetrics } from './storm-metrics.ts';

/** Component conf key for the checkpoint directory of checkpoint mode and stateful bolts (§7a). */
export const CHECKPOINT_DIR_CONF = 'stormshift.checkpoint.dir';

/** Conf keys of the poison policy: 'fail' (default) | 'skip' | 'restart', failures before a tuple is poison, per-component policies. */
export const POISON_POLICY_CONF = 'stormshift.poison.policy';
export const POISON_ATTEMPTS_CONF = 'stormshift.poison.attempts';
export const POISON_COMPONENTS_CONF = 'stormshift.poison.components';
/** Directory of the built-in dead-letter output (one JSON-lines file per checkpoint); `stormshift run --dead-letter DIR` sets it. */
export const POISON_DEAD_LETTER_DIR_CONF = 'stormshift.poison.dead.letter.dir';

/** Conf key: false ⇒ ignore existing checkpoints at start. */
export const RESTORE_CONF = 'stormshift.restore';

/**
 * Conf keys naming the module that defines (exports or submits) the topology, and the args its
 * `main` got: worker threads rebuild the topology from it (`stormshift run` sets both).
 */
export const TOPOLOGY_MODULE_CONF = 'stormshift.topology.module';
export const TOPOLOGY_ARGS_CONF = 'stormshift.topology.args';

/**
 * How many worker threads `topology.workers` spreads the tasks over (0: this thread). One worker
 * is this thread, as Storm's one worker process runs every executor.
 */
export function workerThreadsFor(run: TopologyRun): number {
  const n = confInt(run.conf, CONFIG_KEYS.TOPOLOGY_WORKERS, 1);
  if (n <= 1) return 0;
  const why =
    typeof run.conf[TOPOLOGY_MODULE_CONF] !== 'string'
      ? `the module defining it is unknown (set conf '${TOPOLOGY_MODULE_CONF}' to its import.meta.url, or run it with \`stormshift run\`)`
      : isManualClock(run.clock)
        ? 'simulated time drives one thread only'
        : undefined;
  if (why !== undefined) {
    run.log('warn', `topology ${run.name}: topology.workers is ${n} but its tasks run on this thread: ${why}`);
    return 0;
  }
  return n;
}

/** What every worker thread needs to rebuild the same topology with the same task ids. */
function workerSpec(run: TopologyRun, workers: number): string {
  const args = run.conf[TOPOLOGY_ARGS_CONF];
  const spec: WorkerTopologySpec = {
    module: String(run.conf[TOPOLOGY_MODULE_CONF]),
    args: Array.isArray(args) ? args.map(String) : [],
    name: run.name,
    stormId: run.stormId,
    conf: run.conf,
    workers,
    components: [...run.spouts, ...run.bolts].map((id) => [id, run.tasksOf(id).length]),
  };
  return JSON.stringify(spec, (key, value: unknown) => {
    if (typeof value === 'function' || typeof value === 'bigint' || typeof value === 'symbol')
      throw new ConfigError(
        `topology.workers: conf key '${key}' of topology ${run.name} holds a ${typeof value}, which cannot reach worker threads`,
      );
    return value;
  });
}

export function jobConfigFor(
  run: TopologyRun,
  log: Logger,
  metrics: RuntimeMetrics | undefined,
  workers = 0,
): JobConfig {
  const config: JobConfig = {
    jobName: run.name,
    log,
    // Storm's supervisor restarts a dead worker for as long as the topology lives.
    restart: { type: 'exponential-backoff', initialDelayMs: 100, maxDelayMs: 2000 },
  };
  if (metrics !== undefined) config.metrics = metrics;
  // Simulated time (§12): the runtime's timers (ticks, window triggers, watermark and checkpoint
  // intervals, checkpoint timeouts) follow the topology's clock.
  if (isManualClock(run.clock)) config.clock = run.clock;
  // The runtime's poison policy (a tuple failing in the same bolt restart after restart): conf
  // keys so an unchanged topology can choose; the default fails the topology after 3 such failures.
  const poison: NonNullable<JobConfig['poison']> = {};
  const policy = run.conf[POISON_POLICY_CONF];
  if (policy !== undefined) poison.policy = policy as never;
  const attempts = run.conf[POISON_ATTEMPTS_CONF];
  if (attempts !== undefined) poison.attempts = Number(attempts);
  const perComponent = run.conf[POISON_COMPONENTS_CONF];
  if (perComponent !== undefined && perComponent !== null && typeof perComponent === 'object')
    poison.operators = perComponent as never;
  const deadLetterDir = run.conf[POISON_DEAD_LETTER_DIR_CONF];
  if (deadLetterDir !== undefined && deadLetterDir !== null) poison.deadLetter = { dir: deadLetterDir as string };
  if (Object.keys(poison).length > 0) config.poison = poison;
  if (workers > 1) {
    config.workers = workers;
    config.jobModule = WORKER_JOB_MODULE;
    config.jobArgs = [workerSpec(run, workers)];
  }
  if (run.mode === 'checkpoint' || run.stateful) {
    const interval = Math.max(100, confInt(run.conf, CONFIG_KEYS.TOPOLOGY_STATE_CHECKPOINT_INTERVAL, 1000));
    const dir = run.conf[CHECKPOINT_DIR_CONF];
    config.checkpoint = { intervalMs: interval, ...(typeof dir === 'string' && dir !== '' ? { dir } : {}) };
    // `stormshift run --no-restore` starts fresh even when the directory holds a checkpoint (§7a).
    if (run.conf[RESTORE_CONF] === false) config.restore = 'none';
  }
  return config;
}

export class RunningTopology {
  readonly job: JobHandle;
  killed = false;
  readonly stopped: Promise<void>;
  private resolveStopped!: () => void;
  private cancelKillTimer: (() => void) | undefined;
  private stopMetrics: () => void = () => {};
  /** The link to the worker threads running the tasks, when `topology.workers` spread them. */
  private readonly link: WorkerLink | undefined;

  constructor(
    readonly run: TopologyRun,
    log: Logger,
    metrics: RuntimeMetrics | undefined,
  ) {
    const workers = workerThreadsFor(run);
    const env = StreamEnvironment.create(jobConfigFor(run, log, metrics, workers));
    buildJob(run, env);
    if (workers > 1) {
      if (run.feedbackEdges.size > 0)
        throw new UnsupportedOperationException(
          `Topology ${run.name} has a cycle through bolts; cycles run on one thread only: set topology.workers to 1`,
        );
      const link = new WorkerLink(
        run.stormId,
        (taskId) => run.taskOpened(taskId),
        (error) => run.taskCrashed(error),
        run.stats,
      );
      this.link = link;
      run.onActiveChange = (active) => link.setActive(active);
    }
    this.stopped = new Promise<void>((resolve) => (this.resolveStopped = resolve));
    run.start();
    this.job = env.executeAsync(run.name);
    this.stopMetrics = publishStormMetrics(run, this.job.metrics);
    this.job.result.then(
      () => this.finish(),
      (error: unknown) => {
        run.log('error', `topology ${run.name} stopped: ${String((error as Error)?.message ?? error)}`);
        run.taskCrashed(error);
        this.finish();
      },
    );
  }

  /**
   * Runs the builder's worker hooks (`start` once before any open/prepare, `shutdown` at
   * teardown; cloned like components, R9), then starts the job.
   */
  static async create(options: TopologyRunOptions, metrics: RuntimeMetrics | undefined): Promise<RunningTopology> {
    const run = new TopologyRun(options);
    const hooks = run.topology.get_worker_hooks();
    const started: IWorkerHook[] = [];
    if (hooks.length > 0) {
      const plan = run.plan;
      const context = new WorkerTopologyContext(
        run.topology,
        run.conf,
        plan.taskToComponent,
        plan.componentToSortedTasks,
        plan.componentToStreamToFields,
        run.stormId,
        { commons: plan.commons, workerTasks: [...plan.taskToComponent.keys()] },
      );
      for (const original of hooks) {
        const hook = cloneValue(original, 'workerHook');
        await hook.start(run.conf, context);
        started.push(hook);
      }
    }
    const running = new RunningTopology(run, options.log, metrics);
    if (started.length > 0) {
      void running.stopped.then(async () => {
        for (const hook of started) {
          try {
            await hook.shutdown();
          } catch (error) {
            options.log('warn', `worker hook shutdown failed: ${String(error)}`);
          }
        }
      });
    }
    return running;
  }

  /** Marks killed and deactivates spouts now; tears down after `waitSecs` (§12). */
  kill(waitSecs: number): void {
    this.killed = true;
    this.run.killed = true;
    this.run.active = false;
    this.cancelKillTimer?.();
    if (waitSecs <= 0) {
      void this.job.cancel().catch(() => {});
      return;
    }
    // On the topology's clock: in simulated time the wait passes with advanceClusterTime, as in Storm.
    const clock = this.run.clock;
    this.cancelKillTimer = clock.setTimer(clock.now() + waitSecs * 1000, () => void this.job.cancel().catch(() => {}));
  }

  private finish(): void {
    this.link?.close();
    this.cancelKillTimer?.();
    this.run.stop();
    this.stopMetrics();
    this.resolveStopped();
  }
}
