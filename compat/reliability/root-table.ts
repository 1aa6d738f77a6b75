/**
 * A hash table from 64-bit root ids to values, for the spout's pending tuples. A `Map` keyed by
 * `bigint` showed in profiles: hashing a bigint key costs more than a small-integer key, and a Map
 * whose size swings between 0 and a few dozen entries (a spout emits a batch, the verdicts come
 * back) reallocates its table as it grows and shrinks. This one uses open addressing with linear
 * probing over arrays that only grow, and hashes the low 30 bits of the (random) root.
 *
 * Iteration ({@link valuesInOrder}) is in first-insertion order, as a `Map`'s.
 */
export class RootTable<V> {
  private keys: (bigint | undefined)[];
  private vals: (V | undefined)[];
  /** Cached hash of each slot's key (backward-shift deletion re-reads it). */
  private hashes: Int32Array;
  /** Insertion sequence of each slot's entry, for ordered iteration. */
  private seqs: Float64Array;
  private mask: number;
  private seq = 0;
  size = 0;

  constructor(capacity = 64) {
    let cap = 8;
    while (cap < capacity) cap *= 2;
    this.mask = cap - 1;
    this.keys = new Array<bigint | undefined>(cap).fill(undefined);
    this.vals = new Array<V | undefined>(cap).fill(undefined);
    this.hashes = new Int32Array(cap);
    this.seqs = new Float64Array(cap);
  }

  private static hash(key: bigint): number {
    // Roots are uniformly random, so their low bits are a good hash; this form compiles without
    // allocating an intermediate bigint where BigInt.asUintN(32, key) does not.
    return Number(BigInt.asUintN(64, key & 0x3fffffffn));
  }

  /** Slot of `key`, or -1. */
  private find(key: bigint): number {
    if (this.size === 0) return -1;
    const keys = this.keys;
    const mask = this.mask;
    for (let i = RootTable.hash(key) & mask; ; i = (i + 1) & mask) {
      const k = keys[i];
      if (k === undefined) return -1;
      if (k === key) return i;
    }
  }

  get(key: bigint): V | undefined {
    const i = this.find(key);
    return i < 0 ? undefined : this.vals[i];
  }

  has(key: bigint): boolean {
    return this.find(key) >= 0;
  }

  /** Inserts or replaces; a replaced entry keeps its place in the iteration order, as in a Map. */
  set(key: bigint, value: V): void {
    if ((this.size + 1) * 2 > this.mask + 1) this.grow();
    const keys = this.keys;
    const mask = this.mask;
    const h = RootTable.hash(key);
    let i = h & mask;
    for (;;) {
      const k = keys[i];
      if (k === undefined) break;
      if (k === key) {
        this.vals[i] = value;
        return;
      }
      i = (i + 1) & mask;
    }
    keys[i] = key;
    this.vals[i] = value;
    this.hashes[i] = h;
    this.seqs[i] = this.seq++;
    this.size++;
  }

  /** Removes `key` and returns its value (undefined when absent). */
  remove(key: bigint): V | undefined {
    let i = this.find(key);
    if (i < 0) return undefined;
    const keys = this.keys;
    const vals = this.vals;
    const value = vals[i];
    const mask = this.mask;
    // Backward-shift deletion: pull later entries of the probe run into the hole, so lookups never
    // need tombstones.
    for (let j = (i + 1) & mask; keys[j] !== undefined; j = (j + 1) & mask) {
      const home = this.hashes[j]! & mask;
      // The entry at j may move to i only if its home slot is not cyclically within (i, j].
      const stays = i <= j ? home > i && home <= j : home > i || home <= j;
      if (stays) continue;
      keys[i] = keys[j];
      vals[i] = vals[j];
      this.hashes[i] = this.hashes[j]!;
      this.seqs[i] = this.seqs[j]!;
      i = j;
    }
    keys[i] = undefined;
    vals[i] = undefined;
    this.size--;
    return value;
  }

  /** The values in first-insertion order. */
  valuesInOrder(): V[] {
    const slots: number[] = [];
    for (let i = 0; i <= this.mask; i++) if (this.keys[i] !== undefined) slots.push(i);
    slots.sort((a, b) => this.seqs[a]! - this.seqs[b]!);
    return slots.map((i) => this.vals[i] as V);
  }

  clear(): void {
    if (this.size === 0) return;
    this.keys.fill(undefined);
    this.vals.fill(undefined);
    this.size = 0;
  }

  private grow(): void {
    const oldKeys = this.keys;
    const oldVals = this.vals;
    const oldSeqs = this.seqs;
    const cap = (this.mask + 1) * 2;
    this.mask = cap - 1;
    this.keys = new Array<bigint | undefined>(cap).fill(undefined);
    this.vals = new Array<V | undefined>(cap).fill(undefined);
    this.hashes = new Int32Array(cap);
    this.seqs = new Float64Array(cap);
    for (let j = 0; j < oldKeys.length; j++) {
      const key = oldKeys[j];
      if (key === undefined) continue;
      const h = RootTable.hash(key);
      let i = h & this.mask;
      while (this.keys[i] !== undefined) i = (i + 1) & this.mask;
      this.keys[i] = key;
      this.vals[i] = oldVals[j];
      this.hashes[i] = h;
      this.seqs[i] = oldSeqs[j]!;
    }
  }
}
