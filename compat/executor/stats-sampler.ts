/**
 * Storm's stats sampler (`topology.stats.sample.rate`, default 0.05): of every `round(1/rate)`
 * consecutive calls exactly one, at a random place in its window, answers true. Storm's spout reads
 * the clock at emit only for a sampled tuple, so complete latency costs nothing on the others; an
 * even sampler (rather than a coin per tuple) keeps the sampled share exact over any whole window.
 */
import { CONFIG_KEYS } from '../component/config-keys.ts';
import type { Conf } from '../component/config.ts';
import { IllegalArgumentException } from '../component/exceptions.ts';

export const DEFAULT_STATS_SAMPLE_RATE = 0.05;

/** Picks an integer in [0, n). */
export type SamplePicker = (n: number) => number;

const randomPick: SamplePicker = (n) => Math.floor(Math.random() * n);

/** Calls per sample for the conf's rate; a rate outside (0, 1] is refused as Storm refuses it. */
export function samplingFrequency(conf: Conf): number {
  const raw = conf[CONFIG_KEYS.TOPOLOGY_STATS_SAMPLE_RATE];
  if (raw === undefined || raw === null) return Math.trunc(1 / DEFAULT_STATS_SAMPLE_RATE);
  const rate = typeof raw === 'string' ? Number(raw.trim()) : typeof raw === 'number' ? raw : Number.NaN;
  if (!Number.isFinite(rate) || rate <= 0 || rate > 1)
    throw new IllegalArgumentException(
      `Illegal ${CONFIG_KEYS.TOPOLOGY_STATS_SAMPLE_RATE} in conf: ${String(raw)} (a number in (0, 1] is expected)`,
    );
  return Math.max(1, Math.trunc(1 / rate));
}

export class StatsSampler {
  private pos = -1;
  private target: number;

  constructor(
    readonly frequency: number,
    private readonly pick: SamplePicker = randomPick,
  ) {
    this.target = frequency === 1 ? 0 : pick(frequency);
  }

  /** True for the one call in each window of `frequency` that is sampled. */
  check(): boolean {
    if (++this.pos === this.frequency) {
      this.pos = 0;
      if (this.frequency !== 1) this.target = this.pick(this.frequency);
    }
    return this.pos === this.target;
  }
}
