import { randomFillSync } from 'node:crypto';

/**
 * Random signed 64-bit ids for roots and edges (§7). Reading the CSPRNG once per id would dominate the
 * per-tuple cost, so bytes are drawn in batches and handed out one 64-bit word at a time, either as a
 * `bigint` ({@link rand64}) or as two int32 halves ({@link randWord}); no word is handed out twice.
 */
const BATCH = 8192;
const pool = new BigInt64Array(BATCH);
/** The same bytes as 32-bit halves: word i is `halves[2i]` and `halves[2i + 1]`. */
const halves = new Int32Array(pool.buffer);
let next = BATCH;

export function rand64(): bigint {
  if (next === BATCH) {
    randomFillSync(pool);
    next = 0;
  }
  return pool[next++]!;
}

/**
 * Draws one random 64-bit word and returns its index into {@link randHalves}: the caller reads
 * `randHalves[2 * i]` and `randHalves[2 * i + 1]` before the next draw (a draw may refill the pool).
 * Which half is called high does not matter: both are uniformly random.
 */
export function randWord(): number {
  if (next === BATCH) {
    randomFillSync(pool);
    next = 0;
  }
  return next++;
}

export const randHalves: Readonly<Int32Array> = halves;

/** Where ids come from; tests inject a deterministic source, production uses {@link rand64}. */
export type Rand64 = () => bigint;
