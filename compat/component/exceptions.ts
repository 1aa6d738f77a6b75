/**
 * Storm's Java exceptions as `Error` subclasses (R1). `name` is the Java simple name so logs,
 * `String(err)` and ported `catch (e) { if (e.name === 'FailedException') … }` read as in Storm;
 * `instanceof` mirrors the Java hierarchy where Storm relies on it (basic bolts distinguish
 * `ReportedFailedException` from `FailedException`).
 */

function initName(err: Error, name: string): void {
  // Non-enumerable like Error.prototype.name, so JSON/inspect output stays clean.
  Object.defineProperty(err, 'name', { value: name, writable: true, configurable: true, enumerable: false });
}

export class RuntimeException extends Error {
  constructor(message?: string | Error, options?: { cause?: unknown }) {
    // Java allows `new RuntimeException(cause)`; keep the cause and reuse its message.
    if (message instanceof Error) super(String(message), { cause: message });
    else super(message ?? '', options);
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

/** Thrift exceptions in Storm (checked, not runtime); plain `Error` subclasses here. */
export class InvalidTopologyException extends Error {
  constructor(message?: string, options?: { cause?: unknown }) {
    super(message ?? '', options);
    initName(this, new.target.name);
  }
  /** Thrift accessor. */
  get_msg(): string {
    return this.message;
  }
}

export class AlreadyAliveException extends Error {
  constructor(message?: string, options?: { cause?: unknown }) {
    super(message ?? '', options);
    initName(this, new.target.name);
  }
  get_msg(): string {
    return this.message;
  }
}

export class NotAliveException extends Error {
  constructor(message?: string, options?: { cause?: unknown }) {
    super(message ?? '', options);
    initName(this, new.target.name);
  }
  get_msg(): string {
    return this.message;
  }
}

export class AuthorizationException extends Error {
  constructor(message?: string, options?: { cause?: unknown }) {
    super(message ?? '', options);
    initName(this, new.target.name);
  }
  get_msg(): string {
    return this.message;
  }
}
