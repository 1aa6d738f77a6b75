/**
 * Restart strategies decide, after a task failure, whether the job restores its last checkpoint and
 * how long it waits first. They are stateful (they count failures), so create one per job run.
 * Whether an error is worth retrying at all is decided by `isRetriable` alone.
 */
import { ConfigError, isRetriable } from '../errors.ts';

export interface RestartStrategy {
  /** delay before the next restart, or undefined to give up */
  nextDelay(error: unknown, now: number): number | undefined;
  describe(): string;
}

export type RestartStrategyConfig =
  | { type: 'none' }
  | { type: 'fixed-delay'; attempts: number; delayMs: number }
  | {
      type: 'exponential-backoff';
      initialDelayMs: number;
      maxDelayMs: number;
      multiplier?: number;
      resetAfterMs?: number;
      jitter?: number;
    }
  | { type: 'failure-rate'; maxFailures: number; intervalMs: number; delayMs: number };

export interface RestartStrategyOptions {
  /** source of randomness for jitter, in [0, 1); injectable so tests are deterministic */
  random?: () => number;
}

const DEFAULT_MULTIPLIER = 2;

export function createRestartStrategy(
  config: RestartStrategyConfig,
  options: RestartStrategyOptions = {},
): RestartStrategy {
  if (config === null || typeof config !== 'object')
    throw new ConfigError(`restart strategy must be an object with a 'type'`);
  switch (config.type) {
    case 'none':
      return new NoRestart();
    case 'fixed-delay':
      requireInteger('attempts', config.attempts, 0);
      requireNumber('delayMs', config.delayMs, 0);
      return new FixedDelay(config.attempts, config.delayMs);
    case 'exponential-backoff': {
      requireNumber('initialDelayMs', config.initialDelayMs, 0);
      requireNumber('maxDelayMs', config.maxDelayMs, 0);
      if (config.maxDelayMs < config.initialDelayMs) {
        throw new ConfigError(
          `restart strategy 'maxDelayMs' (${config.maxDelayMs}) must be >= 'initialDelayMs' (${config.initialDelayMs})`,
        );
      }
      const multiplier = config.multiplier ?? DEFAULT_MULTIPLIER;
      requireNumber('multiplier', multiplier, 1);
      if (config.resetAfterMs !== undefined) requireNumber('resetAfterMs', config.resetAfterMs, 0);
      const jitter = config.jitter ?? 0;
      requireNumber('jitter', jitter, 0);
      if (jitter > 1) throw new ConfigError(`restart strategy 'jitter' must be between 0 and 1, got ${jitter}`);
      return new ExponentialBackoff(
        config.initialDelayMs,
        config.maxDelayMs,
        multiplier,
        config.resetAfterMs,
        jitter,
        options.random ?? Math.random,
      );
    }
    case 'failure-rate':
      requireInteger('maxFailures', config.maxFailures, 1);
      requireNumber('intervalMs', config.intervalMs, 1);
      requireNumber('delayMs', config.delayMs, 0);
      return new FailureRate(config.maxFailures, config.intervalMs, config.delayMs);
    default:
      throw new ConfigError(
        `restart strategy 'type' must be one of none, fixed-delay, exponential-backoff, failure-rate; got ${JSON.stringify((config as { type: unknown }).type)}`,
      );
  }
}

function requireNumber(field: string, value: unknown, min: number): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
    throw new ConfigError(`restart strategy '${field}' must be a finite number >= ${min}, got ${String(value)}`);
  }
}

function requireInteger(field: string, value: unknown, min: number): void {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw new ConfigError(`restart strategy '${field}' must be an integer >= ${min}, got ${String(value)}`);
  }
}

class NoRestart implements RestartStrategy {
  nextDelay(): number | undefined {
    return undefined;
  }
  describe(): string {
    return 'no restarts';
  }
}

class FixedDelay implements RestartStrategy {
  private used = 0;
  constructor(
    private readonly attempts: number,
    private readonly delayMs: number,
  ) {}

  nextDelay(error: unknown): number | undefined {
    if (!isRetriable(error) || this.used >= this.attempts) return undefined;
    this.used++;
    return this.delayMs;
  }
  describe(): string {
    return `fixed delay: ${this.attempts} attempts, ${this.delayMs} ms apart (${this.attempts - this.used} left)`;
  }
}

class ExponentialBackoff implements RestartStrategy {
  private attempt = 0;
  private lastFailureAt: number | undefined;

  constructor(
    private readonly initialDelayMs: number,
    private readonly maxDelayMs: number,
    private readonly multiplier: number,
    private readonly resetAfterMs: number | undefined,
    private readonly jitter: number,
    private readonly random: () => number,
  ) {}

  nextDelay(error: unknown, now: number): number | undefined {
    if (!isRetriable(error)) return undefined;
    // A job that ran healthy for a while should not inherit the long back-off of an old incident.
    if (
      this.resetAfterMs !== undefined &&
      this.lastFailureAt !== undefined &&
      now - this.lastFailureAt >= this.resetAfterMs
    ) {
      this.attempt = 0;
    }
    this.lastFailureAt = now;
    const base = Math.min(this.maxDelayMs, this.initialDelayMs * this.multiplier ** this.attempt);
    // Stop growing the exponent once capped so it never overflows to Infinity.
    if (base < this.maxDelayMs) this.attempt++;
    if (this.jitter === 0) return base;
    // Jitter spreads restarts of many jobs that failed together (e.g. a shared broker went away).
    const factor = 1 + this.jitter * (2 * this.random() - 1);
    return Math.max(0, Math.min(this.maxDelayMs, base * factor));
  }
  describe(): string {
    const reset = this.resetAfterMs === undefined ? '' : `, reset after ${this.resetAfterMs} ms without failure`;
    const jitter = this.jitter === 0 ? '' : `, jitter ±${Math.round(this.jitter * 100)}%`;
    return `exponential back-off: ${this.initialDelayMs} ms ×${this.multiplier} up to ${this.maxDelayMs} ms${reset}${jitter}`;
  }
}

class FailureRate implements RestartStrategy {
  private readonly failures: number[] = [];

  constructor(
    private readonly maxFailures: number,
    private readonly intervalMs: number,
    private readonly delayMs: number,
  ) {}

  nextDelay(error: unknown, now: number): number | undefined {
    if (!isRetriable(error)) return undefined;
    this.failures.push(now);
    while (this.failures.length > 0 && now - this.failures[0]! >= this.intervalMs) this.failures.shift();
    // Up to maxFailures restarts within any interval are fine; one more means the job is flapping.
    if (this.failures.length > this.maxFailures) return undefined;
    return this.delayMs;
  }
  describe(): string {
    return `failure rate: at most ${this.maxFailures} failures per ${this.intervalMs} ms, ${this.delayMs} ms between restarts`;
  }
}
