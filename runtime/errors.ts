/**
 * One error hierarchy for the whole runtime, in the spirit of kafkajs: every error carries a stable
 * `code` that tools and tests can match on, and a `retriable` flag that the restart strategies and
 * connector retries key off. Nothing else decides whether a failure is worth retrying.
 */
export interface StormshiftErrorOptions {
  cause?: unknown;
  retriable?: boolean;
}

export class StormshiftError extends Error {
  readonly code: string;
  readonly retriable: boolean;

  constructor(code: string, message: string, options: StormshiftErrorOptions = {}) {
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

  constructor(message: string, options: StormshiftErrorOptions & { path?: string } = {}) {
    super('CHECKPOINT_FAILED', message, options);
    this.path = options.path;
  }
}

/** A connector (file, Kafka, Redis...) failed to talk to its system. */
export class ConnectorError extends StormshiftError {
  constructor(code: string, message: string, options: StormshiftErrorOptions = {}) {
    super(code, message, options);
  }
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
    return cause instanceof Error && !error.message.includes(cause.message) ? `${error.message} (${cause.message})` : error.message;
  }
  return String(error);
}

const RECORD_PREVIEW_LIMIT = 200;

export function describeRecord(record: unknown): string {
  let text: string;
  try {
    text = typeof record === 'string' ? JSON.stringify(record) : (JSON.stringify(record, bigintReplacer) ?? String(record));
  } catch {
    text = String(record);
  }
  return text.length > RECORD_PREVIEW_LIMIT ? `${text.slice(0, RECORD_PREVIEW_LIMIT)}…` : text;
}

function bigintReplacer(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? `${value}n` : value;
}
