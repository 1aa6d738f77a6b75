/** Command-line flags of `stormshift bench` and `stormshift bench --topology`: one reader for both. */

/** Bad arguments: the caller prints the message and the usage. */
export class UsageError extends Error {}

export interface Flag {
  /** The argument as given. */
  readonly arg: string;
  /** The flag without an inline `=value`. */
  readonly name: string;
  /** Its value: inline after `=`, else the next argument, which must not be a flag. */
  value(): string;
  /** Its value as a whole number >= 1. */
  count(): number;
}

/** The flags of `args` in order; a flag's `value()` consumes the next argument when it has no inline value. */
export function* readFlags(args: readonly string[]): Generator<Flag> {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const inline = eq > 0 ? arg.slice(eq + 1) : undefined;
    const value = (): string => {
      const v = inline ?? args[++i];
      if (v === undefined || v.startsWith('--')) throw new UsageError(`${name} needs a value`);
      return v;
    };
    const count = (): number => {
      const n = Number(value());
      if (!Number.isInteger(n) || n < 1) throw new UsageError(`${name} needs a whole number >= 1`);
      return n;
    };
    yield { arg, name, value, count };
  }
}
