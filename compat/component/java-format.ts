/**
 * Java's `String.valueOf` rendering of values, for the `toString()` formats Storm users grep
 * their logs for (`[a, b]`, `{k=v}`), so ported log assertions keep matching.
 */
export function javaToString(v: unknown, seen: Set<object> = new Set()): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return v;
  if (typeof v !== 'object') return String(v);
  if (seen.has(v)) return '(this Collection)';
  seen.add(v);
  try {
    if (Array.isArray(v)) return '[' + v.map((x) => javaToString(x, seen)).join(', ') + ']';
    if (v instanceof Map) {
      return '{' + Array.from(v, ([k, x]) => `${javaToString(k, seen)}=${javaToString(x, seen)}`).join(', ') + '}';
    }
    if (v instanceof Set) return '[' + Array.from(v, (x) => javaToString(x, seen)).join(', ') + ']';
    if (v instanceof Uint8Array) return `[B@${v.length}`;
    const proto = Object.getPrototypeOf(v);
    if (proto === Object.prototype || proto === null) {
      return (
        '{' +
        Object.entries(v)
          .map(([k, x]) => `${k}=${javaToString(x, seen)}`)
          .join(', ') +
        '}'
      );
    }
    return String(v);
  } finally {
    seen.delete(v);
  }
}
