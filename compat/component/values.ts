/**
 * `new Values(a, b)` is the array `[a, b]` (R3). Unlike `Array`, one numeric argument is an
 * element, never a length, so `new Values(3)` is `[3]` and a Values is never sparse.
 * Derived arrays (`map`, `filter`, `slice`) are plain `Array`s, as Storm code expects lists.
 */
export class Values extends Array<unknown> {
  static override get [Symbol.species](): ArrayConstructor {
    return Array;
  }

  constructor(...values: unknown[]) {
    super();
    // A loop, not push(...values): spreading large lists can overflow the stack.
    for (let i = 0; i < values.length; i++) this[i] = values[i];
  }
}
