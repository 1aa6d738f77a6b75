/**
 * Each parallel subtask gets its own copy of a user function object, as Flink gives each subtask a
 * deserialized copy: `open()` typically stores state handles and buffers on `this`, and two
 * subtasks sharing one object would overwrite each other's. The copy keeps the prototype (methods),
 * deep-copies own data (arrays, Maps, Sets, plain and class objects, dates, typed arrays) and shares
 * functions and anything it cannot copy (closures over outer variables stay shared, as they must).
 */
export function copyFunctionObject<T extends object>(fn: T): T {
  if (typeof fn === 'function') return fn;
  return copyValue(fn, new Map()) as T;
}

function copyValue(value: unknown, seen: Map<object, unknown>): unknown {
  if (value === null || typeof value !== 'object') return value;
  const known = seen.get(value);
  if (known !== undefined) return known;
  if (Array.isArray(value)) {
    const copy: unknown[] = [];
    seen.set(value, copy);
    for (const item of value) copy.push(copyValue(item, seen));
    return copy;
  }
  if (value instanceof Map) {
    const copy = new Map();
    seen.set(value, copy);
    for (const [k, v] of value) copy.set(copyValue(k, seen), copyValue(v, seen));
    return copy;
  }
  if (value instanceof Set) {
    const copy = new Set();
    seen.set(value, copy);
    for (const v of value) copy.add(copyValue(v, seen));
    return copy;
  }
  if (value instanceof Date) return new Date(value.getTime());
  if (ArrayBuffer.isView(value)) return (value as unknown as { slice(): unknown }).slice();
  const proto = Object.getPrototypeOf(value) as object | null;
  if (proto !== Object.prototype && proto !== null && !isPlainClassInstance(value)) return value;
  const copy = Object.create(proto) as Record<string | symbol, unknown>;
  seen.set(value, copy);
  for (const key of Reflect.ownKeys(value)) {
    const descriptor = Object.getOwnPropertyDescriptor(value, key)!;
    if ('value' in descriptor) descriptor.value = copyValue(descriptor.value, seen);
    Object.defineProperty(copy, key, descriptor);
  }
  return copy;
}

/** Built-ins with internal slots (Promise, sockets, streams, WeakMap…) cannot be copied field by field. */
function isPlainClassInstance(value: object): boolean {
  return !(
    value instanceof Promise ||
    value instanceof WeakMap ||
    value instanceof WeakSet ||
    value instanceof RegExp ||
    value instanceof Error ||
    (typeof (value as { on?: unknown }).on === 'function' && typeof (value as { emit?: unknown }).emit === 'function')
  );
}
