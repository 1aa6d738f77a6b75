import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import type { JobConfig } from '../api/config.ts';
import { CheckpointCoordinator } from '../checkpoint/coordinator.ts';
import { StormshiftError, UserFunctionError, isErrorCode } from '../errors.ts';
import { ProcessingTimeService } from '../time/processing-time.ts';
import type { DeploymentOptions } from './deployment.ts';
import { OutcomeLatch, type DeploymentOutcome } from './outcome.ts';
import type { MainToWorker, WorkerData, WorkerToMain, WorkerUserFailure } from './worker-protocol.ts';

const STOP_GRACE_MS = 3000;

/** Job options that are plain data; everything else (storage, metrics, loggers) stays on the main thread. */
const FORWARDED_OPTIONS = [
  'parallelism',
  'maxParallelism',
  'batchSize',
  'bufferTimeoutMs',
  'watermarkIntervalMs',
  'jobName',
] as const;

/**
 * One incarnation of a job spread over worker threads. The main thread keeps the checkpoint
 * coordinator (and storage); workers run subtasks and talk to each other directly over
 * MessagePorts, so records never pass through the main thread.
 */
export class WorkerPoolDeployment {
  readonly coordinator: CheckpointCoordinator;
  readonly backpressure = { blocked: false, blockedMs: 0 };
  private readonly latch = new OutcomeLatch();
  readonly outcome: Promise<DeploymentOutcome> = this.latch.promise;
  private readonly workers: Worker[] = [];
  private readonly totalSubtasks: number;
  private finished = 0;
  private running = false;
  /** Periodic checkpoints on the job's clock (a ManualClock in tests), cancelled with the incarnation. */
  private readonly timers: ProcessingTimeService;
  private workersRunning = 0;
  /** The source that failed this incarnation, when its own code threw. */
  failedSource: string | undefined;
  private readonly workerBlocked: boolean[] = [];
  private readonly workerBlockedMs: number[] = [];
  private readonly reported = new Map<string, [number, number]>();
  /** CPU ms each worker of this incarnation last reported: the job's total grows by the difference. */
  private readonly reportedCpuMs: number[] = [];
  /** Per chain id, each subtask's input watermark as its worker last reported it (status pages). */
  readonly watermarks = new Map<number, Map<number, number | null>>();
  private sourcesStopped: { remaining: number; resolve: () => void } | undefined;

  constructor(
    private readonly options: DeploymentOptions,
    private readonly config: JobConfig,
  ) {
    this.totalSubtasks = options.plan.chains.reduce((sum, chain) => sum + chain.parallelism, 0);
    this.timers = new ProcessingTimeService((error) => this.fail(error), options.clock);
    this.coordinator = new CheckpointCoordinator({
      jobName: options.plan.jobName,
      storage: options.storage,
      metrics: options.metrics.checkpoints(options.plan.jobName),
      firstCheckpointId: options.firstCheckpointId,
      timeoutMs: options.checkpointTimeoutMs,
      ...(options.clock !== undefined ? { clock: options.clock } : {}),
      participants: () => this.totalSubtasks,
      inject: (id, direct) => this.broadcast({ t: 'trigger', id, direct }),
      complete: async (id, acks) => this.broadcast({ t: 'complete', id, acks }),
      failJob: (error) => this.fail(error),
      poison: options.checkpointPoison,
    });
  }

  get isRunning(): boolean {
    return this.running;
  }

  async start(): Promise<void> {
    const count = this.config.workers!;
    const forwarded: Record<string, unknown> = {};
    for (const key of FORWARDED_OPTIONS) if (this.config[key] !== undefined) forwarded[key] = this.config[key];
    // From .ts sources the worker needs a TypeScript loader first (worker-entry.mjs registers tsx).
    const entry = new URL(import.meta.url.endsWith('.ts') ? './worker-entry.mjs' : './worker-main.js', import.meta.url);
    const execArgv = process.execArgv.filter((arg) => !arg.startsWith('--inspect'));
    const ready: Array<Promise<void>> = [];
    for (let index = 0; index < count; index++) {
      const workerData: WorkerData = {
        workerIndex: index,
        workers: count,
        jobModule: this.config.jobModule!,
        jobArgs: this.config.jobArgs ?? [],
        jobName: this.options.plan.jobName,
        config: forwarded,
        ...(this.options.poison
          ? {
              poisonKeys: this.options.poison.keys(),
              poisonAttempts: this.options.poisonAttempts ?? 1,
              stageDeadLetters: this.options.poison.staged,
            }
          : {}),
      };
      const worker = new Worker(entry, { workerData, execArgv });
      this.workers.push(worker);
      this.workerBlocked.push(false);
      this.workerBlockedMs.push(0);
      ready.push(
        new Promise<void>((resolve, reject) => {
          worker.on('message', (message: WorkerToMain) => {
            if (message.t === 'ready') resolve();
            else if (message.t === 'failed' && !this.running) reject(rebuildError(message));
            this.onMessage(index, message);
          });
          worker.on('error', (error) => {
            reject(error);
            this.fail(error);
          });
          worker.on('exit', (code) => {
            if (!this.latch.settled)
              this.fail(
                new StormshiftError('WORKER_EXITED', `worker ${index} exited with code ${code}`, { retriable: true }),
              );
          });
        }),
      );
    }
    const peers: Array<Record<number, MessagePort>> = this.workers.map(() => ({}));
    for (let a = 0; a < count; a++) {
      for (let b = a + 1; b < count; b++) {
        const channel = new MessageChannel();
        peers[a]![b] = channel.port1;
        peers[b]![a] = channel.port2;
      }
    }
    this.workers.forEach((worker, index) => {
      const message: MainToWorker = {
        t: 'init',
        peers: peers[index]!,
        restoreFrom: this.options.restoreFrom,
        firstCheckpointId: this.options.firstCheckpointId,
      };
      worker.postMessage(message, Object.values(peers[index]!));
    });
    await Promise.all(ready);
    this.running = true;
  }

  run(): void {
    if (!this.running) return;
    this.broadcast({ t: 'run' });
  }

  /**
   * Periodic checkpoints begin once every worker said its source readers started (Flink triggers
   * only when all tasks are RUNNING): a worker still starting would otherwise spend the first
   * checkpoint's timeout.
   */
  private allRunning(): void {
    const interval = this.options.checkpointIntervalMs;
    if (!this.running || interval === undefined) return;
    this.options.log('info', `every task of '${this.options.plan.jobName}' is running: periodic checkpoints begin`);
    this.timers.scheduleWithFixedDelay(interval, () => {
      if (this.running && this.finished === 0 && !this.coordinator.inProgress)
        this.coordinator.trigger('checkpoint').catch(() => {});
    });
  }

  private onMessage(workerIndex: number, message: WorkerToMain): void {
    switch (message.t) {
      case 'ack':
        this.coordinator.acknowledge(message.id, message.participant, Promise.resolve(message.ack));
        return;
      case 'running':
        if (++this.workersRunning === this.workers.length) this.allRunning();
        return;
      case 'decline':
        this.coordinator.decline(message.id, message.reason);
        return;
      case 'finished':
        if (++this.finished === this.totalSubtasks && !this.latch.settled) {
          // As in Deployment: a periodic checkpoint still being written would refuse the final one
          // ("in progress") and fail a job that finished fine, so wait for it first.
          this.coordinator
            .whenIdle()
            .then(() => this.coordinator.trigger('checkpoint', true))
            .then(
              () => this.settle('finished'),
              (error) => this.fail(error),
            );
        }
        return;
      case 'failed':
        if (this.running) this.fail(rebuildError(message), message.source);
        return;
      case 'dead-letter':
        this.options.countDiverted?.(rebuildUserError(message.user));
        return;
      case 'sources-stopped':
        if (this.sourcesStopped && --this.sourcesStopped.remaining === 0) this.sourcesStopped.resolve();
        return;
      case 'metrics': {
        const job = this.options.plan.jobName;
        // Workers report this incarnation's totals; adding the growth keeps the counters cumulative
        // across restarts, as they are when subtasks run on the main thread.
        message.operators.forEach(([operator, subtask, recordsIn, recordsOut], i) => {
          const metrics = this.options.metrics.operator(job, operator, subtask);
          const key = `${operator}\u0000${subtask}`;
          const last = this.reported.get(key);
          metrics.recordsIn += recordsIn - (last?.[0] ?? 0);
          metrics.recordsOut += recordsOut - (last?.[1] ?? 0);
          this.reported.set(key, [recordsIn, recordsOut]);
          const detail = message.details?.[i];
          if (detail !== undefined) {
            metrics.errors = detail.errors;
            metrics.busyMs = detail.busyMs;
            metrics.latency.counts.set(detail.latencyCounts);
            metrics.latency.sum = detail.latencySum;
            metrics.latency.count = detail.latencyCount;
          }
        });
        for (const [operator, subtask, inFlight, timeouts, retries, cacheHits, cacheMisses] of message.asyncIo ?? []) {
          const a = this.options.metrics.asyncIo(job, operator, subtask);
          a.inFlight = inFlight;
          a.timeouts = timeouts;
          a.retries = retries;
          a.cacheHits = cacheHits;
          a.cacheMisses = cacheMisses;
        }
        for (const [chain, subtask, wm] of message.watermarks ?? []) {
          let bySubtask = this.watermarks.get(chain);
          if (bySubtask === undefined) this.watermarks.set(chain, (bySubtask = new Map()));
          bySubtask.set(subtask, wm);
        }
        if (message.cpuMs !== undefined) {
          const thread = this.options.metrics.workerThread(this.options.plan.jobName, workerIndex);
          thread.cpuMs += message.cpuMs - (this.reportedCpuMs[workerIndex] ?? 0);
          this.reportedCpuMs[workerIndex] = message.cpuMs;
        }
        this.workerBlocked[workerIndex] = message.blocked;
        this.workerBlockedMs[workerIndex] = message.blockedMs;
        this.backpressure.blocked = this.workerBlocked.some(Boolean);
        this.backpressure.blockedMs = this.workerBlockedMs.reduce((a, b) => a + b, 0);
        return;
      }
      default:
        return;
    }
  }

  /** Every worker ends its source loops (see Deployment.stopSources); resolves when all did, or the job ended. */
  stopSources(): Promise<void> {
    if (!this.running) return Promise.resolve();
    const stopped = new Promise<void>((resolve) => {
      this.sourcesStopped = { remaining: this.workers.length, resolve };
    });
    this.broadcast({ t: 'stop-sources' });
    return Promise.race([
      stopped,
      this.outcome.then(
        () => undefined,
        () => undefined,
      ),
    ]);
  }

  private broadcast(message: MainToWorker): void {
    for (const worker of this.workers) worker.postMessage(message);
  }

  cancel(): void {
    this.settle('cancelled');
  }

  /** `source`: see Deployment.fail. */
  fail(error: unknown, source?: string): void {
    if (!this.latch.reject(error)) return;
    this.failedSource = source;
    this.halt();
  }

  private settle(outcome: DeploymentOutcome): void {
    if (this.latch.resolve(outcome)) this.halt();
  }

  private halt(): void {
    this.running = false;
    this.timers.shutdown();
    this.coordinator.stop();
  }

  /** Asks every worker to close its operators, then terminates whatever did not stop in time. */
  async teardown(): Promise<void> {
    await Promise.all(
      this.workers.map(
        (worker) =>
          new Promise<void>((resolve) => {
            const timer = setTimeout(() => void worker.terminate().then(() => resolve()), STOP_GRACE_MS);
            worker.on('message', (message: WorkerToMain) => {
              if (message.t !== 'stopped') return;
              clearTimeout(timer);
              void worker.terminate().then(() => resolve());
            });
            worker.once('exit', () => {
              clearTimeout(timer);
              resolve();
            });
            try {
              worker.postMessage({ t: 'stop' } satisfies MainToWorker);
            } catch {
              resolve();
            }
          }),
      ),
    );
  }
}

function rebuildUserError(user: WorkerUserFailure): UserFunctionError {
  return new UserFunctionError(user.operator, user.record, new Error(user.cause));
}

function rebuildError(message: Extract<WorkerToMain, { t: 'failed' }>): StormshiftError {
  // A user function's failure keeps operator and record, so poison detection works across threads.
  if (message.user) {
    const error = rebuildUserError(message.user);
    if (message.stack) error.stack = message.stack;
    return error;
  }
  const error = new StormshiftError(isErrorCode(message.code) ? message.code : 'WORKER_TASK_FAILED', message.message, {
    retriable: message.retriable,
  });
  if (message.stack) error.stack = message.stack;
  return error;
}
