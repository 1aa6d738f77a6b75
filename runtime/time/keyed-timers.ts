import type { HeapKeyedStateBackend } from '../state/index.ts';
import { TimerQueue, type TimerQueueSnapshot } from './timer-queue.ts';
import type { ProcessingTimeService } from './processing-time.ts';

export type TimeDomain = 'event' | 'processing';
export type TimerHandler = (timestamp: number, key: unknown, namespace: unknown, domain: TimeDomain) => void;

/**
 * The namespace of a subtask's own processing-time timers (registerSubtaskTimer, and those its
 * onTimer sets): they have no key, and a record keyed undefined must not share them.
 */
export const SUBTASK_TIMER = '\u0001subtask';

export interface KeyedTimersSnapshot {
  processing: unknown;
  event: unknown;
}

/**
 * Timers of one keyed operator subtask, scoped to the current key. Timers are de-duplicated per
 * (key, timestamp, namespace) and checkpointed; processing-time ones are driven by a single
 * wall-clock timer armed for the earliest due time, event-time ones by watermarks.
 */
export class KeyedTimerService {
  private readonly processing = new TimerQueue();
  private readonly event = new TimerQueue();
  private armedAt = Infinity;
  private disarm: () => void = () => {};
  private watermark = -Infinity;
  private handler: TimerHandler = () => {};

  constructor(
    private readonly backend: HeapKeyedStateBackend,
    private readonly clock: ProcessingTimeService,
  ) {}

  setHandler(handler: TimerHandler): void {
    this.handler = handler;
  }

  currentProcessingTime(): number {
    return this.clock.now();
  }

  currentWatermark(): number {
    return this.watermark;
  }

  registerProcessingTimeTimer(timestamp: number, namespace?: unknown): void {
    this.processing.register(this.backend.getCurrentKey(), timestamp, namespace);
    this.arm(timestamp);
  }

  deleteProcessingTimeTimer(timestamp: number, namespace?: unknown): void {
    this.processing.delete(this.backend.getCurrentKey(), timestamp, namespace);
  }

  registerEventTimeTimer(timestamp: number, namespace?: unknown): void {
    this.event.register(this.backend.getCurrentKey(), timestamp, namespace);
  }

  deleteEventTimeTimer(timestamp: number, namespace?: unknown): void {
    this.event.delete(this.backend.getCurrentKey(), timestamp, namespace);
  }

  /** Fires every event-time timer at or before the watermark, in timestamp order. */
  advanceWatermark(watermark: number): void {
    this.watermark = watermark;
    if (this.event.size === 0) return;
    this.event.pollDue(watermark, (key, timestamp, namespace) => {
      this.backend.setCurrentKey(key);
      this.handler(timestamp, key, namespace, 'event');
    });
  }

  snapshot(): KeyedTimersSnapshot {
    return { processing: this.processing.snapshot(), event: this.event.snapshot() };
  }

  /**
   * A subtask's own timers (SUBTASK_TIMER) are not restored, since open() arms them again on every
   * start, as Storm's ticks restart with their executor. Restored, every subtask's would land on
   * the one subtask that owns the undefined key, beside the chain its open() just armed.
   */
  restore(snapshots: KeyedTimersSnapshot[], keyFilter?: (key: unknown) => boolean): void {
    const keyed = snapshots.map((s) => {
      const snap = s.processing as TimerQueueSnapshot | null | undefined;
      // Anything else is the queue's to reject, with its version message.
      if (!Array.isArray(snap?.timers)) return snap;
      return { ...snap, timers: snap.timers.filter(([, , namespace]) => namespace !== SUBTASK_TIMER) };
    });
    this.processing.restore(keyed as never, keyFilter);
    this.event.restore(snapshots.map((s) => s.event) as never, keyFilter);
    const next = this.processing.peekTimestamp();
    if (next !== undefined) this.arm(next);
  }

  dispose(): void {
    this.disarm();
    this.armedAt = Infinity;
  }

  private arm(timestamp: number): void {
    if (timestamp >= this.armedAt) return;
    this.disarm();
    this.armedAt = timestamp;
    this.disarm = this.clock.schedule(timestamp, () => this.fireProcessingTimers());
  }

  private fireProcessingTimers(): void {
    this.armedAt = Infinity;
    this.disarm = () => {};
    this.processing.pollDue(this.clock.now(), (key, timestamp, namespace) => {
      this.backend.setCurrentKey(key);
      this.handler(timestamp, key, namespace, 'processing');
    });
    const next = this.processing.peekTimestamp();
    if (next !== undefined) this.arm(next);
  }
}
