import { StormshiftError, UserFunctionError } from '../errors.ts';

/**
 * Wraps what a user function threw so the failure names the operator and the record. An error
 * that is already ours (from an operator further down the chain) passes unchanged: the innermost
 * operator is the one that failed.
 */
export function userError(operator: string, record: unknown, error: unknown): Error {
  if (error instanceof StormshiftError) return error;
  return new UserFunctionError(operator, record, error);
}
