/** Storm's `Utils` subset that topologies use (§6, R7). */
import { currentClock, sleepOn } from './time.ts';

/** Installed by the executor so `Utils.sleep` inside a task callback becomes a task back-off (R7). */
export type SleepHook = (ms: number) => Promise<void>;

/** Outside a task: a plain wait on Storm's clock (simulated time while simulating, §12). */
const plainTimer: SleepHook = (ms) => sleepOn(currentClock(), ms);

let sleepHook: SleepHook = plainTimer;

/**
 * EXECUTOR HOOK. The executor installs a function that, when called inside a task callback,
 * records the back-off for that task (its next callback starts no earlier than `callTime + ms`)
 * and returns a Promise resolving after `ms`; outside tasks it should behave as a plain timer.
 * `null` restores the default plain timer. Returns the previous hook so tests can restore it.
 */
export function setSleepHook(fn: SleepHook | null): SleepHook {
  const prev = sleepHook;
  sleepHook = fn ?? plainTimer;
  return prev;
}

export const Utils = {
  DEFAULT_STREAM_ID: 'default',

  /** True iff `id` is reserved for Storm's own components and streams (`__` prefix). */
  isSystemId(id: string): boolean {
    return typeof id === 'string' && id.startsWith('__');
  },

  /** `Promise<void>`; see R7 and `setSleepHook`. Accepts bigint like every numeric Storm API. */
  sleep(ms: number | bigint): Promise<void> {
    return sleepHook(Number(ms));
  },

  /** Java `Utils.tuple(Object...)`: the values as a list. */
  tuple(...values: unknown[]): unknown[] {
    return values.slice();
  },

  /** Java `Utils.get(map, key, default)`: the value, or the default when absent or null. */
  get<V>(map: Map<unknown, V> | Record<string, V> | null | undefined, key: string, def: V): V {
    if (map == null) return def;
    const v = map instanceof Map ? map.get(key) : (map as Record<string, V>)[key];
    return v === undefined || v === null ? def : v;
  },
} as const;
