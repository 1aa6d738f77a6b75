/**
 * One error hierarchy for the whole runtime, in the spirit of kafkajs: every error carries a stable
 * `code` that tools and tests can match on, and a `retriable` flag that the restart strategies and
 * connector retries key off. Nothing else decides whether a failure is worth retrying.
 *
 * The codes are a closed set: adding one means adding it here, with what it means, so a user can
 * look up every code the runtime (or compat) can raise in one place.
 */
export const ERROR_CODES = {
  // Building a job: never retriable, raised before anything runs.
  JOB_GRAPH_INVALID:
    'the job graph is invalid (a cycle, parallelism out of range, keyed state without keyBy, a session window without merge())',
  CONFIG_INVALID: 'a configuration value is unknown or out of range',
  // Records and user functions.
  USER_FUNCTION_FAILED: 'a user function threw (retriable: restore the last checkpoint and replay)',
  POISON_RECORD: 'the same record failed in the same operator again and again; the poison policy gave up',
  POISON_SOURCE:
    'a source (or spout) failed with the same error restart after restart, with no checkpoint in between; the poison policy gave up',
  KEY_SELECTOR_FAILED: 'a keyBy selector threw',
  PARTITION_OUT_OF_RANGE: 'a custom partitioner chose a subtask that does not exist',
  NO_EVENT_TIME: 'an event-time operator got a record without a timestamp',
  RECORD_NOT_TRANSFERABLE: 'a record could not be sent to another worker thread',
  ASYNC_TIMEOUT: 'an async I/O request got no answer in time',
  ASYNC_EMIT_FAILED: 'emitting an async I/O result downstream failed',
  // State and checkpoints.
  STATE_NOT_SERIALIZABLE: 'state holds a value the snapshot codec cannot encode',
  STATE_RESTORE_FAILED: 'a state snapshot could not be restored',
  STATE_NO_CURRENT_KEY: 'keyed state used outside a keyed context',
  CHECKPOINT_FAILED: 'a checkpoint could not be taken, written or read',
  CHECKPOINT_CORRUPT:
    'no readable checkpoint to restore: the restore needs a decision (--restore OLDER or --no-restore)',
  CHECKPOINT_STORAGE_UNUSABLE: 'the checkpoint directory cannot be used (read-only, not a directory, no permission)',
  // Execution.
  WORKER_EXITED: 'a worker thread exited',
  WORKER_TASK_FAILED: 'a task on a worker thread failed',
  JOB_CANCELLED: 'the job was cancelled',
  // Connectors.
  FILE_UNREADABLE: 'an input file cannot be read',
  FILE_SINK_COMMIT_LOST: "a file sink's sealed output of a restored checkpoint is gone",
  DEAD_LETTER_WRITE_FAILED: 'the dead-letter directory cannot be written (retriable: the restore writes it again)',
  KAFKA_UNREACHABLE: 'the Kafka brokers cannot be reached',
  KAFKA_UNKNOWN_TOPIC: 'no topic matches',
  KAFKA_CONSUMER_FAILED: 'a Kafka consumer failed to start',
  KAFKA_UNDECODABLE_RECORD: 'a Kafka record cannot be decoded',
  KAFKA_DEAD_LETTER_FAILED: 'writing to the dead-letter topic failed',
  KAFKA_PRODUCER_FAILED: 'a Kafka producer failed to connect',
  KAFKA_BAD_PARTITION: 'a Kafka partitioner chose a partition that does not exist',
  KAFKA_SEND_FAILED: 'a Kafka send failed',
  KAFKA_COMMIT_FAILED: 'committing a Kafka transaction failed',
  KAFKA_TRANSACTIONS_BACKLOG:
    'an exactly-once Kafka sink saw more checkpoints fail in a row than a restore re-initialises transactional ids for',
  KAFKA_COMMITTED_AFTER_RESTORE:
    'an exactly-once Kafka sink restored from a checkpoint older than output it had already committed: the replay would duplicate it',
  REDIS_UNREACHABLE: 'Redis cannot be reached',
  REDIS_BAD_VALUE: 'a Redis value is not what the connector expects',
  REDIS_LOOKUP_FAILED: 'a Redis lookup failed',
  REDIS_WRITE_FAILED: 'a Redis write failed',
  METRICS_PUSH_FAILED: 'pushing metrics to a Pushgateway failed',
  // The Storm compatibility layer (compat exceptions share this hierarchy).
  STORM_RUNTIME_EXCEPTION: "a Storm RuntimeException (or subclass) thrown by a topology's code",
  STORM_INVALID_TOPOLOGY: 'Storm InvalidTopologyException: the topology is not valid',
  STORM_ALREADY_ALIVE: 'Storm AlreadyAliveException: a topology of that name runs already',
  STORM_NOT_ALIVE: 'Storm NotAliveException: no topology of that name runs',
  STORM_AUTHORIZATION: 'Storm AuthorizationException',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.hasOwn(ERROR_CODES, code);
}

export interface StormshiftErrorOptions {
  cause?: unknown;
  retriable?: boolean;
}

export class StormshiftError extends Error {
  readonly code: ErrorCode;
  readonly retriable: boolean;

  constructor(code: ErrorCode, message: string, options: StormshiftErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retriable = options.retriable ?? false;
  }
}

/** The job graph is invalid; raised while building, before anything runs. Never retriable. */
export class JobGraphError extends StormshiftError {
  constructor(message: string, options: StormshiftErrorOptions = {}) {
    super('JOB_GRAPH_INVALID', message, { ...options, retriable: false });
  }
}

/**
 * One message for a keyed function on an unkeyed stream, whether the plan sees it before anything
 * runs or the operator finds out only when its code asks for state: `uses` says what gave it away.
 */
export function keyedWithoutKeyByMessage(operatorName: string, uses: string): string {
  return `operator '${operatorName}' ${uses} but its input is not keyed: add .keyBy(...) before it`;
}

/** A configuration value is unknown or out of range. */
export class ConfigError extends StormshiftError {
  constructor(message: string, options: StormshiftErrorOptions = {}) {
    super('CONFIG_INVALID', message, { ...options, retriable: false });
  }
}

/**
 * A user function threw while processing a record. Retriable by default: the restart strategy
 * restores the last checkpoint and replays, which is what a transient failure needs.
 */
export class UserFunctionError extends StormshiftError {
  readonly operator: string;
  readonly record: unknown;

  constructor(operator: string, record: unknown, cause: unknown) {
    super(
      'USER_FUNCTION_FAILED',
      `operator '${operator}' failed on record ${describeRecord(record)}: ${messageOf(cause)}`,
      { cause, retriable: true },
    );
    this.operator = operator;
    this.record = record;
  }
}

/** A record could not be sent to another thread (functions, symbols, class instances with private state...). */
export class SerializationError extends StormshiftError {
  constructor(message: string, options: StormshiftErrorOptions = {}) {
    super('RECORD_NOT_TRANSFERABLE', message, { ...options, retriable: false });
  }
}

/** A checkpoint could not be written or read. Reading a corrupt one is not retriable; I/O hiccups are. */
export class CheckpointError extends StormshiftError {
  readonly path: string | undefined;

  constructor(
    message: string,
    options: StormshiftErrorOptions & {
      path?: string;
      code?: 'CHECKPOINT_FAILED' | 'CHECKPOINT_CORRUPT' | 'CHECKPOINT_STORAGE_UNUSABLE';
    } = {},
  ) {
    super(options.code ?? 'CHECKPOINT_FAILED', message, options);
    this.path = options.path;
  }
}

/** A connector (file, Kafka, Redis...) failed to talk to its system. */
export class ConnectorError extends StormshiftError {
  constructor(code: ErrorCode, message: string, options: StormshiftErrorOptions = {}) {
    super(code, message, options);
  }
}

/**
 * The poison policy gave up on a record: the same operator failed on it `attempts` times. Never
 * retriable: another restart would replay the same record into the same failure.
 */
export class PoisonRecordError extends StormshiftError {
  readonly operator: string;
  readonly record: unknown;
  readonly attempts: number;

  constructor(operator: string, record: unknown, attempts: number, cause: unknown) {
    super(
      'POISON_RECORD',
      `poison record: operator '${operator}' failed ${attempts} times on record ${describeRecord(record)}: ${messageOf(cause)} ` +
        `(poison policy 'fail'; set poison: { operators: { '${operator}': 'skip' } } to divert it to the dead-letter output)`,
      { cause, retriable: false },
    );
    this.operator = operator;
    this.record = record;
    this.attempts = attempts;
  }
}

/**
 * The poison policy gave up on a source: its reader (or spout) failed with the same error
 * `attempts` times in a row and no checkpoint completed in between, so restarting again would
 * only repeat it. There is no record to skip. Never retriable.
 */
export class PoisonSourceError extends StormshiftError {
  readonly operator: string;
  readonly attempts: number;

  constructor(operator: string, attempts: number, cause: unknown) {
    super(
      'POISON_SOURCE',
      `poison source: source '${operator}' failed ${attempts} times in a row with the same error and no checkpoint in between: ${messageOf(cause)} ` +
        `(poison policy 'fail'; set poison: { operators: { '${operator}': 'restart' } } to keep restarting)`,
      { cause, retriable: false },
    );
    this.operator = operator;
    this.attempts = attempts;
  }
}

/**
 * Whether a source's failure is its own code's (a reader or spout that throws), which the poison
 * policy counts: a connector's I/O failure is the restart strategy's to retry (a broker may come
 * back), and a non-retriable error fails the job anyway.
 */
export function isSourceCodeFailure(error: unknown): boolean {
  return !(error instanceof ConnectorError) && isRetriable(error);
}

/** The job was cancelled (SIGINT, TTL, kill); not a failure, so never retried. */
export class JobCancelledError extends StormshiftError {
  constructor(message = 'job cancelled') {
    super('JOB_CANCELLED', message, { retriable: false });
  }
}

export function isRetriable(error: unknown): boolean {
  if (error instanceof StormshiftError) return error.retriable;
  // Unknown errors from user code are treated as transient: restoring from a checkpoint is the safe answer.
  return true;
}

/** An error's message, plus its cause's when the message does not already say it (kafkajs wraps that way). */
export function messageOf(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: unknown }).cause;
    return cause instanceof Error && !error.message.includes(cause.message)
      ? `${error.message} (${cause.message})`
      : error.message;
  }
  return String(error);
}

const RECORD_PREVIEW_LIMIT = 200;

export function describeRecord(record: unknown): string {
  let text: string;
  try {
    text =
      typeof record === 'string' ? JSON.stringify(record) : (JSON.stringify(record, bigintReplacer) ?? String(record));
  } catch {
    text = String(record);
  }
  return text.length > RECORD_PREVIEW_LIMIT ? `${text.slice(0, RECORD_PREVIEW_LIMIT)}…` : text;
}

function bigintReplacer(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? `${value}n` : value;
}
