import { IllegalArgumentException } from '../component/exceptions.ts';

/** Called for every entry that falls off the oldest bucket (Storm's `RotatingMap.ExpiredCallback`). */
export interface ExpiredCallback<K, V> {
  expire(key: K, value: V): void;
}

/**
 * Storm's RotatingMap: entries live in the newest bucket when put and move one bucket older per
 * `rotate()`, so an entry expires after between N−1 and N rotations. No timers: whoever owns it rotates.
 * Keys compare like JS `Map` keys (bigint ids compare by value).
 */
export class RotatingMap<K, V> {
  /** Index 0 is the newest bucket. */
  private readonly buckets: Map<K, V>[];
  private readonly callback: ExpiredCallback<K, V> | null;

  constructor(numBuckets?: number, callback?: ExpiredCallback<K, V> | ((key: K, value: V) => void) | null);
  constructor(callback: ExpiredCallback<K, V> | ((key: K, value: V) => void));
  constructor(
    a?: number | ExpiredCallback<K, V> | ((key: K, value: V) => void) | null,
    b?: ExpiredCallback<K, V> | ((key: K, value: V) => void) | null,
  ) {
    let numBuckets = 3;
    let cb: ExpiredCallback<K, V> | ((key: K, value: V) => void) | null | undefined = b;
    if (typeof a === 'number') numBuckets = a;
    else if (a != null) cb = a;
    if (!Number.isInteger(numBuckets) || numBuckets < 2) {
      throw new IllegalArgumentException('numBuckets must be >= 2');
    }
    this.buckets = [];
    for (let i = 0; i < numBuckets; i++) this.buckets.push(new Map());
    this.callback = cb == null ? null : typeof cb === 'function' ? { expire: cb } : cb;
  }

  /** Drops the oldest bucket, reports its entries to the callback and returns them. */
  rotate(): Map<K, V> {
    const dead = this.buckets.pop()!;
    this.buckets.unshift(new Map());
    if (this.callback !== null) {
      for (const [k, v] of dead) this.callback.expire(k, v);
    }
    return dead;
  }

  containsKey(key: K): boolean {
    for (const bucket of this.buckets) if (bucket.has(key)) return true;
    return false;
  }

  get(key: K): V | null {
    const buckets = this.buckets;
    for (let i = 0; i < buckets.length; i++) {
      const bucket = buckets[i]!;
      // Older buckets are usually empty between rotations; a lookup still hashes the key.
      if (bucket.size === 0) continue;
      // One lookup on the hot path; `has` only disambiguates a stored undefined.
      const v = bucket.get(key);
      if (v !== undefined || bucket.has(key)) return v as V;
    }
    return null;
  }

  /** Puts into the newest bucket, so re-putting an entry restarts its expiry. */
  put(key: K, value: V): void {
    const buckets = this.buckets;
    buckets[0]!.set(key, value);
    for (let i = 1; i < buckets.length; i++) {
      const bucket = buckets[i]!;
      if (bucket.size !== 0) bucket.delete(key);
    }
  }

  remove(key: K): V | null {
    const buckets = this.buckets;
    for (let i = 0; i < buckets.length; i++) {
      const bucket = buckets[i]!;
      if (bucket.size === 0) continue;
      const v = bucket.get(key);
      if (v !== undefined || bucket.has(key)) {
        bucket.delete(key);
        return v as V;
      }
    }
    return null;
  }

  /** `remove` for callers that do not need the value: one lookup per bucket instead of two. */
  delete(key: K): boolean {
    const buckets = this.buckets;
    for (let i = 0; i < buckets.length; i++) {
      const bucket = buckets[i]!;
      if (bucket.size !== 0 && bucket.delete(key)) return true;
    }
    return false;
  }

  size(): number {
    let n = 0;
    for (const bucket of this.buckets) n += bucket.size;
    return n;
  }

  /** Entries from newest to oldest bucket, for snapshots and debugging. */
  *entries(): IterableIterator<[K, V]> {
    for (const bucket of this.buckets) yield* bucket;
  }
}
