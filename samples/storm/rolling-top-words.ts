/**
 * storm-starter's RollingTopWords: test words → rolling counts over a sliding window of tick-driven
 * slots (fields grouping on the word) → intermediate top-N rankings per task (fields grouping on
 * the word) → one total ranking (global grouping), printed whenever it is emitted.
 * Run: node cli/bin.js run samples/storm/rolling-top-words.ts --ttl 20
 */
import {
  BaseBasicBolt,
  BaseRichBolt,
  Config,
  Fields,
  IllegalArgumentException,
  TopologyBuilder,
  TupleUtils,
  Values,
  type BasicOutputCollector,
  type Conf,
  type IRichSpout,
  type OutputCollector,
  type OutputFieldsDeclarer,
  type TopologyContext,
  type Tuple,
  TestWordSpout,
} from '../../compat/index.ts';
import { PrinterBolt } from './lib/printer-bolt.ts';

// --- tools -------------------------------------------------------------------------------------

/** Counts per object in a ring of slots; a slot is wiped when the window slides past it. */
export class SlotBasedCounter<T> {
  private readonly objToCounts = new Map<T, number[]>();
  private readonly numSlots: number;

  constructor(numSlots: number) {
    if (numSlots <= 0)
      throw new IllegalArgumentException(`Number of slots must be greater than zero (you requested ${numSlots})`);
    this.numSlots = numSlots;
  }

  incrementCount(obj: T, slot: number): void {
    let counts = this.objToCounts.get(obj);
    if (counts === undefined) this.objToCounts.set(obj, (counts = new Array<number>(this.numSlots).fill(0)));
    counts[slot]!++;
  }

  getCount(obj: T, slot: number): number {
    return this.objToCounts.get(obj)?.[slot] ?? 0;
  }

  /** Total over all slots, per object. */
  getCounts(): Map<T, number> {
    const result = new Map<T, number>();
    for (const [obj, counts] of this.objToCounts)
      result.set(
        obj,
        counts.reduce((a, b) => a + b, 0),
      );
    return result;
  }

  wipeSlot(slot: number): void {
    for (const counts of this.objToCounts.values()) counts[slot] = 0;
  }

  /** Forgets objects whose total is zero, so the counter does not grow forever. */
  wipeZeros(): void {
    for (const [obj, counts] of this.objToCounts) if (counts.every((c) => c === 0)) this.objToCounts.delete(obj);
  }
}

/** A sliding window of `windowLengthInSlots` slots: counts go to the head slot; advancing wipes the tail. */
export class SlidingWindowCounter<T> {
  private readonly objCounter: SlotBasedCounter<T>;
  private headSlot = 0;
  private tailSlot: number;
  private readonly windowLengthInSlots: number;

  constructor(windowLengthInSlots: number) {
    if (windowLengthInSlots < 2) {
      throw new IllegalArgumentException(
        `Window length in slots must be at least two (you requested ${windowLengthInSlots})`,
      );
    }
    this.windowLengthInSlots = windowLengthInSlots;
    this.objCounter = new SlotBasedCounter<T>(windowLengthInSlots);
    this.tailSlot = this.slotAfter(this.headSlot);
  }

  incrementCount(obj: T): void {
    this.objCounter.incrementCount(obj, this.headSlot);
  }

  /** The window's counts; then the oldest slot is dropped and a fresh head slot starts. */
  getCountsThenAdvanceWindow(): Map<T, number> {
    const counts = this.objCounter.getCounts();
    this.objCounter.wipeZeros();
    this.objCounter.wipeSlot(this.tailSlot);
    this.headSlot = this.tailSlot;
    this.tailSlot = this.slotAfter(this.tailSlot);
    return counts;
  }

  private slotAfter(slot: number): number {
    return (slot + 1) % this.windowLengthInSlots;
  }
}

/** Remembers the last N modification times, to report how long the window really spans. */
export class NthLastModifiedTimeTracker {
  private readonly capacity: number;
  private readonly lastModifiedTimesSecs: number[] = [];

  constructor(numTimesToTrack: number) {
    if (numTimesToTrack < 1) {
      throw new IllegalArgumentException(
        `numTimesToTrack must be greater than zero (you requested ${numTimesToTrack})`,
      );
    }
    this.capacity = numTimesToTrack;
    this.markAsModified();
  }

  secondsSinceOldestModification(): number {
    return nowSecs() - this.lastModifiedTimesSecs[0]!;
  }

  markAsModified(): void {
    this.lastModifiedTimesSecs.push(nowSecs());
    if (this.lastModifiedTimesSecs.length > this.capacity) this.lastModifiedTimesSecs.shift();
  }
}

function nowSecs(): number {
  return Math.floor(Date.now() / 1000);
}

export interface Rankable {
  getObject(): unknown;
  getCount(): number;
  /** Negative, zero or positive as this count is below, equal to or above the other's. */
  compareTo(other: Rankable): number;
  copy(): Rankable;
}

/** A ranked object with its count and the tuple's other fields; equal when the objects are. */
export class RankableObjectWithFields implements Rankable {
  private readonly obj: unknown;
  private readonly count: number;
  private readonly fields: readonly unknown[];

  constructor(obj: unknown, count: number, ...otherFields: unknown[]) {
    if (obj == null) throw new IllegalArgumentException('The object must not be null');
    if (count < 0) throw new IllegalArgumentException('The count must be >= 0');
    this.obj = obj;
    this.count = count;
    this.fields = otherFields;
  }

  /** From a tuple laid out as (object, count, other fields…). */
  static from(tuple: Tuple): RankableObjectWithFields {
    const [obj, count, ...otherFields] = tuple.getValues();
    return new RankableObjectWithFields(obj, Number(count), ...otherFields);
  }

  getObject(): unknown {
    return this.obj;
  }

  getCount(): number {
    return this.count;
  }

  getFields(): readonly unknown[] {
    return this.fields;
  }

  compareTo(other: Rankable): number {
    return Math.sign(this.count - other.getCount());
  }

  equals(other: unknown): boolean {
    return other instanceof RankableObjectWithFields && other.obj === this.obj;
  }

  copy(): Rankable {
    return new RankableObjectWithFields(this.obj, this.count, ...this.fields);
  }

  toString(): string {
    return `[${[this.obj, this.count, ...this.fields].map(String).join('|')}]`;
  }
}

/** The top N rankables, highest count first. */
export class Rankings {
  private readonly maxSizeValue: number;
  private readonly rankedItems: Rankable[] = [];

  constructor(topN: number | Rankings = 10) {
    if (topN instanceof Rankings) {
      this.maxSizeValue = topN.maxSize();
      this.updateWith(topN);
      return;
    }
    if (topN < 1) throw new IllegalArgumentException('topN must be >= 1');
    this.maxSizeValue = topN;
  }

  maxSize(): number {
    return this.maxSizeValue;
  }

  size(): number {
    return this.rankedItems.length;
  }

  /** Copies of the ranked items, highest count first. */
  getRankings(): Rankable[] {
    return this.rankedItems.map((r) => r.copy());
  }

  updateWith(r: Rankings | Rankable): void {
    if (r instanceof Rankings) {
      for (const item of r.getRankings()) this.updateWith(item);
      return;
    }
    const rank = this.rankedItems.findIndex((cur) => cur.getObject() === r.getObject());
    if (rank >= 0) this.rankedItems[rank] = r;
    else this.rankedItems.push(r);
    // Java sorts ascending (stable) and reverses: ties end up newest first, and so do they here.
    this.rankedItems.sort((a, b) => a.compareTo(b));
    this.rankedItems.reverse();
    if (this.rankedItems.length > this.maxSizeValue) this.rankedItems.splice(this.maxSizeValue, 1);
  }

  pruneZeroCounts(): void {
    for (let i = 0; i < this.rankedItems.length; ) {
      if (this.rankedItems[i]!.getCount() === 0) this.rankedItems.splice(i, 1);
      else i++;
    }
  }

  copy(): Rankings {
    return new Rankings(this);
  }

  toString(): string {
    return `[${this.rankedItems.map(String).join(', ')}]`;
  }
}

// --- bolts -------------------------------------------------------------------------------------

const NUM_WINDOW_CHUNKS = 5;
const DEFAULT_SLIDING_WINDOW_IN_SECONDS = NUM_WINDOW_CHUNKS * 60;
const DEFAULT_EMIT_FREQUENCY_IN_SECONDS = DEFAULT_SLIDING_WINDOW_IN_SECONDS / NUM_WINDOW_CHUNKS;

/**
 * Counts objects over a sliding window of `windowLengthInSeconds`, emitting every object's
 * count (obj, count, actualWindowLengthInSeconds) on each tick, every `emitFrequencyInSeconds`.
 */
export class RollingCountBolt extends BaseRichBolt {
  private readonly counter: SlidingWindowCounter<unknown>;
  private readonly windowLengthInSeconds: number;
  private readonly emitFrequencyInSeconds: number;
  private collector!: OutputCollector;
  private lastModifiedTracker!: NthLastModifiedTimeTracker;

  constructor(
    windowLengthInSeconds = DEFAULT_SLIDING_WINDOW_IN_SECONDS,
    emitFrequencyInSeconds = DEFAULT_EMIT_FREQUENCY_IN_SECONDS,
  ) {
    super();
    this.windowLengthInSeconds = windowLengthInSeconds;
    this.emitFrequencyInSeconds = emitFrequencyInSeconds;
    this.counter = new SlidingWindowCounter(
      this.deriveNumWindowChunksFrom(windowLengthInSeconds, emitFrequencyInSeconds),
    );
  }

  private deriveNumWindowChunksFrom(windowLengthInSeconds: number, windowUpdateFrequencyInSeconds: number): number {
    return Math.trunc(windowLengthInSeconds / windowUpdateFrequencyInSeconds);
  }

  prepare(_conf: Conf, _context: TopologyContext, collector: OutputCollector): void {
    this.collector = collector;
    this.lastModifiedTracker = new NthLastModifiedTimeTracker(
      this.deriveNumWindowChunksFrom(this.windowLengthInSeconds, this.emitFrequencyInSeconds),
    );
  }

  execute(tuple: Tuple): void {
    if (TupleUtils.isTick(tuple)) this.emitCurrentWindowCounts();
    else this.countObjAndAck(tuple);
  }

  private emitCurrentWindowCounts(): void {
    const counts = this.counter.getCountsThenAdvanceWindow();
    const actualWindowLengthInSeconds = this.lastModifiedTracker.secondsSinceOldestModification();
    this.lastModifiedTracker.markAsModified();
    for (const [obj, count] of counts) this.collector.emit(new Values(obj, count, actualWindowLengthInSeconds));
  }

  private countObjAndAck(tuple: Tuple): void {
    this.counter.incrementCount(tuple.getValue(0));
    this.collector.ack(tuple);
  }

  override declareOutputFields(declarer: OutputFieldsDeclarer): void {
    declarer.declare(new Fields('obj', 'count', 'actualWindowLengthInSeconds'));
  }

  override getComponentConfiguration(): Conf | null {
    return { [Config.TOPOLOGY_TICK_TUPLE_FREQ_SECS]: this.emitFrequencyInSeconds };
  }
}

const DEFAULT_RANKER_EMIT_FREQUENCY_IN_SECONDS = 2;
const DEFAULT_COUNT = 10;

/** Keeps top-N rankings; a tick emits a copy of them. Subclasses say how a tuple updates them. */
export abstract class AbstractRankerBolt extends BaseBasicBolt {
  private readonly emitFrequencyInSeconds: number;
  private readonly count: number;
  private readonly rankings: Rankings;

  constructor(topN = DEFAULT_COUNT, emitFrequencyInSeconds = DEFAULT_RANKER_EMIT_FREQUENCY_IN_SECONDS) {
    super();
    if (topN < 1) throw new IllegalArgumentException(`topN must be >= 1 (you requested ${topN})`);
    if (emitFrequencyInSeconds < 1) {
      throw new IllegalArgumentException(
        `The emit frequency must be >= 1 seconds (you requested ${emitFrequencyInSeconds} seconds)`,
      );
    }
    this.count = topN;
    this.emitFrequencyInSeconds = emitFrequencyInSeconds;
    this.rankings = new Rankings(this.count);
  }

  protected getRankings(): Rankings {
    return this.rankings;
  }

  execute(tuple: Tuple, collector: BasicOutputCollector): void {
    if (TupleUtils.isTick(tuple)) collector.emit(new Values(this.rankings.copy()));
    else this.updateRankingsWithTuple(tuple);
  }

  protected abstract updateRankingsWithTuple(tuple: Tuple): void;

  override declareOutputFields(declarer: OutputFieldsDeclarer): void {
    declarer.declare(new Fields('rankings'));
  }

  override getComponentConfiguration(): Conf | null {
    return { [Config.TOPOLOGY_TICK_TUPLE_FREQ_SECS]: this.emitFrequencyInSeconds };
  }
}

/** Ranks the (obj, count, …) tuples of its share of the objects. */
export class IntermediateRankingsBolt extends AbstractRankerBolt {
  protected updateRankingsWithTuple(tuple: Tuple): void {
    this.getRankings().updateWith(RankableObjectWithFields.from(tuple));
  }
}

/** Merges the intermediate rankings into the total one; objects whose count fell to zero drop out. */
export class TotalRankingsBolt extends AbstractRankerBolt {
  protected updateRankingsWithTuple(tuple: Tuple): void {
    const rankingsToBeMerged = tuple.getValue(0) as Rankings;
    this.getRankings().updateWith(rankingsToBeMerged);
    this.getRankings().pruneZeroCounts();
  }
}

// --- topology ----------------------------------------------------------------------------------

export const TOP_N = 5;

export interface RollingTopWordsOptions {
  spout?: IRichSpout;
  topN?: number;
  windowLengthInSeconds?: number;
  emitFrequencyInSeconds?: number;
  rankerEmitFrequencyInSeconds?: number;
}

export function rollingTopWordsBuilder(options: RollingTopWordsOptions = {}): TopologyBuilder {
  const topN = options.topN ?? TOP_N;
  const rankerEmit = options.rankerEmitFrequencyInSeconds ?? DEFAULT_RANKER_EMIT_FREQUENCY_IN_SECONDS;
  const builder = new TopologyBuilder();
  const spoutId = 'wordGenerator';
  const counterId = 'counter';
  const intermediateRankerId = 'intermediateRanker';
  const totalRankerId = 'finalRanker';
  builder.setSpout(spoutId, options.spout ?? new TestWordSpout(), 5);
  builder
    .setBolt(
      counterId,
      new RollingCountBolt(options.windowLengthInSeconds ?? 9, options.emitFrequencyInSeconds ?? 3),
      4,
    )
    .fieldsGrouping(spoutId, new Fields('word'));
  builder
    .setBolt(intermediateRankerId, new IntermediateRankingsBolt(topN, rankerEmit), 4)
    .fieldsGrouping(counterId, new Fields('obj'));
  builder.setBolt(totalRankerId, new TotalRankingsBolt(topN, rankerEmit)).globalGrouping(intermediateRankerId);
  builder.setBolt('printer', new PrinterBolt()).shuffleGrouping(totalRankerId);
  return builder;
}

export default rollingTopWordsBuilder().createTopology();
