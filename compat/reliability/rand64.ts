import { randomFillSync } from 'node:crypto';

/**
 * Random signed 64-bit ids for roots and edges (§7). Reading the CSPRNG once per id would dominate the
 * per-tuple cost, so bytes are drawn in batches and handed out one 64-bit word at a time.
 */
const BATCH = 8192;
const pool = new BigInt64Array(BATCH);
let next = BATCH;

export function rand64(): bigint {
  if (next === BATCH) {
    randomFillSync(pool);
    next = 0;
  }
  return pool[next++]!;
}

/** Where ids come from; tests inject a deterministic source, production uses {@link rand64}. */
export type Rand64 = () => bigint;
