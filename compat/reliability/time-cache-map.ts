import { IllegalArgumentException } from '../component/exceptions.ts';
import { currentClock, every } from '../component/time.ts';
import { RotatingMap, type ExpiredCallback } from './rotating-map.ts';

type Callback<K, V> = ExpiredCallback<K, V> | ((key: K, value: V) => void);

/**
 * Storm's deprecated TimeCacheMap: a RotatingMap rotated by its own timer every
 * `expirationSecs / (numBuckets − 1)` seconds, so entries expire between `expirationSecs` and
 * `expirationSecs × numBuckets / (numBuckets − 1)` after their last put. Storm runs the cleaner on a daemon
 * thread; here it is an unref'd interval on the event loop, so it never keeps the process alive.
 * `cleanup()` stops it.
 */
export class TimeCacheMap<K, V> {
  private readonly rotatingMap: RotatingMap<K, V>;
  private readonly callback: ExpiredCallback<K, V> | null;
  private stopTimer: (() => void) | null;

  constructor(expirationSecs: number, numBuckets?: number, callback?: Callback<K, V> | null);
  constructor(expirationSecs: number, callback: Callback<K, V>);
  constructor(expirationSecs: number, a?: number | Callback<K, V> | null, b?: Callback<K, V> | null) {
    let numBuckets = 3;
    let cb: Callback<K, V> | null | undefined = b;
    if (typeof a === 'number') numBuckets = a;
    else if (a != null) cb = a;
    if (!Number.isInteger(numBuckets) || numBuckets < 2) {
      throw new IllegalArgumentException('numBuckets must be >= 2');
    }
    this.rotatingMap = new RotatingMap<K, V>(numBuckets);
    this.callback = cb == null ? null : typeof cb === 'function' ? { expire: cb } : cb;
    const sleepMs = Math.trunc((Math.trunc(expirationSecs) * 1000) / (numBuckets - 1));
    // Storm's cleaner thread sleeps on Time: in simulated time entries expire as time is advanced.
    this.stopTimer = every(currentClock(), Math.max(1, sleepMs), () => this.expireOldest());
  }

  private expireOldest(): void {
    const dead = this.rotatingMap.rotate();
    if (this.callback !== null) {
      for (const [k, v] of dead) this.callback.expire(k, v);
    }
  }

  containsKey(key: K): boolean {
    return this.rotatingMap.containsKey(key);
  }

  get(key: K): V | null {
    return this.rotatingMap.get(key);
  }

  put(key: K, value: V): void {
    this.rotatingMap.put(key, value);
  }

  remove(key: K): V | null {
    return this.rotatingMap.remove(key);
  }

  size(): number {
    return this.rotatingMap.size();
  }

  cleanup(): void {
    if (this.stopTimer !== null) {
      this.stopTimer();
      this.stopTimer = null;
    }
  }
}
