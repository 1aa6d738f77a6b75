/**
 * 64-bit ids as two int32 halves (§7). An edge id lives its whole life inside the executor, where
 * only XOR and a zero test are applied to it; as a `bigint` every edge and every XOR was a heap
 * allocation, as two int32 numbers (V8 small integers) it is none. The halves are a plain split
 * of the same 64 bits, so XOR and zero detection agree with the `bigint` the user sees through
 * `getMessageId()`, which is built only when asked for.
 */

/** The signed 64-bit `bigint` whose high and low 32 bits are `hi` and `lo`. */
export function pairToBigInt(hi: number, lo: number): bigint {
  return BigInt.asIntN(64, (BigInt(hi | 0) << 32n) | BigInt(lo >>> 0));
}

/** The high 32 bits of a 64-bit id, as an int32. */
export function hiOf(id: bigint): number {
  return Number(BigInt.asIntN(32, id >> 32n));
}

/** The low 32 bits of a 64-bit id, as an int32. */
export function loOf(id: bigint): number {
  return Number(BigInt.asIntN(32, id));
}
