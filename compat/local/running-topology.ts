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

/** Conf key: false ⇒ ignore existing checkpoints at start. */
export const RESTORE_CONF = 'stormshift.restore';

export function jobConfigFor(run: TopologyRun, log: Logger, metrics: RuntimeMetrics | undefined): JobConfig {
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
  if (Object.keys(poison).length > 0) config.poison = poison;
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

  constructor(
    readonly run: TopologyRun,
    log: Logger,
    metrics: RuntimeMetrics | undefined,
  ) {
    const env = StreamEnvironment.create(jobConfigFor(run, log, metrics));
    buildJob(run, env);
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
    this.cancelKillTimer?.();
    this.run.stop();
    this.stopMetrics();
    this.resolveStopped();
  }
}
