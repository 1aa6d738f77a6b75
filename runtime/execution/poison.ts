/**
 * Poison records: a record that makes the same operator throw on every replay would restart the
 * job forever. The job runner counts failures per (operator, record) across restarts; at
 * `attempts` it applies the operator's policy: fail the job (the default, so nothing loops in
 * silence), skip the record to the dead-letter output, or keep restarting (counted and logged).
 * Dead letters are output like a two-phase sink's records: staged per subtask until the checkpoint
 * after them is durable, then delivered (dead-letter-output.ts).
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
import type { CheckpointData } from '../checkpoint/storage.ts';
import type { RuntimeMetrics } from '../metrics/index.ts';
import {
  createDeadLetterOutput,
  type DeadLetter,
  type DeadLetterDirectory,
  type DeadLetterOutput,
  type StagedDeadLetter,
} from './dead-letter-output.ts';

export type PoisonPolicy = 'fail' | 'skip' | 'restart';

export type { DeadLetter, DeadLetterDirectory, StagedDeadLetter } from './dead-letter-output.ts';

export interface PoisonConfig {
  /** Failures of one operator on one record that make it poison. Default 3. */
  attempts?: number;
  /** Policy for operators not named in `operators`. Default 'fail'. */
  policy?: PoisonPolicy;
  /** Per-operator policy, by operator name. */
  operators?: Record<string, PoisonPolicy>;
  /**
   * Where skipped records go. Default: a warning in the job's log. `{ dir }`: JSON lines, one file
   * per checkpoint, exactly once across crashes. A function is called for each entry once its
   * checkpoint is durable (see README "Faults and bad input").
   */
  deadLetter?: ((entry: DeadLetter) => void) | DeadLetterDirectory;
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
  const deadLetter: unknown = config.deadLetter;
  if (deadLetter === undefined || typeof deadLetter === 'function') return;
  const dir = (deadLetter as { dir?: unknown } | null)?.dir;
  if (typeof deadLetter !== 'object' || typeof dir !== 'string' || dir === '')
    throw new ConfigError(
      `job option 'poison.deadLetter' must be a function or { dir: '<directory>' }, got ${fullText(deadLetter)}`,
    );
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

/**
 * Lives as long as the job runs in this process (across restarts): the failure counts and the
 * records to divert. The records to divert also go into every checkpoint, so a new process restored
 * from one diverts them at once; the failure counts do not (a record that has not failed `attempts`
 * times yet starts counting again).
 */
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

  private readonly output: DeadLetterOutput;

  constructor(
    private readonly jobName: string,
    private readonly config: PoisonConfig,
    metrics: RuntimeMetrics,
    private readonly log: Logger,
    /** Whether the job checkpoints: dead letters then wait for their checkpoint (see `staged`). */
    private readonly checkpointing = false,
  ) {
    this.attempts = config.attempts ?? DEFAULT_ATTEMPTS;
    this.output = createDeadLetterOutput(jobName, config.deadLetter, log);
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
  guard(): PoisonMatcher | undefined {
    return this.diverted.size === 0 ? undefined : this;
  }

  /** The records to divert: worker threads divert by them, and every checkpoint keeps them. */
  keys(): string[] {
    return [...this.diverted];
  }

  get attemptsBeforePoison(): number {
    return this.attempts;
  }

  /**
   * Whether dead letters wait for the next checkpoint (staged in each subtask's snapshot). Without
   * checkpointing nothing would ever deliver them, so they go out at once, at-least-once like the
   * rest of such a job's output.
   */
  get staged(): boolean {
    return this.checkpointing;
  }

  /** The dead letter of `error` when it is a diverted record's failure (counted here), else undefined. */
  match(error: unknown): StagedDeadLetter | undefined {
    if (!(error instanceof UserFunctionError) || !this.diverted.has(poisonKey(error.operator, error.record)))
      return undefined;
    return this.noteDiverted(error);
  }

  /** Counts a diverted record (from this thread or a worker's report); without checkpointing also delivers it. */
  noteDiverted(error: UserFunctionError): StagedDeadLetter {
    this.deadLettered++;
    this.counter.inc({ job: this.jobName, operator: error.operator, action: 'dead-lettered' });
    const entry = deadLetterOf(this.jobName, error, this.attempts);
    if (!this.checkpointing) this.output.deliverNow(entry);
    return entry;
  }

  /**
   * Before an incarnation starts from `checkpoint`: its diverted records are diverted again at
   * once (no `attempts` failures first), and its dead letters are delivered (again: the process may
   * have died before it did).
   */
  restore(checkpoint: CheckpointData | undefined): void {
    if (checkpoint === undefined) return;
    for (const key of checkpoint.poison?.diverted ?? []) this.diverted.add(key);
    this.output.restore(checkpoint.id, checkpoint.poison?.deadLetters ?? []);
  }

  /** Checkpoint `checkpointId` is durable: its dead letters go out. */
  commit(checkpointId: number, entries: StagedDeadLetter[]): void {
    this.output.commit(checkpointId, entries);
  }
}

/** The record as it can be cloned to another thread and written into a checkpoint. */
export function portableRecord(record: unknown): unknown {
  try {
    return structuredClone(record);
  } catch {
    return fullText(record);
  }
}

function deadLetterOf(jobName: string, error: UserFunctionError, attempts: number): StagedDeadLetter {
  return {
    jobName,
    operator: error.operator,
    record: portableRecord(error.record),
    error: messageOf(error.cause),
    attempts,
  };
}

/** What a deployment asks of the job's poison policy (the tracker on the main thread, a keyed copy on a worker). */
export interface PoisonMatcher {
  match(error: unknown): StagedDeadLetter | undefined;
  keys(): string[];
  readonly staged: boolean;
}

/** What the record path calls when an operator throws: true when the record was diverted. */
export interface PoisonGuard {
  divert(error: unknown): boolean;
}

/**
 * One subtask's dead letters not yet delivered. Each belongs to the first checkpoint whose barrier
 * followed it (its epoch): a restore from that checkpoint will not replay its record, a restore
 * from an earlier one will (and stage it again). It rides along in every snapshot until a
 * checkpoint at or after its epoch completes, so a checkpoint that fails (declined, timed out) does
 * not lose it; the coordinator drops the copies whose epoch already completed.
 */
export class StagedDeadLetters implements PoisonGuard {
  private entries: EpochDeadLetter[] = [];
  private unstamped: StagedDeadLetter[] = [];
  constructor(private readonly matcher: PoisonMatcher) {}
  divert(error: unknown): boolean {
    const entry = this.matcher.match(error);
    if (entry === undefined) return false;
    if (this.matcher.staged) this.unstamped.push(entry);
    return true;
  }
  /** At checkpoint `checkpointId`'s barrier: every dead letter still to be delivered. */
  take(checkpointId: number): EpochDeadLetter[] | undefined {
    for (const entry of this.unstamped) this.entries.push({ epoch: checkpointId, entry });
    this.unstamped = [];
    return this.entries.length === 0 ? undefined : [...this.entries];
  }
  /** Checkpoint `checkpointId` completed: it delivered everything of its epoch and before. */
  completed(checkpointId: number): void {
    if (this.entries.length > 0) this.entries = this.entries.filter((e) => e.epoch > checkpointId);
  }
}

/** A staged dead letter with the checkpoint whose barrier first followed it. */
export interface EpochDeadLetter {
  epoch: number;
  entry: StagedDeadLetter;
}

/** A worker thread's matcher: diverts records by key; the main thread's tracker counts them. */
export class KeyedPoisonMatcher implements PoisonMatcher {
  private readonly set: Set<string>;
  constructor(
    keys: string[],
    private readonly options: {
      jobName: string;
      attempts: number;
      staged: boolean;
      report: (error: UserFunctionError) => void;
    },
  ) {
    this.set = new Set(keys);
  }
  get staged(): boolean {
    return this.options.staged;
  }
  match(error: unknown): StagedDeadLetter | undefined {
    if (!(error instanceof UserFunctionError) || !this.set.has(poisonKey(error.operator, error.record)))
      return undefined;
    this.options.report(error);
    return deadLetterOf(this.options.jobName, error, this.options.attempts);
  }
  keys(): string[] {
    return [...this.set];
  }
}
