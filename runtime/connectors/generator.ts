import type { PollResult, Source, SourceContext, SourceOutput, SourceReader } from '../api/source.ts';
import { ConfigError } from '../errors.ts';

/**
 * A deterministic pseudo-random sequence: `random()` after `reseed(seed, index)` always yields the
 * same numbers for the same record index, so a replay after restore regenerates identical records.
 */
export class IndexedRandom {
  private state = 0;

  reseed(seed: number, index: number): void {
    // splitmix-style scramble of (seed, index) into 32 bits; cheap and well spread.
    let h = (seed ^ Math.imul(index, 0x9e3779b1)) >>> 0;
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
    this.state = (h ^ (h >>> 16)) >>> 0;
  }

  /** mulberry32 */
  random(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  int(bound: number): number {
    return Math.floor(this.random() * bound);
  }
}

export interface GeneratorOptions<T> {
  /** Builds record `index`; use `random` for reproducible randomness. */
  generate(index: number, random: IndexedRandom): T;
  /** Total records across all subtasks; unbounded when omitted. */
  count?: number;
  /** Records per second across all subtasks; as fast as possible when omitted. */
  ratePerSecond?: number;
  seed?: number;
  /** Event time of record `index`; without it records carry no timestamp. */
  timestamp?(index: number): number;
}

interface GeneratorState {
  next: number;
}

/** Subtask i of p emits indices i, i+p, i+2p, …: parallel, and replayable from a single counter. */
export function generatorSource<T>(options: GeneratorOptions<T>): Source<T, GeneratorState> {
  if (options.count !== undefined && !(Number.isInteger(options.count) && options.count >= 0)) {
    throw new ConfigError(`generator count must be an integer >= 0, got ${String(options.count)}`);
  }
  if (options.ratePerSecond !== undefined && !(options.ratePerSecond > 0)) {
    throw new ConfigError(`generator ratePerSecond must be > 0, got ${String(options.ratePerSecond)}`);
  }
  return { createReader: (context) => new GeneratorReader(options, context) };
}

class GeneratorReader<T> implements SourceReader<T, GeneratorState> {
  private next: number;
  private readonly step: number;
  private readonly random = new IndexedRandom();
  private readonly seed: number;
  private readonly perSubtaskRate: number | undefined;
  private startedAt = 0;
  private emittedSinceStart = 0;

  constructor(
    private readonly options: GeneratorOptions<T>,
    context: SourceContext,
  ) {
    this.next = context.subtaskIndex;
    this.step = context.parallelism;
    this.seed = options.seed ?? 42;
    this.perSubtaskRate = options.ratePerSecond === undefined ? undefined : options.ratePerSecond / context.parallelism;
  }

  get idleBackoffMs(): number {
    return 1;
  }

  start(): void {
    this.startedAt = performance.now();
    this.emittedSinceStart = 0;
  }

  poll(output: SourceOutput<T>, maxRecords: number): PollResult {
    const count = this.options.count;
    let budget = maxRecords;
    if (this.perSubtaskRate !== undefined) {
      const allowed =
        Math.floor(((performance.now() - this.startedAt) / 1000) * this.perSubtaskRate) - this.emittedSinceStart;
      if (allowed <= 0) return 'idle';
      budget = Math.min(budget, allowed);
    }
    const timestamp = this.options.timestamp;
    for (let i = 0; i < budget; i++) {
      const index = this.next;
      if (count !== undefined && index >= count) return 'end';
      this.random.reseed(this.seed, index);
      const value = this.options.generate(index, this.random);
      this.next = index + this.step;
      this.emittedSinceStart++;
      if (timestamp) output.collect(value, timestamp(index));
      else output.collect(value);
    }
    return count !== undefined && this.next >= count ? 'end' : 'more';
  }

  snapshotState(): GeneratorState {
    return { next: this.next };
  }

  restoreState(state: GeneratorState): void {
    this.next = state.next;
  }
}
