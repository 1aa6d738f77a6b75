/**
 * R2 classification of what was passed to `setBolt`/`setSpout`. An explicit `[STORM_KIND]`
 * property (own or inherited) wins, so the windowed/stateful/shell base classes owned elsewhere
 * declare their kind on their prototype and need not be imported here.
 */
import { IllegalArgumentException } from './exceptions.ts';
import { BaseBasicBolt, BaseRichBolt, BaseRichSpout } from './base.ts';

export const STORM_KIND: unique symbol = Symbol.for('stormshift.compat.kind') as never;

export type BoltKind =
  | 'lambda-bi-consumer'
  | 'lambda-consumer'
  | 'rich'
  | 'basic'
  | 'windowed'
  | 'stateful'
  | 'stateful-windowed'
  | 'shell';

export type SpoutKind = 'lambda' | 'rich' | 'shell';

/** Values accepted in `[STORM_KIND]`: the kinds above, plus plain 'lambda' for bolts (arity decides). */
export type StormKind = BoltKind | SpoutKind;

const BOLT_KINDS: ReadonlySet<string> = new Set<BoltKind>([
  'lambda-bi-consumer',
  'lambda-consumer',
  'rich',
  'basic',
  'windowed',
  'stateful',
  'stateful-windowed',
  'shell',
]);
const SPOUT_KINDS: ReadonlySet<string> = new Set<SpoutKind>(['lambda', 'rich', 'shell']);

/** A function that is not a `class` (arrow, method or `function`), i.e. a user lambda. */
export function isNonClassFunction(x: unknown): x is (...args: unknown[]) => unknown {
  return typeof x === 'function' && !/^class[\s{]/.test(Function.prototype.toString.call(x));
}

function explicitKind(x: unknown): unknown {
  if (x === null || (typeof x !== 'object' && typeof x !== 'function')) return undefined;
  return (x as { [STORM_KIND]?: unknown })[STORM_KIND];
}

function hasFn(x: unknown, name: string): boolean {
  return typeof (x as Record<string, unknown>)[name] === 'function';
}

export function classifyBolt(x: unknown): BoltKind {
  const explicit = explicitKind(x);
  if (explicit !== undefined) {
    if (explicit === 'lambda')
      return (x as (...a: unknown[]) => unknown).length >= 2 ? 'lambda-bi-consumer' : 'lambda-consumer';
    if (typeof explicit === 'string' && BOLT_KINDS.has(explicit)) return explicit as BoltKind;
    throw new IllegalArgumentException(`Unknown [STORM_KIND] for a bolt: ${String(explicit)}`);
  }
  if (typeof x === 'function') {
    if (!isNonClassFunction(x)) {
      throw new TypeError(`setBolt expects a bolt instance or a function, got class ${x.name}; use new ${x.name}()`);
    }
    return x.length >= 2 ? 'lambda-bi-consumer' : 'lambda-consumer';
  }
  if (x === null || typeof x !== 'object') {
    throw new TypeError(`setBolt expects a bolt instance or a function, got ${x === null ? 'null' : typeof x}`);
  }
  if (x instanceof BaseBasicBolt) return 'basic';
  if (x instanceof BaseRichBolt) return 'rich';
  if (hasFn(x, 'initState')) return hasFn(x, 'getTimestampExtractor') ? 'stateful-windowed' : 'stateful';
  if (hasFn(x, 'getTimestampExtractor')) return 'windowed';
  if (!hasFn(x, 'execute')) throw new TypeError('setBolt expects a bolt: the object has no execute method');
  return (x as { execute: (...a: unknown[]) => unknown }).execute.length >= 2 ? 'basic' : 'rich';
}

export function classifySpout(x: unknown): SpoutKind {
  const explicit = explicitKind(x);
  if (explicit !== undefined) {
    if (typeof explicit === 'string' && SPOUT_KINDS.has(explicit)) return explicit as SpoutKind;
    throw new IllegalArgumentException(`Unknown [STORM_KIND] for a spout: ${String(explicit)}`);
  }
  if (typeof x === 'function') {
    if (!isNonClassFunction(x)) {
      throw new TypeError(`setSpout expects a spout instance or a function, got class ${x.name}; use new ${x.name}()`);
    }
    return 'lambda';
  }
  if (x === null || typeof x !== 'object') {
    throw new TypeError(`setSpout expects a spout instance or a function, got ${x === null ? 'null' : typeof x}`);
  }
  if (x instanceof BaseRichSpout) return 'rich';
  if (!hasFn(x, 'nextTuple')) throw new TypeError('setSpout expects a spout: the object has no nextTuple method');
  return 'rich';
}
