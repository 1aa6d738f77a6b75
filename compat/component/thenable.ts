/** True for a Promise or any object with a `then` method: what a Storm callback may return (contract R6). */
export function isThenable(x: unknown): x is PromiseLike<unknown> {
  return x !== null && typeof x === 'object' && typeof (x as { then?: unknown }).then === 'function';
}
