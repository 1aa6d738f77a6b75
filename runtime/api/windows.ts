import { JobGraphError } from '../errors.ts';

/** A half-open time interval [start, end). */
export interface TimeWindow {
  readonly start: number;
  readonly end: number;
}

export type TimeDomainKind = 'event' | 'processing';

export type WindowAssigner =
  | { readonly kind: 'tumbling'; readonly sizeMs: number; readonly offsetMs: number; readonly time: TimeDomainKind }
  | {
      readonly kind: 'sliding';
      readonly sizeMs: number;
      readonly slideMs: number;
      readonly offsetMs: number;
      readonly time: TimeDomainKind;
    }
  | { readonly kind: 'session'; readonly gapMs: number; readonly time: TimeDomainKind };

function positive(what: string, value: number): number {
  if (!(Number.isFinite(value) && value > 0))
    throw new JobGraphError(`${what} must be a positive number of ms, got ${String(value)}`);
  return value;
}

function tumbling(time: TimeDomainKind) {
  return {
    of: (sizeMs: number, offsetMs = 0): WindowAssigner => ({
      kind: 'tumbling',
      sizeMs: positive('window size', sizeMs),
      offsetMs,
      time,
    }),
  };
}
function sliding(time: TimeDomainKind) {
  return {
    of: (sizeMs: number, slideMs: number, offsetMs = 0): WindowAssigner => ({
      kind: 'sliding',
      sizeMs: positive('window size', sizeMs),
      slideMs: positive('window slide', slideMs),
      offsetMs,
      time,
    }),
  };
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
