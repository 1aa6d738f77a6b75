/**
 * Comparing what two runs produced. Records are compared by value: a canonical text where object
 * keys are sorted (a record built in another key order is the same record) and class instances
 * count as their data (they cross a process boundary as plain objects).
 */

export function canonical(value: unknown): string {
  return text(value, true);
}

/** Like canonical, but object keys in their own order: how a record is shown to a person. */
export function display(value: unknown): string {
  return text(value, false);
}

function text(value: unknown, sortKeys: boolean): string {
  const canonical = (v: unknown): string => text(v, sortKeys);
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Object.is(value, -0) ? '0' : Number.isNaN(value) ? 'NaN' : String(value);
    case 'bigint':
      return `${value}n`;
    case 'boolean':
      return String(value);
    case 'undefined':
      return 'undefined';
    case 'function':
    case 'symbol':
      return `<${typeof value}>`;
  }
  if (value === null) return 'null';
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value instanceof Date) return `Date(${Number.isNaN(value.getTime()) ? 'invalid' : value.toISOString()})`;
  if (value instanceof Map)
    return `Map{${[...value]
      .map(([k, v]) => `${canonical(k)}=>${canonical(v)}`)
      .sort()
      .join(',')}}`;
  if (value instanceof Set) return `Set{${[...value].map(canonical).sort().join(',')}}`;
  if (ArrayBuffer.isView(value))
    return `Bytes(${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex')})`;
  const keys = Object.keys(value as object);
  if (sortKeys) keys.sort();
  const entries = keys.map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`);
  return `{${entries.join(',')}}`;
}

export interface Difference {
  equal: boolean;
  /** Records of the first side with no match on the second, in order. */
  onlyInA: unknown[];
  onlyInB: unknown[];
}

/** Multiset comparison: each record must occur the same number of times on both sides, in any order. */
export function compareMultisets(a: readonly unknown[], b: readonly unknown[]): Difference {
  const counts = new Map<string, number>();
  for (const r of b) {
    const k = canonical(r);
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  const onlyInA: unknown[] = [];
  const matched = new Map<string, number>();
  for (const r of a) {
    const k = canonical(r);
    const left = counts.get(k) ?? 0;
    if (left > 0) {
      counts.set(k, left - 1);
      matched.set(k, (matched.get(k) ?? 0) + 1);
    } else {
      onlyInA.push(r);
    }
  }
  const onlyInB: unknown[] = [];
  for (const r of b) {
    const k = canonical(r);
    const m = matched.get(k) ?? 0;
    if (m > 0) matched.set(k, m - 1);
    else onlyInB.push(r);
  }
  return { equal: onlyInA.length === 0 && onlyInB.length === 0, onlyInA, onlyInB };
}

/**
 * Last value per key: for outputs whose order across keys (or across parallel upstream tasks) may
 * legitimately change, what must agree is where each key ends up.
 */
export function compareLastPerKey(
  a: readonly unknown[],
  b: readonly unknown[],
  keyFields: readonly string[],
): Difference {
  const last = (records: readonly unknown[]): Map<string, unknown> => {
    const m = new Map<string, unknown>();
    for (const r of records) {
      const key = canonical(keyFields.map((f) => (r as Record<string, unknown> | null)?.[f]));
      m.delete(key);
      m.set(key, r);
    }
    return m;
  };
  const la = last(a);
  const lb = last(b);
  const onlyInA: unknown[] = [];
  const onlyInB: unknown[] = [];
  for (const [k, r] of la) if (!lb.has(k) || canonical(lb.get(k)) !== canonical(r)) onlyInA.push(r);
  for (const [k, r] of lb) if (!la.has(k) || canonical(la.get(k)) !== canonical(r)) onlyInB.push(r);
  return { equal: onlyInA.length === 0 && onlyInB.length === 0, onlyInA, onlyInB };
}
