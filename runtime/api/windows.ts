import { JobGraphError } from '../errors.ts';

/** A half-open time interval [start, end). */
export interface TimeWindow {
  readonly start: number;
  readonly end: number;
}

export type TimeDomainKind = 'event' | 'processing';

/**
 * Where processing-time windows are aligned. 'epoch' (the default, as Flink): window ends are
 * multiples of the slide (plus the offset). 'start' (as Storm's time trigger): window ends are the
 * subtask's start + k·slide, the start being the processing time at which the window operator
 * opened; a window ending at E holds the records that arrived in [E − size, E) and fires at E
 * (not E − 1), so a record arriving at E goes to the next window, as on Storm. After a restore the
 * start is the new open's time (Storm restarts its trigger too): restored windows keep their old
 * boundaries and fire at their old ends; records arriving after the restore open windows aligned
 * to the new start.
 */
export interface WindowAlignment {
  readonly alignTo: 'epoch' | 'start';
}

export type WindowAssigner =
  | {
      readonly kind: 'tumbling';
      readonly sizeMs: number;
      readonly offsetMs: number;
      readonly time: TimeDomainKind;
      readonly alignTo?: 'start';
    }
  | {
      readonly kind: 'sliding';
      readonly sizeMs: number;
      readonly slideMs: number;
      readonly offsetMs: number;
      readonly time: TimeDomainKind;
      readonly alignTo?: 'start';
    }
  | { readonly kind: 'session'; readonly gapMs: number; readonly time: TimeDomainKind };

function positive(what: string, value: number): number {
  if (!(Number.isFinite(value) && value > 0))
    throw new JobGraphError(`${what} must be a positive number of ms, got ${String(value)}`);
  return value;
}

/** An offset, or (processing time only) an alignment; `{ alignTo: 'start' }` has no offset. */
function placement(time: TimeDomainKind, offset: number | WindowAlignment): { offsetMs: number; alignTo?: 'start' } {
  if (typeof offset === 'number') return { offsetMs: offset };
  if (offset.alignTo === 'epoch') return { offsetMs: 0 };
  if (offset.alignTo !== 'start')
    throw new JobGraphError(`window alignTo must be 'epoch' or 'start', got ${String(offset.alignTo)}`);
  if (time !== 'processing')
    throw new JobGraphError("alignTo: 'start' is for processing-time windows (event-time windows align to the epoch)");
  return { offsetMs: 0, alignTo: 'start' };
}

function tumbling(time: TimeDomainKind) {
  return {
    of: (sizeMs: number, offset: number | WindowAlignment = 0): WindowAssigner => ({
      kind: 'tumbling',
      sizeMs: positive('window size', sizeMs),
      ...placement(time, offset),
      time,
    }),
  };
}
function sliding(time: TimeDomainKind) {
  return {
    of: (sizeMs: number, slideMs: number, offset: number | WindowAlignment = 0): WindowAssigner => ({
      kind: 'sliding',
      sizeMs: positive('window size', sizeMs),
      slideMs: positive('window slide', slideMs),
      ...placement(time, offset),
      time,
    }),
  };
}

/**
 * A start-aligned assigner fixed to the subtask's start: the offset that makes window ends fall on
 * start + k·slide. Other assigners are returned unchanged.
 */
export function alignToStart(assigner: WindowAssigner, startMs: number): WindowAssigner {
  if (assigner.kind === 'session' || assigner.alignTo !== 'start') return assigner;
  const slide = assigner.kind === 'sliding' ? assigner.slideMs : assigner.sizeMs;
  // Window starts ≡ offset (mod slide) and ends = starts + size, so ends ≡ start needs offset ≡ start − size.
  const offsetMs = (((startMs - assigner.sizeMs) % slide) + slide) % slide;
  return { ...assigner, offsetMs };
}
function session(time: TimeDomainKind) {
  return {
    withGap: (gapMs: number): WindowAssigner => ({ kind: 'session', gapMs: positive('session gap', gapMs), time }),
  };
}

export const TumblingEventTimeWindows = tumbling('event');
export const TumblingProcessingTimeWindows = tumbling('processing');
export const SlidingEventTimeWindows = sliding('event');
export const SlidingProcessingTimeWindows = sliding('processing');
export const EventTimeSessionWindows = session('event');
export const ProcessingTimeSessionWindows = session('processing');

/** Windows a timestamp belongs to (sessions: its own proto-window, merged later). */
export function assignWindows(assigner: WindowAssigner, timestamp: number): TimeWindow[] {
  switch (assigner.kind) {
    case 'tumbling': {
      const start = windowStart(timestamp, assigner.offsetMs, assigner.sizeMs);
      return [{ start, end: start + assigner.sizeMs }];
    }
    case 'sliding': {
      const windows: TimeWindow[] = [];
      const lastStart = windowStart(timestamp, assigner.offsetMs, assigner.slideMs);
      for (let start = lastStart; start > timestamp - assigner.sizeMs; start -= assigner.slideMs)
        windows.push({ start, end: start + assigner.sizeMs });
      return windows;
    }
    case 'session':
      return [{ start: timestamp, end: timestamp + assigner.gapMs }];
  }
}

function windowStart(timestamp: number, offset: number, size: number): number {
  const remainder = (timestamp - offset) % size;
  return remainder < 0 ? timestamp - (remainder + size) : timestamp - remainder;
}
