/**
 * stormshift/transpiler — rewrites Storm-API topology code into native runtime jobs. Not part of
 * this release yet: the entry point exists so the package's export map is complete, and it says so
 * instead of failing obscurely.
 */
export const TRANSPILER_AVAILABLE = false;

export function migrate(): never {
  throw new Error('stormshift/transpiler is not part of this release yet');
}
