import { Config } from './config.ts';
import { Constants } from './constants.ts';
import { javaDeepHashCode, javaTaskIndex } from './canonical.ts';

interface SourceOf {
  getSourceComponent(): string;
  getSourceStreamId(): string;
}

type ConfLike = Record<string, unknown> | Map<string, unknown>;

/**
 * Sets `topology.tick.tuple.freq.secs` when `secs > 0`; creates a `Config` when `conf` is null.
 * Returns the map it wrote to, as Storm does, so `getComponentConfiguration` can return it.
 */
function putTickFrequencyIntoComponentConfig(conf: null | undefined, tickFreqSecs: number | bigint): Config;
function putTickFrequencyIntoComponentConfig<C extends ConfLike>(conf: C, tickFreqSecs: number | bigint): C;
function putTickFrequencyIntoComponentConfig(
  conf: ConfLike | null | undefined,
  tickFreqSecs: number | bigint,
): ConfLike {
  const target = conf ?? new Config();
  const secs = Math.trunc(Number(tickFreqSecs));
  if (secs > 0) {
    if (target instanceof Map) target.set(Config.TOPOLOGY_TICK_TUPLE_FREQ_SECS, secs);
    else target[Config.TOPOLOGY_TICK_TUPLE_FREQ_SECS] = secs;
  }
  return target;
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

  putTickFrequencyIntoComponentConfig,

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
