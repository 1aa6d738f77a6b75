import { IllegalArgumentException } from '../component/exceptions.ts';
import { TupleWindowImpl, TupleWindowIterImpl, type Window } from './window.ts';
import type { WindowSpec } from './window-config.ts';

/**
 * What the window engine reports. Calls are synchronous and in Storm's order (expiry of a scan before
 * the activation it belongs to). If the bolt's `execute` returns a Promise, the executor must hold
 * back later callbacks (expiry acks included) until it settles, or anchors could be acked early.
 */
export interface WindowListener<T> {
  /** Tuples left the window: the executor acks them (§9: acked on expiry, not on evaluation). */
  onExpiry(expired: T[]): void;
  /** A non-empty window fired: the executor calls `bolt.execute(window)`, auto-anchoring to `tuples`. */
  onActivation(window: Window<T>, tuples: T[]): void;
  /** Event time only: a tuple older than the last watermark. The executor emits it on the late stream (if any) and acks it. */
  onLateTuple?(tuple: T, ts: number): void;
}

/** How tuples are written into and read back from snapshots; identity if omitted. */
export interface WindowTupleCodec<T> {
  encodeTuple(tuple: T): unknown;
  decodeTuple(data: unknown): T;
}

export interface WindowManagerOptions<T> extends Partial<WindowTupleCodec<T>> {
  spec: WindowSpec;
  listener: WindowListener<T>;
  /**
   * Event time: the keys of every input GlobalStreamId except `$checkpoint` streams (e.g.
   * `GlobalStreamId.key()`); the watermark waits until each has delivered a tuple.
   */
  inputStreams?: Iterable<string>;
  /** Persistent stateful windows: activations expose `getIter()` and throw on `getNew`/`getExpired`. */
  persistent?: boolean;
}

/** Plain-data image of the engine for checkpoints (tuples through the codec). */
export interface WindowManagerSnapshot {
  readonly version: 1;
  readonly events: { tuple: unknown; ts: number; inPrevWindow: boolean }[];
  readonly expired: unknown[];
  readonly eventsSinceLastExpiry: number;
  readonly context: EvictionContextData | null;
  readonly delta: number;
  readonly evictionCount: number;
  readonly processed: number;
  readonly triggerCount: number;
  readonly nextWindowEndTs: number;
  readonly lastProcessedTs: number;
  readonly streamTs: [string, number][];
  readonly lastWatermarkTs: number;
  readonly lastNow: number;
}

interface EvictionContextData {
  ref: number;
  currentCount: number | null;
  slidingCount: number | null;
  slidingInterval: number | null;
}

class WinEvent<T> {
  constructor(
    readonly event: T,
    readonly ts: number,
  ) {}
}

// Storm's eviction actions.
const EXPIRE = 0;
const PROCESS = 1;
const KEEP = 2;
const STOP = 3;
type Action = typeof EXPIRE | typeof PROCESS | typeof KEEP | typeof STOP;

enum Evict {
  Count,
  Time,
  WatermarkCount,
  WatermarkTime,
}
enum Trigger {
  Count,
  Time,
  WatermarkCount,
  WatermarkTime,
}

/** Storm scans for expired events every this many adds even without a trigger (WindowManager). */
export const EXPIRE_EVENTS_THRESHOLD = 100;
const INT_MAX = 2 ** 31 - 1;

/**
 * Storm's WindowManager with its trigger and eviction policies and the watermark generator, as one
 * timer-less engine the executor drives:
 *  - `add(tuple, ts, stream)` per data tuple (`ts` = `Date.now()` in processing time, the extracted
 *    timestamp in event time). Count triggers fire inside it.
 *  - `onTimer(now)` every `timerIntervalMs()` ms (if not null), from the task's queue: the processing-time
 *    trigger, or in event time the watermark computation.
 * Semantics follow Storm 2.8.8 policy by policy, including its quirks (first processing-time window
 * keeps everything, late = ts below the last watermark which starts at 0).
 */
export class WindowManager<T> {
  private readonly spec: WindowSpec;
  private readonly listener: WindowListener<T>;
  private readonly persistent: boolean;
  private readonly encode: (t: T) => unknown;
  private readonly decode: (d: unknown) => T;
  private readonly evictKind: Evict;
  private readonly triggerKind: Trigger;
  private readonly inputStreams: ReadonlySet<string>;

  private queue: WinEvent<T>[] = [];
  private head = 0;
  private expiredEvents: T[] = [];
  private prevWindowEvents = new Set<WinEvent<T>>();
  private eventsSinceLastExpiry = 0;

  // Eviction policy state.
  private context: EvictionContextData | null = null;
  private delta = 0;
  private evictionCount = 0;
  private processed = 0;

  // Trigger policy state.
  private triggerCount = 0;
  private nextWindowEndTs = 0;
  private lastProcessedTs = 0;

  // Watermark generator state.
  private streamTs = new Map<string, number>();
  private lastWatermarkTs = 0;

  /** Clock for time eviction before any trigger set a context (Storm reads the wall clock there). */
  private lastNow = 0;

  constructor(options: WindowManagerOptions<T>) {
    const spec = options.spec;
    this.spec = spec;
    this.listener = options.listener;
    this.persistent = options.persistent === true;
    this.encode = options.encodeTuple ?? ((t: T) => t);
    this.decode = options.decodeTuple ?? ((d: unknown) => d as T);
    if (spec.lengthCount === null && spec.lengthDurationMs === null) {
      throw new IllegalArgumentException('Window length is not specified');
    }
    if (spec.slideCount === null && spec.slideDurationMs === null) {
      throw new IllegalArgumentException('Sliding interval is not specified');
    }
    const et = spec.eventTime;
    this.evictKind =
      spec.lengthCount !== null ? (et ? Evict.WatermarkCount : Evict.Count) : et ? Evict.WatermarkTime : Evict.Time;
    this.triggerKind =
      spec.slideCount !== null
        ? et
          ? Trigger.WatermarkCount
          : Trigger.Count
        : et
          ? Trigger.WatermarkTime
          : Trigger.Time;
    if (et && options.inputStreams === undefined) {
      throw new IllegalArgumentException('Event-time windows need the input streams to compute watermarks');
    }
    this.inputStreams = new Set(options.inputStreams ?? []);
  }

  /**
   * How often the executor must call `onTimer`: the sliding interval for processing-time duration
   * slides, the watermark interval in event time, `null` when only count triggers drive the window.
   */
  timerIntervalMs(): number | null {
    if (this.triggerKind === Trigger.Time) return this.spec.slideDurationMs;
    if (this.spec.eventTime) return this.spec.watermarkIntervalMs;
    return null;
  }

  /**
   * Adds a data tuple. Event time: `stream` is the key of its source GlobalStreamId; returns false
   * if the tuple is late (reported to `onLateTuple`, not added). Processing time: `ts` is now.
   */
  add(tuple: T, ts: number, stream?: string): boolean {
    if (this.spec.eventTime) {
      const key = stream ?? '';
      const cur = this.streamTs.get(key);
      if (cur === undefined || ts > cur) this.streamTs.set(key, ts);
      if (ts < this.lastWatermarkTs) {
        this.listener.onLateTuple?.(tuple, ts);
        return false;
      }
    } else {
      this.lastNow = ts;
    }
    this.queue.push(new WinEvent(tuple, ts));
    if (this.evictKind === Evict.Count) this.evictionCount++;
    if (this.triggerKind === Trigger.Count && ++this.triggerCount >= this.spec.slideCount!) {
      this.setContext({ ref: ts, currentCount: null, slidingCount: null, slidingInterval: null });
      this.onTrigger();
    }
    this.compactWindow();
    return true;
  }

  /** The periodic timer: processing-time trigger (reference time `now − 1`) or watermark generation. */
  onTimer(now: number): void {
    if (this.triggerKind === Trigger.Time) {
      // Storm excludes the current millisecond: tuples may still arrive in it.
      this.setContext({
        ref: now - 1,
        currentCount: null,
        slidingCount: null,
        slidingInterval: this.spec.slideDurationMs,
      });
      this.onTrigger();
    } else if (this.spec.eventTime) {
      const wm = this.computeWatermark();
      if (wm > this.lastWatermarkTs) {
        this.onWatermark(wm);
        this.lastWatermarkTs = wm;
      }
    }
  }

  /** The last emitted watermark (0 before the first). */
  getWatermark(): number {
    return this.lastWatermarkTs;
  }

  /** Events currently held. */
  size(): number {
    return this.queue.length - this.head;
  }

  snapshot(): WindowManagerSnapshot {
    const events: WindowManagerSnapshot['events'] = [];
    for (let i = this.head; i < this.queue.length; i++) {
      const e = this.queue[i]!;
      events.push({ tuple: this.encode(e.event), ts: e.ts, inPrevWindow: this.prevWindowEvents.has(e) });
    }
    return {
      version: 1,
      events,
      expired: this.expiredEvents.map((t) => this.encode(t)),
      eventsSinceLastExpiry: this.eventsSinceLastExpiry,
      context: this.context === null ? null : { ...this.context },
      delta: this.delta,
      evictionCount: this.evictionCount,
      processed: this.processed,
      triggerCount: this.triggerCount,
      nextWindowEndTs: this.nextWindowEndTs,
      lastProcessedTs: this.lastProcessedTs,
      streamTs: Array.from(this.streamTs),
      lastWatermarkTs: this.lastWatermarkTs,
      lastNow: this.lastNow,
    };
  }

  restore(s: WindowManagerSnapshot): void {
    if (s.version !== 1) throw new IllegalArgumentException(`Unknown window snapshot version ${String(s.version)}`);
    this.queue = [];
    this.head = 0;
    this.prevWindowEvents = new Set();
    for (const e of s.events) {
      const ev = new WinEvent(this.decode(e.tuple), e.ts);
      this.queue.push(ev);
      if (e.inPrevWindow) this.prevWindowEvents.add(ev);
    }
    this.expiredEvents = s.expired.map((d) => this.decode(d));
    this.eventsSinceLastExpiry = s.eventsSinceLastExpiry;
    this.context = s.context === null ? null : { ...s.context };
    this.delta = s.delta;
    this.evictionCount = s.evictionCount;
    this.processed = s.processed;
    this.triggerCount = s.triggerCount;
    this.nextWindowEndTs = s.nextWindowEndTs;
    this.lastProcessedTs = s.lastProcessedTs;
    this.streamTs = new Map(s.streamTs);
    this.lastWatermarkTs = s.lastWatermarkTs;
    this.lastNow = s.lastNow;
  }

  // ---- watermarks -------------------------------------------------------------------------------

  private computeWatermark(): number {
    let ts = 0;
    if (this.streamTs.size > 0 && this.streamTs.size >= this.inputStreams.size) {
      ts = Infinity;
      for (const v of this.streamTs.values()) if (v < ts) ts = v;
    }
    return ts - this.spec.lagMs;
  }

  private onWatermark(wm: number): void {
    if (this.triggerKind === Trigger.WatermarkTime) this.watermarkTimeTrigger(wm);
    else if (this.triggerKind === Trigger.WatermarkCount) this.watermarkCountTrigger(wm);
    this.compactWindow();
  }

  /** Evaluates every window whose end ≤ wm; the first end is the earliest event ts rounded up to the slide. */
  private watermarkTimeTrigger(wm: number): void {
    const slide = this.spec.slideDurationMs!;
    let end = this.nextWindowEndTs;
    while (end <= wm) {
      this.setContext({ ref: end, currentCount: this.eventCount(end), slidingCount: null, slidingInterval: null });
      if (this.onTrigger()) {
        end += slide;
      } else {
        // Empty window: jump to the window that holds the next event instead of stepping through gaps.
        const next = this.earliestEventTs(end, wm);
        if (next === null) break;
        const rem = next % slide;
        end = rem === 0 ? next : next + (slide - rem);
      }
    }
    this.nextWindowEndTs = end;
  }

  /** Fires once per `slide` events with ts ≤ wm, at the running max ts of those events (arrival order). */
  private watermarkCountTrigger(wm: number): void {
    const count = this.spec.slideCount!;
    const start = this.lastProcessedTs;
    const ends: number[] = [];
    if (wm > start) {
      let n = 0;
      let max = -Infinity;
      for (let i = this.head; i < this.queue.length; i++) {
        const ts = this.queue[i]!.ts;
        if (ts > start && ts <= wm) {
          if (ts > max) max = ts;
          if (++n % count === 0) ends.push(max);
        }
      }
    }
    for (const ts of ends) {
      this.setContext({ ref: ts, currentCount: null, slidingCount: count, slidingInterval: null });
      this.onTrigger();
      this.lastProcessedTs = ts;
    }
  }

  private eventCount(referenceTime: number): number {
    let n = 0;
    for (let i = this.head; i < this.queue.length; i++) if (this.queue[i]!.ts <= referenceTime) n++;
    return n;
  }

  private earliestEventTs(startTs: number, endTs: number): number | null {
    let min = Infinity;
    for (let i = this.head; i < this.queue.length; i++) {
      const ts = this.queue[i]!.ts;
      if (ts > startTs && ts <= endTs && ts < min) min = ts;
    }
    return min === Infinity ? null : min;
  }

  // ---- eviction ---------------------------------------------------------------------------------

  private setContext(ctx: EvictionContextData): void {
    const prev = this.context;
    this.context = ctx;
    switch (this.evictKind) {
      case Evict.Time:
      case Evict.WatermarkTime:
        // Time windows absorb timer drift: the first window keeps everything, later ones widen by the lateness.
        if (ctx.slidingInterval !== null) {
          this.delta = prev === null ? INT_MAX : ctx.ref - prev.ref - ctx.slidingInterval;
        }
        break;
      case Evict.WatermarkCount:
        this.evictionCount = ctx.currentCount !== null ? ctx.currentCount : this.processed + (ctx.slidingCount ?? 0);
        this.processed = 0;
        break;
      case Evict.Count:
        break;
    }
  }

  private evict(e: WinEvent<T>): Action {
    switch (this.evictKind) {
      case Evict.Count:
        return this.countEvict();
      case Evict.Time:
        return this.timeEvict(e, this.context === null ? this.lastNow : this.context.ref);
      case Evict.WatermarkTime: {
        if (this.context === null) return STOP;
        const diff = this.context.ref - e.ts;
        if (diff < -this.spec.lagMs) return STOP;
        if (diff < 0) return KEEP;
        return this.timeEvict(e, this.context.ref);
      }
      case Evict.WatermarkCount: {
        if (this.context === null) return STOP;
        if (e.ts <= this.context.ref && this.processed < this.evictionCount) {
          const a = this.countEvict();
          if (a === PROCESS) this.processed++;
          return a;
        }
        return KEEP;
      }
    }
  }

  private countEvict(): Action {
    if (this.evictionCount > this.spec.lengthCount!) {
      this.evictionCount--;
      return EXPIRE;
    }
    return PROCESS;
  }

  private timeEvict(e: WinEvent<T>, now: number): Action {
    const diff = now - e.ts;
    if (diff >= this.spec.lengthDurationMs! + this.delta) return EXPIRE;
    if (diff < 0) return KEEP;
    return PROCESS;
  }

  // ---- scanning and firing ----------------------------------------------------------------------

  private compactWindow(): void {
    if (++this.eventsSinceLastExpiry >= EXPIRE_EVENTS_THRESHOLD) this.scanEvents(false);
  }

  /**
   * Walks the queue from the oldest event. A full scan collects the window (PROCESS) and skips KEEPs;
   * a partial scan only drops the expired prefix. STOP ends either.
   */
  private scanEvents(fullScan: boolean): WinEvent<T>[] {
    const q = this.queue;
    const toExpire: T[] = [];
    const toProcess: WinEvent<T>[] = [];
    let out: WinEvent<T>[] | null = null;
    let prefix = true;
    let i = this.head;
    for (; i < q.length; i++) {
      const e = q[i]!;
      const action = this.evict(e);
      if (action === EXPIRE) {
        toExpire.push(e.event);
        if (prefix) this.head = i + 1;
        else if (out === null) out = q.slice(this.head, i);
        continue;
      }
      prefix = false;
      if (out !== null) out.push(e);
      if (!fullScan || action === STOP) {
        i++;
        break;
      }
      if (action === PROCESS) toProcess.push(e);
    }
    if (out !== null) {
      for (; i < q.length; i++) out.push(q[i]!);
      this.queue = out;
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > q.length) {
      this.queue = q.slice(this.head);
      this.head = 0;
    }
    for (const t of toExpire) this.expiredEvents.push(t);
    this.eventsSinceLastExpiry = 0;
    if (toExpire.length > 0) this.listener.onExpiry(toExpire);
    return toProcess;
  }

  private onTrigger(): boolean {
    const windowEvents = this.scanEvents(true);
    const expired = this.expiredEvents;
    this.expiredEvents = [];
    const events: T[] = new Array(windowEvents.length);
    const newEvents: T[] = [];
    const prev = this.prevWindowEvents;
    for (let i = 0; i < windowEvents.length; i++) {
      const e = windowEvents[i]!;
      events[i] = e.event;
      if (!prev.has(e)) newEvents.push(e.event);
    }
    this.prevWindowEvents = new Set(windowEvents);
    const fired = events.length > 0;
    if (fired) {
      const end = this.context!.ref;
      const start = this.spec.lengthDurationMs !== null ? end - this.spec.lengthDurationMs : null;
      const window: Window<T> = this.persistent
        ? new TupleWindowIterImpl<T>(() => events[Symbol.iterator](), start, end)
        : new TupleWindowImpl<T>(events, newEvents, expired, start, end);
      this.listener.onActivation(window, events);
    }
    if (this.triggerKind === Trigger.Count) this.triggerCount = 0;
    return fired;
  }
}
