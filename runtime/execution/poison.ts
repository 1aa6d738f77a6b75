/**
 * Poison records: a record that makes the same operator throw on every replay would restart the
 * job forever. The job runner counts failures per (operator, record) across restarts; at
 * `attempts` it applies the operator's policy: fail the job (the default, so nothing loops in
 * silence), skip the record to the dead-letter output, or keep restarting (counted and logged).
 */
import type { Counter } from 'prom-client';
import type { Logger } from '../api/config.ts';
import {
  ConfigError,
  PoisonRecordError,
  PoisonSourceError,
  UserFunctionError,
  describeRecord,
  messageOf,
} from '../errors.ts';
import type { RuntimeMetrics } from '../metrics/index.ts';

export type PoisonPolicy = 'fail' | 'skip' | 'restart';

export interface DeadLetter {
  jobName: string;
  operator: string;
  record: unknown;
  /** What the operator threw, as text (the record may be replayed many times; this is the last). */
  error: string;
  /** Failures on this record before it was diverted. */
  attempts: number;
}

export interface PoisonConfig {
  /** Failures of one operator on one record that make it poison. Default 3. */
  attempts?: number;
  /** Policy for operators not named in `operators`. Default 'fail'. */
  policy?: PoisonPolicy;
  /** Per-operator policy, by operator name. */
  operators?: Record<string, PoisonPolicy>;
  /** Where skipped records go. Default: a warning in the job's log. */
  deadLetter?: (entry: DeadLetter) => void;
}

const POLICIES: readonly PoisonPolicy[] = ['fail', 'skip', 'restart'];
const DEFAULT_ATTEMPTS = 3;

export function validatePoisonConfig(config: PoisonConfig | undefined): void {
  if (config === undefined) return;
  if (config === null || typeof config !== 'object') throw new ConfigError(`job option 'poison' must be an object`);
  for (const key of Object.keys(config)) {
    if (!['attempts', 'policy', 'operators', 'deadLetter'].includes(key))
      throw new ConfigError(`unknown poison option 'poison.${key}' (known: attempts, policy, operators, deadLetter)`);
  }
  if (config.attempts !== undefined && (!Number.isInteger(config.attempts) || config.attempts < 1)) {
    throw new ConfigError(`job option 'poison.attempts' must be an integer >= 1, got ${String(config.attempts)}`);
  }
  const check = (where: string, policy: unknown): void => {
    if (!POLICIES.includes(policy as PoisonPolicy))
      throw new ConfigError(
        `job option '${where}' must be one of ${POLICIES.join(', ')}, got ${JSON.stringify(policy)}`,
      );
  };
  if (config.policy !== undefined) check('poison.policy', config.policy);
  for (const [name, policy] of Object.entries(config.operators ?? {})) check(`poison.operators.${name}`, policy);
  if (config.deadLetter !== undefined && typeof config.deadLetter !== 'function')
    throw new ConfigError(`job option 'poison.deadLetter' must be a function`);
}

/** What the tracker counts failures by: the operator and the record's full text. */
export function poisonKey(operator: string, record: unknown): string {
  return `${operator}\u0000${fullText(record)}`;
}

function fullText(record: unknown): string {
  try {
    return JSON.stringify(record, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v)) ?? String(record);
  } catch {
    return String(record);
  }
}

/** What the runner decided about a failure. */
export type PoisonVerdict =
  | { action: 'not-poison' }
  | { action: 'fail'; error: PoisonRecordError | PoisonSourceError }
  | { action: 'skip' | 'restart'; attempts: number };

/** What the runner knows about the incarnation that failed, besides the error. */
export interface FailureContext {
  /** The source whose own code (reader or spout, not a connector's I/O) threw: it failed the incarnation. */
  source?: string | undefined;
  /** Whether the incarnation completed a checkpoint: the job moved on, so earlier failures are history. */
  progressed: boolean;
}

/** Lives as long as the job (across restarts): the failure counts and the records to divert. */
export class PoisonTracker {
  private readonly attempts: number;
  private readonly counts = new Map<string, number>();
  private readonly diverted = new Set<string>();
  private readonly counter: Counter<string>;
  private readonly sourceCounter: Counter<string>;
  /** The current run of identical source failures: same source, same message, no checkpoint between. */
  private sourceStreak: { key: string; count: number } | undefined;
  private deadLettered = 0;
  private poisoned = 0;

  constructor(
    private readonly jobName: string,
    private readonly config: PoisonConfig,
    metrics: RuntimeMetrics,
    private readonly log: Logger,
  ) {
    this.attempts = config.attempts ?? DEFAULT_ATTEMPTS;
    this.counter = metrics.counter(
      'poison_records_total',
      'Records detected as poison (same operator failed on them `attempts` times), by the action taken',
      ['job', 'operator', 'action'],
    );
    this.sourceCounter = metrics.counter(
      'poison_sources_total',
      'Sources (or spouts) that failed with the same error `attempts` times in a row with no checkpoint in between, by the action taken',
      ['job', 'operator', 'action'],
    );
  }

  get poisonCount(): number {
    return this.poisoned;
  }

  get deadLetterCount(): number {
    return this.deadLettered;
  }

  policyOf(operator: string): PoisonPolicy {
    return this.config.operators?.[operator] ?? this.config.policy ?? 'fail';
  }

  /** Called by the runner for every failure of an incarnation, before asking the restart strategy. */
  judge(failure: unknown, context: FailureContext = { progressed: false }): PoisonVerdict {
    if (context.progressed) this.sourceStreak = undefined;
    if (context.source !== undefined && !(failure instanceof UserFunctionError))
      return this.judgeSource(context.source, failure);
    this.sourceStreak = undefined;
    if (!(failure instanceof UserFunctionError)) return { action: 'not-poison' };
    const key = poisonKey(failure.operator, failure.record);
    const n = (this.counts.get(key) ?? 0) + 1;
    this.counts.set(key, n);
    if (n < this.attempts) return { action: 'not-poison' };
    const policy = this.policyOf(failure.operator);
    if (n === this.attempts) {
      this.poisoned++;
      this.counter.inc({ job: this.jobName, operator: failure.operator, action: policy });
    }
    if (policy === 'fail')
      return { action: 'fail', error: new PoisonRecordError(failure.operator, failure.record, n, failure.cause) };
    if (policy === 'skip') {
      this.diverted.add(key);
      this.log(
        'warn',
        `poison record: operator '${failure.operator}' failed ${n} times on record ${describeRecord(failure.record)}; it goes to the dead-letter output from now on`,
      );
    } else {
      this.log(
        'warn',
        `poison record: operator '${failure.operator}' failed ${n} times on record ${describeRecord(failure.record)}; policy 'restart' keeps restarting`,
      );
    }
    return { action: policy, attempts: n };
  }

  /**
   * A source has no record to count: it is poison when it fails with the same message `attempts`
   * times in a row and no checkpoint completed in between. 'skip' has nothing to skip, so a source
   * under 'skip' fails as under 'fail': nothing may loop in silence.
   */
  private judgeSource(source: string, failure: unknown): PoisonVerdict {
    const key = `${source}\u0000${messageOf(failure)}`;
    const streak = this.sourceStreak?.key === key ? this.sourceStreak : { key, count: 0 };
    streak.count++;
    this.sourceStreak = streak;
    const n = streak.count;
    if (n < this.attempts) return { action: 'not-poison' };
    const policy = this.policyOf(source) === 'restart' ? 'restart' : 'fail';
    if (n === this.attempts) {
      this.sourceCounter.inc({ job: this.jobName, operator: source, action: policy });
    }
    if (policy === 'fail') return { action: 'fail', error: new PoisonSourceError(source, n, failure) };
    this.log(
      'warn',
      `poison source: source '${source}' failed ${n} times in a row with the same error (${messageOf(failure)}); policy 'restart' keeps restarting`,
    );
    return { action: 'restart', attempts: n };
  }

  /** The divert hook for a deployment, or undefined while nothing is to be diverted (the record path stays as is). */
  guard(): PoisonGuard | undefined {
    return this.diverted.size === 0 ? undefined : this;
  }

  keys(): string[] {
    return [...this.diverted];
  }

  /** Whether `error` is a diverted record's failure; if so it went to the dead-letter output. */
  divert(error: unknown): boolean {
    if (!(error instanceof UserFunctionError)) return false;
    const key = poisonKey(error.operator, error.record);
    if (!this.diverted.has(key)) return false;
    this.deadLettered++;
    this.counter.inc({ job: this.jobName, operator: error.operator, action: 'dead-lettered' });
    const entry: DeadLetter = {
      jobName: this.jobName,
      operator: error.operator,
      record: error.record,
      error: messageOf(error.cause),
      attempts: this.counts.get(key) ?? this.attempts,
    };
    if (this.config.deadLetter) this.config.deadLetter(entry);
    else
      this.log('warn', `dead letter from '${error.operator}': record ${describeRecord(error.record)} (${entry.error})`);
    return true;
  }
}

export interface PoisonGuard {
  divert(error: unknown): boolean;
  /** The diverted records' keys, for worker threads (which divert by key and report to the main thread). */
  keys(): string[];
}

/** A worker thread's guard: diverts records by key and hands them to the main thread's tracker. */
export class KeyedPoisonGuard implements PoisonGuard {
  private readonly set: Set<string>;
  constructor(
    keys: string[],
    private readonly report: (error: UserFunctionError) => void,
  ) {
    this.set = new Set(keys);
  }
  divert(error: unknown): boolean {
    if (!(error instanceof UserFunctionError) || !this.set.has(poisonKey(error.operator, error.record))) return false;
    this.report(error);
    return true;
  }
  keys(): string[] {
    return [...this.set];
  }
}
