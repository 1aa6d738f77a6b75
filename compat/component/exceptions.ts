import { StormshiftError, type ErrorCode } from '../../runtime/index.ts';

/**
 * Storm's Java exceptions as `Error` subclasses (R1), all on stormshift's one error hierarchy
 * (`StormshiftError`: a stable `code`, a `retriable` flag the restart strategy reads). `name` is the Java simple name so logs,
 * `String(err)` and ported `catch (e) { if (e.name === 'FailedException') … }` read as in Storm;
 * `instanceof` mirrors the Java hierarchy where Storm relies on it (basic bolts distinguish
 * `ReportedFailedException` from `FailedException`).
 */

function initName(err: Error, name: string): void {
  // Non-enumerable like Error.prototype.name, so JSON/inspect output stays clean.
  Object.defineProperty(err, 'name', { value: name, writable: true, configurable: true, enumerable: false });
}

/** What every Storm exception shares: stormshift's base with a Storm code. */
export class StormException extends StormshiftError {
  constructor(code: ErrorCode, message: string, options: { cause?: unknown; retriable?: boolean } = {}) {
    super(code, message, options);
    initName(this, new.target.name);
  }
}

/** Thrown by topology code: retriable, as a crashed Storm worker is restarted by its supervisor. */
export class RuntimeException extends StormException {
  constructor(message?: string | Error, options?: { cause?: unknown }) {
    // Java allows `new RuntimeException(cause)`; keep the cause and reuse its message.
    if (message instanceof Error)
      super('STORM_RUNTIME_EXCEPTION', String(message), { cause: message, retriable: true });
    else super('STORM_RUNTIME_EXCEPTION', message ?? '', { ...(options ?? {}), retriable: true });
    initName(this, new.target.name);
  }
}

export class IllegalArgumentException extends RuntimeException {}
export class IllegalStateException extends RuntimeException {}
export class UnsupportedOperationException extends RuntimeException {}

/** Thrown by a basic bolt's `execute` to fail the input without crashing the task (§5.2). */
export class FailedException extends RuntimeException {}

/** Like `FailedException`, and the basic-bolt executor also calls `reportError` with it (§5.2). */
export class ReportedFailedException extends FailedException {}

/** Thrift exceptions in Storm (checked, not runtime); never retriable. */
export class InvalidTopologyException extends StormException {
  constructor(message?: string, options?: { cause?: unknown }) {
    super('STORM_INVALID_TOPOLOGY', message ?? '', { ...(options ?? {}), retriable: false });
    initName(this, new.target.name);
  }
  /** Thrift accessor. */
  get_msg(): string {
    return this.message;
  }
}

export class AlreadyAliveException extends StormException {
  constructor(message?: string, options?: { cause?: unknown }) {
    super('STORM_ALREADY_ALIVE', message ?? '', { ...(options ?? {}), retriable: false });
    initName(this, new.target.name);
  }
  get_msg(): string {
    return this.message;
  }
}

export class NotAliveException extends StormException {
  constructor(message?: string, options?: { cause?: unknown }) {
    super('STORM_NOT_ALIVE', message ?? '', { ...(options ?? {}), retriable: false });
    initName(this, new.target.name);
  }
  get_msg(): string {
    return this.message;
  }
}

export class AuthorizationException extends StormException {
  constructor(message?: string, options?: { cause?: unknown }) {
    super('STORM_AUTHORIZATION', message ?? '', { ...(options ?? {}), retriable: false });
    initName(this, new.target.name);
  }
  get_msg(): string {
    return this.message;
  }
}
