import type { CheckpointStorage } from '../checkpoint/storage.ts';
import { createRestartStrategy, type RestartStrategyConfig } from '../checkpoint/restart.ts';
import { ConfigError } from '../errors.ts';
import type { RuntimeMetrics } from '../metrics/index.ts';
import { isManualClock, type Clock } from '../time/clock.ts';
import { validatePoisonConfig, type PoisonConfig } from '../execution/poison.ts';

export type LogLevel = 'info' | 'warn' | 'error';
export type Logger = (level: LogLevel, message: string) => void;

export interface CheckpointConfig {
  /** Barrier interval; checkpointing is off when unset. */
  intervalMs?: number;
  /** Directory for checkpoint files; without one, checkpoints stay in memory (enough for in-process failover). */
  dir?: string;
  /** Completed checkpoints to keep on disk. Default 3. */
  retain?: number;
  /** A checkpoint not complete after this long fails the job over. Default 60 s. */
  timeoutMs?: number;
  /** A custom store instead of `dir`. */
  storage?: CheckpointStorage;
}

export interface JobConfig {
  jobName?: string;
  /** Default parallelism of operators that do not set their own. Default 1. */
  parallelism?: number;
  /** Upper bound for any operator's parallelism (and for rescaling keyed state). Default 128. */
  maxParallelism?: number;
  /** Records a source may emit per poll, i.e. per event-loop turn. Default 512. */
  batchSize?: number;
  /**
   * How long a partly filled batch waits before crossing threads. Default 0: it leaves at the end of
   * the current event-loop turn, so batches grow with the rate and a lone record waits for nothing.
   */
  bufferTimeoutMs?: number;
  /**
   * Worker threads for parallel subtasks; 0 runs everything on the main event loop. Default 0.
   * Subtask i of every operator runs on worker i mod workers. Workers rebuild the job from its
   * module, so `jobModule` must be set (`stormshift run` sets it).
   */
  workers?: number;
  /** Path or file URL of the module whose default export (defineJob) builds this job. */
  jobModule?: string;
  /** Arguments the job module's build function receives. */
  jobArgs?: string[];
  checkpoint?: CheckpointConfig;
  /** Where to start from: the latest complete checkpoint (default when a checkpoint dir is set), nothing, or a given file. */
  restore?: 'latest' | 'none' | { path: string };
  /** Default: exponential back-off (100 ms to 10 s) with checkpointing, no restart without. */
  restart?: RestartStrategyConfig;
  /** How often timestamp assigners emit watermarks. Default 200 ms. */
  watermarkIntervalMs?: number;
  metrics?: RuntimeMetrics;
  /** Savepoints on a wall-clock schedule (cron syntax). */
  savepoints?: { cron: string };
  log?: Logger;
  /**
   * Processing time for every timer of the job (processing-time timers, watermark intervals,
   * mini-batch flushes, checkpoint interval and timeout). Default: the wall clock. A test passes
   * a ManualClock and moves time with `advance`.
   */
  clock?: Clock;
  /** What to do with a record that makes an operator fail again and again (default: fail the job after 3). */
  poison?: PoisonConfig;
}

const KNOWN_KEYS = new Set([
  'jobName',
  'parallelism',
  'maxParallelism',
  'batchSize',
  'bufferTimeoutMs',
  'workers',
  'jobModule',
  'jobArgs',
  'checkpoint',
  'restore',
  'restart',
  'watermarkIntervalMs',
  'metrics',
  'savepoints',
  'log',
  'clock',
  'poison',
]);
const KNOWN_CHECKPOINT_KEYS = new Set(['intervalMs', 'dir', 'retain', 'timeoutMs', 'storage']);

export function validateJobConfig(config: JobConfig): void {
  for (const key of Object.keys(config)) {
    if (!KNOWN_KEYS.has(key))
      throw new ConfigError(`unknown job option '${key}' (known: ${[...KNOWN_KEYS].join(', ')})`);
  }
  if (isManualClock(config.clock) && (config.workers ?? 0) > 0) {
    throw new ConfigError(
      'a ManualClock cannot drive worker threads (workers > 0): each worker keeps its own wall clock',
    );
  }
  for (const key of Object.keys(config.checkpoint ?? {})) {
    if (!KNOWN_CHECKPOINT_KEYS.has(key)) throw new ConfigError(`unknown checkpoint option 'checkpoint.${key}'`);
  }
  positiveInteger('parallelism', config.parallelism);
  positiveInteger('maxParallelism', config.maxParallelism);
  positiveInteger('batchSize', config.batchSize);
  nonNegative('bufferTimeoutMs', config.bufferTimeoutMs);
  if (config.workers !== undefined && (!Number.isInteger(config.workers) || config.workers < 0)) {
    throw new ConfigError(`job option 'workers' must be an integer >= 0, got ${String(config.workers)}`);
  }
  if ((config.workers ?? 0) > 0 && config.jobModule === undefined) {
    throw new ConfigError(
      "job option 'workers' needs 'jobModule': workers rebuild the job from its module (export default defineJob(...) and set jobModule: import.meta.url, or run it with `stormshift run`)",
    );
  }
  if (config.checkpoint?.intervalMs !== undefined && !(config.checkpoint.intervalMs >= 10)) {
    throw new ConfigError(`checkpoint.intervalMs must be >= 10, got ${String(config.checkpoint.intervalMs)}`);
  }
  positiveInteger('checkpoint.retain', config.checkpoint?.retain);
  positiveInteger('checkpoint.timeoutMs', config.checkpoint?.timeoutMs);
  positiveInteger('watermarkIntervalMs', config.watermarkIntervalMs);
  // A typo in the restart strategy (`delay` for `delayMs`) should fail here, where the job is
  // configured, not only once execute() builds the runner.
  if (config.restart !== undefined) createRestartStrategy(config.restart);
  validatePoisonConfig(config.poison);
  const restore = config.restore;
  if (
    restore !== undefined &&
    restore !== 'latest' &&
    restore !== 'none' &&
    typeof (restore as { path?: unknown }).path !== 'string'
  ) {
    throw new ConfigError(`job option 'restore' must be 'latest', 'none' or { path }, got ${JSON.stringify(restore)}`);
  }
}

function positiveInteger(name: string, value: number | undefined): void {
  if (value !== undefined && (!Number.isInteger(value) || value < 1)) {
    throw new ConfigError(`job option '${name}' must be an integer >= 1, got ${String(value)}`);
  }
}

function nonNegative(name: string, value: number | undefined): void {
  if (value !== undefined && !(value >= 0))
    throw new ConfigError(`job option '${name}' must be >= 0, got ${String(value)}`);
}

export const defaultLogger: Logger = (level, message) => {
  if (level === 'info') return;
  process.stderr.write(`[stormshift] ${level}: ${message}\n`);
};
