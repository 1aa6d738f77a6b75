/**
 * R9: one private copy of each spout/bolt per task, as Storm's per-task deserialization gives.
 * Own data fields are deep-copied (sharing and cycles preserved through a memo, as Java
 * serialization does), functions are shared, and live resources (sockets, streams, timers,
 * Promises, weak collections) are refused: they cannot be copied meaningfully and must be created
 * in `open`/`prepare`.
 *
 * Limitation: ES `#private` fields live in slots a copy cannot reach; TypeScript `private`
 * fields are ordinary properties and clone fine.
 */
import { EventEmitter } from 'node:events';
import { IllegalStateException } from '../component/exceptions.ts';

/** Thrown by `cloneValue` for an uncopyable value; `path` names the field. */
export class NonCloneableValueError extends Error {
  readonly path: string;
  readonly typeName: string;
  constructor(path: string, typeName: string) {
    super(`${path} holds a non-serializable ${typeName}`);
    this.name = 'NonCloneableValueError';
    this.path = path;
    this.typeName = typeName;
  }
}

function typeNameOf(v: object): string {
  const ctor = (v as { constructor?: { name?: string } }).constructor;
  return ctor?.name || Object.prototype.toString.call(v).slice(8, -1);
}

/** The reason `v` cannot be copied, or undefined when it can. */
function uncopyable(v: object): string | undefined {
  if (v instanceof Promise) return 'Promise';
  if (v instanceof WeakMap) return 'WeakMap';
  if (v instanceof WeakSet) return 'WeakSet';
  if (typeof WeakRef !== 'undefined' && v instanceof WeakRef) return 'WeakRef';
  if (typeof FinalizationRegistry !== 'undefined' && v instanceof FinalizationRegistry) return 'FinalizationRegistry';
  // Sockets, servers, streams, child processes, workers: all EventEmitters holding OS resources.
  if (v instanceof EventEmitter) return typeNameOf(v);
  if (typeof EventTarget !== 'undefined' && v instanceof EventTarget) return typeNameOf(v); // MessagePort, AbortSignal
  const name = typeNameOf(v);
  // Node timer handles and fs/promises handles have no exported classes to test against.
  if (name === 'Timeout' || name === 'Immediate' || name === 'FileHandle' || name === 'Dir') return name;
  if (typeof (v as { then?: unknown }).then === 'function') return `${name} (thenable)`;
  return undefined;
}

/** Deep copy of one value under the R9 rules; throws `NonCloneableValueError`. */
export function cloneValue<T>(value: T, path = 'value'): T {
  return copy(value, path, new Map()) as T;
}

function copy(v: unknown, path: string, memo: Map<object, unknown>): unknown {
  if (v === null || (typeof v !== 'object' && typeof v !== 'function')) return v;
  if (typeof v === 'function') return v; // shared by reference (closures cannot be copied)
  const obj = v as object;
  const seen = memo.get(obj);
  if (seen !== undefined) return seen;

  const bad = uncopyable(obj);
  if (bad !== undefined) throw new NonCloneableValueError(path, bad);

  if (obj instanceof Date) return remember(memo, obj, new Date(obj.getTime()));
  if (obj instanceof RegExp) return remember(memo, obj, new RegExp(obj.source, obj.flags));
  if (typeof SharedArrayBuffer !== 'undefined' && obj instanceof SharedArrayBuffer) return obj; // meant to be shared
  if (obj instanceof ArrayBuffer) return remember(memo, obj, obj.slice(0));
  if (ArrayBuffer.isView(obj)) {
    if (Buffer.isBuffer(obj)) return remember(memo, obj, Buffer.from(obj));
    if (obj instanceof DataView) {
      return remember(memo, obj, new DataView(obj.buffer.slice(obj.byteOffset, obj.byteOffset + obj.byteLength)));
    }
    const Ctor = obj.constructor as new (src: ArrayBufferView) => ArrayBufferView;
    return remember(memo, obj, new Ctor(obj));
  }
  if (obj instanceof Map) {
    // Reflect.construct: a Map with the subclass's prototype, without running its constructor;
    // the base `set` bypasses subclass overrides whose own fields are copied afterwards.
    const out = Reflect.construct(Map, [], obj.constructor as new () => Map<unknown, unknown>) as Map<unknown, unknown>;
    memo.set(obj, out);
    let i = 0;
    for (const [k, val] of Map.prototype.entries.call(obj)) {
      Map.prototype.set.call(out, copy(k, `${path}<key ${i}>`, memo), copy(val, `${path}.get(${String(k)})`, memo));
      i++;
    }
    return copyOwnProps(obj, out, path, memo, new Set());
  }
  if (obj instanceof Set) {
    const out = Reflect.construct(Set, [], obj.constructor as new () => Set<unknown>) as Set<unknown>;
    memo.set(obj, out);
    let i = 0;
    for (const val of Set.prototype.values.call(obj))
      Set.prototype.add.call(out, copy(val, `${path}<element ${i++}>`, memo));
    return copyOwnProps(obj, out, path, memo, new Set());
  }
  if (Array.isArray(obj)) {
    const out: unknown[] = new Array(obj.length);
    if (Object.getPrototypeOf(obj) !== Array.prototype) Object.setPrototypeOf(out, Object.getPrototypeOf(obj));
    memo.set(obj, out);
    for (let i = 0; i < obj.length; i++) if (i in obj) out[i] = copy(obj[i], `${path}[${i}]`, memo);
    return copyOwnProps(obj, out, path, memo, new Set(['length']), true);
  }
  // Plain object or class instance: same prototype, own properties copied.
  const out = Object.create(Object.getPrototypeOf(obj)) as object;
  memo.set(obj, out);
  return copyOwnProps(obj, out, path, memo, new Set());
}

function remember<T>(memo: Map<object, unknown>, from: object, to: T): T {
  memo.set(from, to);
  return to;
}

function copyOwnProps(
  from: object,
  to: object,
  path: string,
  memo: Map<object, unknown>,
  skip: ReadonlySet<string>,
  skipIndices = false,
): object {
  for (const key of Reflect.ownKeys(from)) {
    if (typeof key === 'string' && (skip.has(key) || (skipIndices && /^(0|[1-9]\d*)$/.test(key)))) continue;
    const desc = Object.getOwnPropertyDescriptor(from, key)!;
    const name = typeof key === 'symbol' ? `[${key.description ?? 'symbol'}]` : key;
    if ('value' in desc) desc.value = copy(desc.value, `${path}.${name}`, memo);
    Object.defineProperty(to, key, desc);
  }
  if (Object.isFrozen(from)) Object.freeze(to);
  else if (Object.isSealed(from)) Object.seal(to);
  else if (!Object.isExtensible(from)) Object.preventExtensions(to);
  return to;
}

/**
 * A per-task copy of a spout or bolt (R9). `kind` selects Storm's wording of the error:
 * "Bolt 'x' … within the prepare method", "Spout 'x' … within the open method".
 */
export function cloneComponent<T>(obj: T, kind: 'Bolt' | 'Spout', id: string): T {
  try {
    return copy(obj, 'this', new Map()) as T;
  } catch (e) {
    if (!(e instanceof NonCloneableValueError)) throw e;
    const method = kind === 'Bolt' ? 'prepare' : 'open';
    throw new IllegalStateException(
      `${kind} '${id}' contains a non-serializable field of type ${e.typeName} (${e.path}), which was instantiated ` +
        `prior to topology creation. ${e.typeName} should be instantiated within the ${method} method of '${id} at the earliest.`,
      { cause: e },
    );
  }
}
