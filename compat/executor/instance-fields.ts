/**
 * Checkpoint mode (§7a): a component instance's own enumerable data fields as state. What R9's
 * clone cannot copy (sockets, timers, the collector, the context, functions) is skipped and keeps
 * whatever `open`/`prepare` set after a restore.
 */
import { cloneValue } from '../topology/clone.ts';

export function snapshotFields(instance: object, skip: ReadonlySet<unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(instance)) {
    const v = (instance as Record<string, unknown>)[key];
    if (typeof v === 'function' || skip.has(v)) continue;
    try {
      out[key] = cloneValue(v, key);
    } catch {
      // Uncopyable: a per-task resource that open/prepare re-creates.
    }
  }
  return out;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype;
}

/**
 * Assigns snapshot fields over a freshly opened instance. Snapshots pass through structured
 * serialization, which drops class prototypes; a field whose fresh value is a class instance
 * gets that prototype back.
 */
export function restoreFields(instance: object, fields: Record<string, unknown>): void {
  const target = instance as Record<string, unknown>;
  for (const [key, value] of Object.entries(fields)) {
    const fresh = target[key];
    if (
      isPlainObject(value) &&
      fresh !== null &&
      typeof fresh === 'object' &&
      !isPlainObject(fresh) &&
      !Array.isArray(fresh) &&
      !(fresh instanceof Map) &&
      !(fresh instanceof Set) &&
      !(fresh instanceof Date)
    ) {
      Object.setPrototypeOf(value, Object.getPrototypeOf(fresh));
    }
    target[key] = value;
  }
}
