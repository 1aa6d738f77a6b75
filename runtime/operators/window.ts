import { NO_TIMESTAMP, type AggregateFunction, type KeySelector, type OutputTag } from '../api/functions.ts';
import type { Collector } from '../api/process-function.ts';
import { alignToStart, assignWindows, type TimeWindow, type WindowAssigner } from '../api/windows.ts';
import { StormshiftError } from '../errors.ts';
import {
  ListStateDescriptor,
  MapStateDescriptor,
  ValueStateDescriptor,
  type ListState,
  type MapState,
  type ValueState,
} from '../state/index.ts';
import { CollectingOperator } from './collecting-operator.ts';
import { userError } from './user-error.ts';

/** Called once per fired window with everything the window holds (or its aggregate). */
export type WindowFunction<K, IN, OUT> = (key: K, window: TimeWindow, input: IN, out: Collector<OUT>) => void;

/**
 * What a window keeps: an incremental accumulator (reduce/aggregate) or all elements (process).
 * Either way it is one value per (key, window) in keyed map state, so windows are checkpointed
 * with the rest of keyed state.
 */
export interface WindowContents<ACC> {
  fold(acc: ACC | undefined, value: unknown): ACC;
  merge(a: ACC, b: ACC): ACC;
  /** Whether merge works (an aggregate function may have no merge()). */
  readonly mergeable: boolean;
}

interface WindowEntry<ACC> {
  start: number;
  end: number;
  acc: ACC;
}

export interface WindowOptions {
  allowedLatenessMs: number;
  lateTag: OutputTag<unknown> | undefined;
}

const FIRE = 'f';
const CLEANUP = 'c';

export class WindowOperator<K, IN, ACC, OUT> extends CollectingOperator<IN, OUT> {
  private windows!: MapState<string, WindowEntry<ACC>>;
  private readonly eventTime: boolean;
  /** Storm's rule for start-aligned windows: fire at the window's end, not at its last ms. */
  private readonly fireAtEnd: boolean;
  /** The assigner as configured; `assigner` is it fixed to this open's start when start-aligned. */
  private readonly configured: WindowAssigner;
  private assigner: WindowAssigner;

  constructor(
    assigner: WindowAssigner,
    private readonly keySelector: KeySelector<IN, K>,
    private readonly contents: WindowContents<ACC>,
    private readonly emitWindow: WindowFunction<K, ACC, OUT>,
    private readonly options: WindowOptions,
  ) {
    super();
    this.eventTime = assigner.time === 'event';
    this.configured = assigner;
    this.assigner = assigner;
    this.fireAtEnd = assigner.kind !== 'session' && assigner.alignTo === 'start';
  }

  override open(): void {
    // Every open (a restore too) is a new start, as Storm's trigger restarts with its executor.
    this.assigner = alignToStart(this.configured, this.context.processingTime.now());
    this.windows = this.context.keyedState!.getMapState(new MapStateDescriptor<string, WindowEntry<ACC>>('windows'));
    this.context.timers!.setHandler((timestamp, key, namespace) =>
      this.onTimer(timestamp, key as K, namespace as string),
    );
    if (this.fireAtEnd && !this.eventTime) this.realignRestoredWindows();
  }

  /**
   * Windows a checkpoint held were cut on the previous run's start. Storm's restarted bolt starts
   * with empty windows on its new start, and what its windows held comes back by replay: so what
   * the restored windows hold is put, per key, into this run's windows as if it arrived now, and
   * every window ends at start + k·slide of this run. Every pending element is in the earliest
   * pending window and in the windows tiling on from it (when the size is a multiple of the
   * slide), so those are merged, each element once. Otherwise only the earliest is taken: exact
   * unless a window's timer was overdue at the checkpoint (what arrived after its end is lost).
   * An aggregate without merge() keeps its restored windows when there is more than one to merge.
   */
  private realignRestoredWindows(): void {
    const assigner = this.assigner;
    if (assigner.kind === 'session') return;
    const size = assigner.sizeMs;
    const slide = assigner.kind === 'sliding' ? assigner.slideMs : size;
    const now = this.context.processingTime.now();
    this.context.keyedState!.applyToAllKeys<MapState<string, WindowEntry<ACC>>>('windows', (_key, windows) => {
      const entries = [...windows.values()].sort((a, b) => a.end - b.end);
      const first = entries[0];
      if (first === undefined) return;
      const taken =
        size % slide === 0
          ? entries.filter((e) => e.end >= first.end && (e.start - first.start) % size === 0)
          : [first];
      if (taken.length > 1 && !this.contents.mergeable) return;
      let acc = taken[0]!.acc;
      for (const e of taken.slice(1)) acc = this.contents.merge(acc, e.acc);
      for (const e of entries) this.deleteTimers(e);
      windows.clear();
      const targets = assignWindows(assigner, now);
      for (const [i, window] of targets.entries()) {
        // Each window folds into its own accumulator: one shared object would count twice.
        const entry: WindowEntry<ACC> = { ...window, acc: i === targets.length - 1 ? acc : structuredClone(acc) };
        windows.put(`${window.start}:${window.end}`, entry);
        this.registerTimers(entry);
      }
    });
  }

  processElement(value: IN, timestamp: number): void {
    let key: K;
    try {
      key = this.keySelector(value);
    } catch (error) {
      throw userError(this.context.operatorName, value, error);
    }
    const time = this.eventTime ? timestamp : this.context.processingTime.now();
    if (this.eventTime && timestamp === NO_TIMESTAMP) {
      throw new StormshiftError(
        'NO_EVENT_TIME',
        `event-time window '${this.context.operatorName}' got a record without a timestamp; call assignTimestampsAndWatermarks() upstream`,
      );
    }
    this.context.keyedState!.setCurrentKey(key);
    const watermark = this.context.timers!.currentWatermark();
    let late = true;
    for (const window of assignWindows(this.assigner, time)) {
      if (this.eventTime && window.end - 1 + this.options.allowedLatenessMs <= watermark) continue;
      late = false;
      const target = this.assigner.kind === 'session' ? this.mergeSession(window, value) : this.add(window, value);
      if (this.eventTime && target.end - 1 <= watermark) this.fire(key, target, false);
    }
    if (late) {
      if (this.options.lateTag) this.output.collectSide(this.options.lateTag.id, value, timestamp);
      else this.context.metrics.errors++;
    }
  }

  private add(window: TimeWindow, value: IN): WindowEntry<ACC> {
    const id = `${window.start}:${window.end}`;
    const existing = this.windows.get(id);
    const entry: WindowEntry<ACC> = { start: window.start, end: window.end, acc: this.fold(existing?.acc, value) };
    this.windows.put(id, entry);
    if (existing === undefined) this.registerTimers(entry);
    return entry;
  }

  /** Session windows: the new proto-window swallows every window it overlaps. */
  private mergeSession(window: TimeWindow, value: IN): WindowEntry<ACC> {
    let start = window.start;
    let end = window.end;
    let acc: ACC | undefined = this.fold(undefined, value);
    for (const [id, entry] of [...this.windows.entries()]) {
      if (entry.end < start || entry.start > end) continue;
      start = Math.min(start, entry.start);
      end = Math.max(end, entry.end);
      acc = this.contents.merge(entry.acc, acc!);
      this.windows.delete(id);
      this.deleteTimers(entry);
    }
    const merged: WindowEntry<ACC> = { start, end, acc: acc! };
    this.windows.put(`${start}:${end}`, merged);
    this.registerTimers(merged);
    return merged;
  }

  private fold(acc: ACC | undefined, value: IN): ACC {
    try {
      return this.contents.fold(acc, value);
    } catch (error) {
      throw userError(this.context.operatorName, value, error);
    }
  }

  private registerTimers(entry: WindowEntry<ACC>): void {
    const timers = this.context.timers!;
    const id = `${entry.start}:${entry.end}`;
    if (this.eventTime) {
      // A window already behind the watermark (a late record within the allowed lateness) is fired
      // on the spot by processElement; a fire timer as well would fire it a second time at the
      // next watermark.
      if (entry.end - 1 > timers.currentWatermark()) timers.registerEventTimeTimer(entry.end - 1, FIRE + id);
      if (this.options.allowedLatenessMs > 0)
        timers.registerEventTimeTimer(entry.end - 1 + this.options.allowedLatenessMs, CLEANUP + id);
    } else {
      timers.registerProcessingTimeTimer(this.processingFireTime(entry), FIRE + id);
    }
  }

  private processingFireTime(entry: WindowEntry<ACC>): number {
    return this.fireAtEnd ? entry.end : entry.end - 1;
  }

  private deleteTimers(entry: WindowEntry<ACC>): void {
    const timers = this.context.timers!;
    const id = `${entry.start}:${entry.end}`;
    if (this.eventTime) {
      timers.deleteEventTimeTimer(entry.end - 1, FIRE + id);
      if (this.options.allowedLatenessMs > 0)
        timers.deleteEventTimeTimer(entry.end - 1 + this.options.allowedLatenessMs, CLEANUP + id);
    } else {
      timers.deleteProcessingTimeTimer(this.processingFireTime(entry), FIRE + id);
    }
  }

  private onTimer(_timestamp: number, key: K, namespace: string): void {
    const id = namespace.slice(1);
    const entry = this.windows.get(id);
    if (entry === undefined) return;
    if (namespace[0] === CLEANUP) {
      this.windows.delete(id);
      return;
    }
    this.fire(key, entry, true);
  }

  private fire(key: K, entry: WindowEntry<ACC>, onTime: boolean): void {
    this.emitTimestamp = entry.end - 1;
    try {
      this.emitWindow(key, { start: entry.start, end: entry.end }, entry.acc, this);
    } catch (error) {
      if (error instanceof StormshiftError) throw error;
      throw userError(this.context.operatorName, `window [${entry.start}, ${entry.end}) of key ${String(key)}`, error);
    }
    // Keep the window while late records may still update it; otherwise it is done.
    if (onTime && (!this.eventTime || this.options.allowedLatenessMs === 0))
      this.windows.delete(`${entry.start}:${entry.end}`);
  }

  override processWatermark(watermark: number): void {
    this.context.timers!.advanceWatermark(watermark);
    this.output.emitWatermark(watermark);
  }
}

export function aggregateContents<IN, ACC>(aggregate: AggregateFunction<IN, ACC, unknown>): WindowContents<ACC> {
  return {
    fold: (acc, value) => aggregate.add(value as IN, acc === undefined ? aggregate.createAccumulator() : acc),
    merge: (a, b) => {
      if (!aggregate.merge) throw new Error('session windows need an aggregate function with merge()');
      return aggregate.merge(a, b);
    },
    mergeable: typeof aggregate.merge === 'function',
  };
}

export function elementsContents<IN>(): WindowContents<IN[]> {
  return {
    fold: (acc, value) => {
      const list = acc ?? [];
      list.push(value as IN);
      return list;
    },
    merge: (a, b) => a.concat(b),
    mergeable: true,
  };
}

/**
 * Count windows per key: fire every `slide` elements over the last `size` (tumbling when equal).
 * Elements live in keyed list state.
 */
export class CountWindowOperator<K, IN, OUT> extends CollectingOperator<IN, OUT> {
  private elements!: ListState<IN>;
  private sinceFire!: ValueState<number>;

  constructor(
    private readonly keySelector: KeySelector<IN, K>,
    private readonly size: number,
    private readonly slide: number,
    private readonly emitWindow: (key: K, elements: IN[], out: Collector<OUT>) => void,
  ) {
    super();
  }

  override open(): void {
    const backend = this.context.keyedState!;
    this.elements = backend.getListState(new ListStateDescriptor<IN>('count-window'));
    this.sinceFire = backend.getState(new ValueStateDescriptor<number>('count-window-since-fire'));
  }

  processElement(value: IN, timestamp: number): void {
    let key: K;
    try {
      key = this.keySelector(value);
    } catch (error) {
      throw userError(this.context.operatorName, value, error);
    }
    this.context.keyedState!.setCurrentKey(key);
    let elements = this.elements.get();
    elements = elements.length >= this.size ? elements.slice(elements.length - this.size + 1) : elements.slice();
    elements.push(value);
    this.elements.update(elements);
    const since = (this.sinceFire.value() ?? 0) + 1;
    if (since < this.slide) {
      this.sinceFire.update(since);
      return;
    }
    this.sinceFire.update(0);
    this.emitTimestamp = timestamp;
    try {
      this.emitWindow(key, elements, this);
    } catch (error) {
      if (error instanceof StormshiftError) throw error;
      throw userError(this.context.operatorName, value, error);
    }
    if (this.slide === this.size) this.elements.clear();
  }
}
