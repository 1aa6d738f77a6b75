/**
 * `new Values(a, b)` is the array `[a, b]` (R3). Unlike `Array`, one numeric argument is an
 * element, never a length, so `new Values(3)` is `[3]` and a Values is never sparse. Derived
 * arrays (`map`, `filter`, `slice`) are plain arrays, as with `Symbol.species = Array`.
 *
 * Why not `class Values extends Array`: V8 constructs Array subclasses about a hundred times
 * slower than array literals (~400 ns against ~4 ns here), and every emit of a topology builds
 * one. So the constructor returns the plain array of its arguments. Storm's Values adds nothing
 * to its list type, so nothing is lost but one thing: `x instanceof Values` holds for every array
 * (marking instances would cost the allocation we avoid, or leak into deep equality).
 */
export interface Values extends Array<unknown> {}

export interface ValuesConstructor {
  new (...values: unknown[]): Values;
  (...values: unknown[]): Values;
  readonly prototype: Values;
}

export const Values = function Values(...values: unknown[]): Values {
  return values;
} as unknown as ValuesConstructor;

Object.defineProperty(Values, Symbol.hasInstance, { value: (candidate: unknown): boolean => Array.isArray(candidate) });
Object.defineProperty(Values, 'prototype', { value: Array.prototype, writable: false });
