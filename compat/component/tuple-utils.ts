import { Config } from './config.ts';
import { Constants } from './constants.ts';
import { javaDeepHashCode, javaTaskIndex } from '../topology/canonical.ts';

interface SourceOf {
  getSourceComponent(): string;
  getSourceStreamId(): string;
}

/** Storm's `TupleUtils` (§8). */
export const TupleUtils = {
  /** True iff `t` is a system tick (non-null, from `__system` on `__tick`). */
  isTick(t: SourceOf | null | undefined): boolean {
    return (
      t != null &&
      t.getSourceComponent() === Constants.SYSTEM_COMPONENT_ID &&
      t.getSourceStreamId() === Constants.SYSTEM_TICK_STREAM_ID
    );
  },

  /**
   * Sets `topology.tick.tuple.freq.secs` when `secs > 0`; creates a `Config` when `conf` is null.
   * Returns the map it wrote to, as Storm does, so `getComponentConfiguration` can return it.
   */
  putTickFrequencyIntoComponentConfig<C extends Record<string, unknown>>(
    conf: C | null | undefined,
    tickFreqSecs: number | bigint,
  ): C | Config {
    const target: Record<string, unknown> = conf ?? new Config();
    const secs = Number(tickFreqSecs);
    if (secs > 0) target[Config.TOPOLOGY_TICK_TUPLE_FREQ_SECS] = Math.trunc(secs);
    return target as C | Config;
  },

  /** Storm's `chooseTaskIndex`: `floorMod(Arrays.deepHashCode(keys), n)` (the Java hash mode). */
  chooseTaskIndex(keys: readonly unknown[] | null | undefined, numTasks: number): number {
    if (keys == null) return 0;
    return javaTaskIndex(keys, numTasks);
  },

  /** Storm's `listHashCode`: `Arrays.deepHashCode`, 0 for null. */
  listHashCode(keys: readonly unknown[] | null | undefined): number {
    if (keys == null) return 0;
    return javaDeepHashCode(keys);
  },
} as const;
