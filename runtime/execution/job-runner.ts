import type { JobConfig, Logger } from '../api/config.ts';
import { defaultLogger } from '../api/config.ts';
import type { CompletedCheckpointInfo } from '../checkpoint/coordinator.ts';
import { createRestartStrategy, type RestartStrategy } from '../checkpoint/restart.ts';
import { scheduleSavepoints } from '../checkpoint/savepoint-schedule.ts';
import {
  DirectoryCheckpointStorage,
  InMemoryCheckpointStorage,
  type CheckpointData,
  type CheckpointStorage,
  type StoredCheckpoint,
} from '../checkpoint/storage.ts';
import { CheckpointError, JobCancelledError, messageOf, type UserFunctionError } from '../errors.ts';
import type { PhysicalPlan } from '../graph/plan.ts';
import { systemClock } from '../time/clock.ts';
import { RuntimeMetrics } from '../metrics/index.ts';
import { Deployment } from './deployment.ts';
import { WorkerPoolDeployment } from './worker-pool.ts';
import { PoisonTracker } from './poison.ts';
import type { CheckpointCoordinator } from '../checkpoint/coordinator.ts';

/** What the runner needs of one incarnation, on the main thread alone or spread over workers. */
export interface RunningDeployment {
  readonly coordinator: CheckpointCoordinator;
  readonly backpressure: { readonly blocked: boolean; readonly blockedMs: number };
  readonly isRunning: boolean;
  readonly outcome: Promise<'finished' | 'cancelled'>;
  start(): Promise<void>;
  run(): void;
  /** Ends the source loops (no more records) while the rest of the job keeps running. */
  stopSources(): Promise<void>;
  cancel(): void;
  fail(error: unknown): void;
  teardown(): Promise<void>;
  /** The source whose own code failed the incarnation (a reader or spout that threw), if that is what failed it. */
  readonly failedSource: string | undefined;
}

export type JobState = 'created' | 'running' | 'restarting' | 'finished' | 'cancelled' | 'failed';

export interface JobResult {
  jobName: string;
  state: 'finished' | 'cancelled';
  restarts: number;
  checkpoints: number;
  lastCheckpoint: CompletedCheckpointInfo | undefined;
  durationMs: number;
}

export interface JobStatus {
  state: JobState;
  restarts: number;
  checkpoints: number;
  lastCheckpoint: CompletedCheckpointInfo | undefined;
  backpressured: boolean;
  backpressureMs: number;
  lastError: string | undefined;
  /** Records detected as poison so far (any policy), and records diverted to the dead-letter output. */
  poisonRecords: number;
  deadLettered: number;
}

/** One entry of a job's exception history. */
export interface JobException {
  /** ms epoch */
  timestamp: number;
  name: string;
  message: string;
  /** whether the job restarted after it */
  restarted: boolean;
}

/** A chain of the physical plan: what Flink's REST API calls a job vertex. */
export interface JobVertexDescription {
  id: number;
  name: string;
  operators: string[];
  parallelism: number;
  isSource: boolean;
}

/** The job's shape and live state for status pages: plan, watermarks, exceptions, checkpoint config. */
export interface JobDescription {
  jobName: string;
  state: JobState;
  /** ms epoch */
  startedAt: number;
  vertices: JobVertexDescription[];
  edges: Array<{ source: number; target: number; partitioner: string }>;
  /** Per vertex id, the input watermark of each subtask (null before the first one; on worker threads as last reported, every 500 ms). */
  watermarks: Record<number, Array<number | null>>;
  exceptions: JobException[];
  /** 'workers' when subtasks run on worker threads (records cross threads asynchronously). */
  threads: 'main' | 'workers';
  checkpointConfig: { intervalMs: number | undefined; timeoutMs: number; dir: string | undefined };
}

/** A running job: await `result`, or cancel it, take checkpoints and savepoints on demand. */
export interface JobHandle {
  readonly jobName: string;
  readonly metrics: RuntimeMetrics;
  /** Resolves when the job finishes or is cancelled; rejects when it fails for good. */
  readonly result: Promise<JobResult>;
  status(): JobStatus;
  describe(): JobDescription;
  cancel(): Promise<JobResult>;
  /**
   * Flink's stop-with-savepoint order: sources stop, a last checkpoint is taken, then the job is
   * cancelled. Everything the job output before it ended is covered by that checkpoint, so the next
   * run resumes exactly there. Without checkpointing (or if the job is not running) it just cancels.
   */
  stop(): Promise<JobResult>;
  /**
   * Ends every source's loop (no more records) and leaves the rest running, so a savepoint taken
   * next covers everything the job will output: the first half of a stop-with-savepoint.
   */
  stopSources(): Promise<void>;
  triggerCheckpoint(): Promise<StoredCheckpoint>;
  triggerSavepoint(): Promise<StoredCheckpoint>;
}

const DEFAULT_TIMEOUT_MS = 60_000;

/**
 * Runs a plan and keeps it running: on failure it tears the deployment down, asks the restart
 * strategy whether and when to try again, and redeploys from the latest complete checkpoint.
 */
export class JobRunner implements JobHandle {
  readonly jobName: string;
  readonly metrics: RuntimeMetrics;
  readonly result: Promise<JobResult>;
  private readonly storage: CheckpointStorage;
  private readonly restart: RestartStrategy;
  private readonly log: Logger;
  private deployment: RunningDeployment | undefined;
  private state: JobState = 'created';
  private restarts = 0;
  private checkpoints = 0;
  private lastCheckpoint: CompletedCheckpointInfo | undefined;
  private lastError: string | undefined;
  /** Unreadable checkpoints seen by the storage, by path: what a refused restore names. */
  private readonly corrupt = new Map<string, string>();
  private readonly poison: PoisonTracker;
  private cancelRequested = false;
  private wakeFromDelay: (() => void) | undefined;
  private readonly startedAt = performance.now();
  private readonly startedAtEpoch = Date.now();
  private readonly exceptions: JobException[] = [];

  constructor(
    private readonly plan: PhysicalPlan,
    private readonly config: JobConfig,
  ) {
    this.jobName = plan.jobName;
    this.metrics = config.metrics ?? new RuntimeMetrics();
    this.log = config.log ?? defaultLogger;
    const checkpoint = config.checkpoint ?? {};
    this.storage =
      checkpoint.storage ??
      (checkpoint.dir
        ? new DirectoryCheckpointStorage({
            dir: checkpoint.dir,
            retain: checkpoint.retain ?? 3,
            onCorrupt: (path, error) => {
              this.corrupt.set(path, error.message);
              this.log('warn', `checkpoint ${path} is unreadable (${error.message}); trying the one before it`);
            },
          })
        : new InMemoryCheckpointStorage());
    const checkpointing = checkpoint.intervalMs !== undefined;
    this.restart = createRestartStrategy(
      config.restart ??
        (checkpointing ? { type: 'exponential-backoff', initialDelayMs: 100, maxDelayMs: 10_000 } : { type: 'none' }),
    );
    this.metrics.trackJob(this.jobName, () => this.status());
    this.poison = new PoisonTracker(plan.jobName, config.poison ?? {}, this.metrics, this.log, checkpointing);
    this.result = this.run();
    this.result.catch(() => {});
  }

  status(): JobStatus {
    return {
      state: this.state,
      restarts: this.restarts,
      checkpoints: this.checkpoints + (this.deployment?.coordinator.completedCount ?? 0),
      lastCheckpoint: this.deployment?.coordinator.lastCompleted ?? this.lastCheckpoint,
      backpressured: this.deployment?.backpressure.blocked ?? false,
      backpressureMs: this.deployment?.backpressure.blockedMs ?? 0,
      lastError: this.lastError,
      poisonRecords: this.poison.poisonCount,
      deadLettered: this.poison.deadLetterCount,
    };
  }

  describe(): JobDescription {
    const watermarks: Record<number, Array<number | null>> = {};
    const deployment = this.deployment;
    if (deployment instanceof Deployment) {
      for (const subtask of deployment.subtasks) {
        const list = (watermarks[subtask.chain.id] ??= new Array<number | null>(subtask.chain.parallelism).fill(null));
        const wm = subtask.inputWatermark();
        list[subtask.index] = Number.isFinite(wm) ? wm : null;
      }
    } else if (deployment instanceof WorkerPoolDeployment) {
      for (const chain of this.plan.chains) {
        const reported = deployment.watermarks.get(chain.id);
        watermarks[chain.id] = Array.from({ length: chain.parallelism }, (_, i) => reported?.get(i) ?? null);
      }
    }
    return {
      jobName: this.jobName,
      state: this.state,
      startedAt: this.startedAtEpoch,
      vertices: this.plan.chains.map((c) => ({
        id: c.id,
        name: c.name,
        operators: c.nodes.map((n) => n.transformation.name),
        parallelism: c.parallelism,
        isSource: c.isSource,
      })),
      edges: this.plan.chains.flatMap((c) =>
        c.outputs.map((e) => ({ source: c.id, target: e.to.chain.id, partitioner: e.partitioner.kind })),
      ),
      watermarks,
      exceptions: [...this.exceptions],
      threads: (this.config.workers ?? 0) > 0 ? 'workers' : 'main',
      checkpointConfig: {
        intervalMs: this.config.checkpoint?.intervalMs,
        timeoutMs: this.config.checkpoint?.timeoutMs ?? DEFAULT_TIMEOUT_MS,
        dir: this.config.checkpoint?.dir,
      },
    };
  }

  private noteException(error: unknown, restarted: boolean): void {
    this.exceptions.push({
      timestamp: Date.now(),
      name: error instanceof Error ? error.name : 'Error',
      message: messageOf(error),
      restarted,
    });
    if (this.exceptions.length > 16) this.exceptions.shift();
  }

  async cancel(): Promise<JobResult> {
    this.cancelRequested = true;
    this.deployment?.cancel();
    this.wakeFromDelay?.();
    return this.result;
  }

  async stopSources(): Promise<void> {
    const deployment = this.deployment;
    if (deployment?.isRunning) await deployment.stopSources();
  }

  async stop(): Promise<JobResult> {
    const deployment = this.deployment;
    if (this.config.checkpoint?.intervalMs !== undefined && deployment?.isRunning) {
      await deployment.stopSources();
      await this.triggerCheckpoint().catch((error: unknown) =>
        this.log('warn', `final checkpoint failed: ${messageOf(error)}`),
      );
    }
    return this.cancel();
  }

  triggerCheckpoint(): Promise<StoredCheckpoint> {
    return this.triggerWhenIdle('checkpoint');
  }

  triggerSavepoint(): Promise<StoredCheckpoint> {
    return this.triggerWhenIdle('savepoint');
  }

  /**
   * One checkpoint runs at a time. A request (a user's, the savepoint cron's) that arrives while a
   * periodic checkpoint is being written would be refused "in progress", so it waits its turn.
   */
  private async triggerWhenIdle(kind: 'checkpoint' | 'savepoint'): Promise<StoredCheckpoint> {
    for (;;) {
      const deployment = this.deployment;
      if (!deployment?.isRunning) throw new Error(`job '${this.jobName}' is not running`);
      if (!deployment.coordinator.inProgress) return deployment.coordinator.trigger(kind);
      await deployment.coordinator.whenIdle();
    }
  }

  private async initialCheckpoint(): Promise<CheckpointData | undefined> {
    const restore = this.config.restore ?? (this.config.checkpoint?.dir ? 'latest' : 'none');
    if (restore === 'none') return undefined;
    if (restore === 'latest') {
      const found = await this.storage.latest();
      if (found) return found.data;
      await this.refuseSilentFreshStart();
      return undefined;
    }
    return this.storage.read(restore.path);
  }

  /**
   * Checkpoints exist but none can be read. Starting fresh would replay the whole input into sinks
   * that already committed part of it (duplicates), so it must be the user's decision, not ours.
   */
  private async refuseSilentFreshStart(): Promise<void> {
    const listed = await this.storage.list();
    const checkpoints = listed.filter((c) => c.kind === 'checkpoint');
    if (checkpoints.length === 0) return;
    const newest = checkpoints[0]!;
    const reason = this.corrupt.get(newest.path) ?? 'unreadable';
    const savepoints = listed.filter((c) => c.kind === 'savepoint').map((c) => c.path);
    const older = savepoints.length > 0 ? ` (savepoints here: ${savepoints.join(', ')})` : '';
    throw new CheckpointError(
      `cannot restore '${this.jobName}': checkpoint ${newest.path} is corrupt (${reason})` +
        (checkpoints.length > 1
          ? ` and so are the ${checkpoints.length - 1} older ones`
          : ' and there is no older one') +
        `. Choose: --restore OLDER (a savepoint or checkpoint file to start from${older}; restore: { path } in code) ` +
        `or --no-restore (start fresh, replaying all input: output already committed is written again; restore: 'none' in code)`,
      { path: newest.path, code: 'CHECKPOINT_CORRUPT', retriable: false },
    );
  }

  private async run(): Promise<JobResult> {
    const savepointSchedule = this.config.savepoints
      ? scheduleSavepoints(
          this.config.savepoints.cron,
          () => this.triggerSavepoint(),
          (error) => this.log('warn', `scheduled savepoint failed: ${messageOf(error)}`),
        )
      : undefined;
    try {
      const initial = await this.initialCheckpoint();
      let restoreFrom = initial;
      if (restoreFrom) this.log('info', `restoring '${this.jobName}' from checkpoint ${restoreFrom.id}`);
      // The directory may hold checkpoints of an earlier run (restore 'none', or a restore from an
      // older savepoint). This run's ids start above all of them, so retention never prunes ours in
      // favour of theirs, sink commit names never collide, and failover below can tell ours apart.
      const firstOwnId = Math.max(restoreFrom?.id ?? 0, (await this.storage.list())[0]?.id ?? 0) + 1;
      let nextId = firstOwnId;
      for (;;) {
        if (this.cancelRequested) return this.finish('cancelled');
        // Before the deployment asks which records to divert: the checkpoint's are among them. A
        // dead-letter directory that cannot be written fails this incarnation, so the restart
        // strategy decides (it is retriable), as for a sink that cannot commit on restore.
        let restoreFailure: unknown;
        try {
          this.poison.restore(restoreFrom);
        } catch (error) {
          restoreFailure = error;
        }
        const deploymentOptions = {
          plan: this.plan,
          storage: this.storage,
          metrics: this.metrics,
          checkpointIntervalMs: this.config.checkpoint?.intervalMs,
          checkpointTimeoutMs: this.config.checkpoint?.timeoutMs ?? DEFAULT_TIMEOUT_MS,
          restoreFrom,
          firstCheckpointId: nextId,
          ...(this.config.clock !== undefined ? { clock: this.config.clock } : {}),
          log: this.log,
          poison: this.poison.guard(),
          checkpointPoison: this.poison,
          poisonAttempts: this.poison.attemptsBeforePoison,
          countDiverted: (error: UserFunctionError) => this.poison.noteDiverted(error),
        };
        const deployment: RunningDeployment =
          (this.config.workers ?? 0) > 0
            ? new WorkerPoolDeployment(deploymentOptions, this.config)
            : new Deployment(deploymentOptions);
        this.deployment = deployment;
        this.state = 'running';
        let failure: unknown;
        try {
          if (restoreFailure !== undefined) throw restoreFailure;
          await deployment.start();
          if (this.cancelRequested) deployment.cancel();
          else deployment.run();
          const outcome = await deployment.outcome;
          await deployment.teardown();
          this.absorb(deployment);
          return this.finish(outcome);
        } catch (error) {
          failure = error;
        }
        deployment.fail(failure);
        await deployment.teardown();
        this.absorb(deployment);
        if (this.cancelRequested) return this.finish('cancelled');
        const verdict = this.poison.judge(failure, {
          source: deployment.failedSource,
          progressed: deployment.coordinator.completedCount > 0,
        });
        if (verdict.action === 'fail') failure = verdict.error;
        this.lastError = messageOf(failure);
        const delay = this.restart.nextDelay(failure, (this.config.clock ?? systemClock).now());
        this.noteException(failure, delay !== undefined);
        if (delay === undefined) {
          this.state = 'failed';
          this.log(
            'error',
            `job '${this.jobName}' failed: ${messageOf(failure)} (${this.restart.describe()}: no more restarts)`,
          );
          throw failure;
        }
        this.state = 'restarting';
        this.restarts++;
        this.log('warn', `job '${this.jobName}' failed: ${messageOf(failure)}; restarting in ${delay} ms`);
        await this.delay(delay);
        // Only a checkpoint this run wrote may replace the starting point; an older run's is not ours.
        const latest = (await this.storage.latest())?.data;
        restoreFrom = latest !== undefined && latest.id >= firstOwnId ? latest : initial;
        nextId = Math.max(nextId, ((await this.storage.list())[0]?.id ?? 0) + 1);
      }
    } finally {
      savepointSchedule?.stop();
    }
  }

  private absorb(deployment: RunningDeployment): void {
    this.checkpoints += deployment.coordinator.completedCount;
    this.lastCheckpoint = deployment.coordinator.lastCompleted ?? this.lastCheckpoint;
    this.deployment = undefined;
  }

  private finish(state: 'finished' | 'cancelled'): JobResult {
    this.state = state;
    return {
      jobName: this.jobName,
      state,
      restarts: this.restarts,
      checkpoints: this.checkpoints,
      lastCheckpoint: this.lastCheckpoint,
      durationMs: performance.now() - this.startedAt,
    };
  }

  /** The restart back-off, on the job's clock: a test on a ManualClock restarts when it moves the clock. */
  private delay(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const clock = this.config.clock ?? systemClock;
      const cancel = clock.setTimer(clock.now() + ms, resolve);
      this.wakeFromDelay = () => {
        cancel();
        resolve();
      };
    });
  }
}

export { JobCancelledError };
