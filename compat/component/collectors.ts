/**
 * Collector shapes with every overload of §5.3. Storm's collectors are classes, so these are
 * abstract classes (usable as values in ported code's imports); the executing implementations
 * extend them. The `dispatch…` functions implement R2's run-time overload resolution once, for
 * every implementation to share.
 */
import { Utils } from './utils.ts';
import type { Tuple } from './tuple.ts';

export type Anchor = Tuple | null | undefined;
export type Anchors = readonly Tuple[];

export abstract class SpoutOutputCollector {
  abstract emit(values: readonly unknown[]): number[];
  abstract emit(values: readonly unknown[], messageId: unknown): number[];
  abstract emit(streamId: string, values: readonly unknown[]): number[];
  abstract emit(streamId: string, values: readonly unknown[], messageId: unknown): number[];
  abstract emitDirect(taskId: number | bigint, values: readonly unknown[]): void;
  abstract emitDirect(taskId: number | bigint, values: readonly unknown[], messageId: unknown): void;
  abstract emitDirect(taskId: number | bigint, streamId: string, values: readonly unknown[]): void;
  abstract emitDirect(taskId: number | bigint, streamId: string, values: readonly unknown[], messageId: unknown): void;
  /** Tracked tuples not yet acked, failed or timed out. */
  abstract getPendingCount(): number;
  abstract flush(): void;
  abstract reportError(error: unknown): void;
}

export abstract class OutputCollector {
  abstract emit(values: readonly unknown[]): number[];
  abstract emit(anchor: Anchor, values: readonly unknown[]): number[];
  abstract emit(anchors: Anchors, values: readonly unknown[]): number[];
  abstract emit(streamId: string, values: readonly unknown[]): number[];
  abstract emit(streamId: string, anchor: Anchor, values: readonly unknown[]): number[];
  abstract emit(streamId: string, anchors: Anchors, values: readonly unknown[]): number[];
  abstract emitDirect(taskId: number | bigint, values: readonly unknown[]): void;
  abstract emitDirect(taskId: number | bigint, anchor: Anchor, values: readonly unknown[]): void;
  abstract emitDirect(taskId: number | bigint, anchors: Anchors, values: readonly unknown[]): void;
  abstract emitDirect(taskId: number | bigint, streamId: string, values: readonly unknown[]): void;
  abstract emitDirect(taskId: number | bigint, streamId: string, anchor: Anchor, values: readonly unknown[]): void;
  abstract emitDirect(taskId: number | bigint, streamId: string, anchors: Anchors, values: readonly unknown[]): void;
  abstract ack(input: Tuple): void;
  abstract fail(input: Tuple): void;
  abstract resetTimeout(input: Tuple): void;
  abstract reportError(error: unknown): void;
  abstract flush(): void;
}

export abstract class BasicOutputCollector {
  abstract emit(values: readonly unknown[]): number[];
  abstract emit(streamId: string, values: readonly unknown[]): number[];
  abstract emitDirect(taskId: number | bigint, values: readonly unknown[]): void;
  abstract emitDirect(taskId: number | bigint, streamId: string, values: readonly unknown[]): void;
  abstract resetTimeout(input: Tuple): void;
  abstract reportError(error: unknown): void;
  abstract setContext(input: Tuple): void;
  abstract getOutputter(): OutputCollector;
}

// --- R2 dispatch --------------------------------------------------------------------------------

/** Structural Tuple test (R2): test fakes with these two functions count as tuples. */
export function isTupleLike(x: unknown): x is Tuple {
  return (
    x !== null &&
    typeof x === 'object' &&
    typeof (x as { getValues?: unknown }).getValues === 'function' &&
    typeof (x as { getSourceComponent?: unknown }).getSourceComponent === 'function'
  );
}

export interface SpoutEmitArgs {
  streamId: string;
  values: readonly unknown[];
  /** undefined/null = untracked. */
  messageId: unknown;
}

export interface BoltEmitArgs {
  streamId: string;
  /** Empty = unanchored (includes a null/undefined anchor, §13). */
  anchors: readonly Tuple[];
  values: readonly unknown[];
}

export interface DirectTarget {
  taskId: number;
}

function valuesAt(args: readonly unknown[], i: number, method: string): readonly unknown[] {
  const v = args[i];
  if (!Array.isArray(v)) throw new TypeError(`${method}: expected the tuple values (an array) as argument ${i + 1}`);
  return v;
}

function taskIdOf(x: unknown, method: string): number {
  if (typeof x === 'bigint') return Number(x);
  if (typeof x === 'number' && Number.isInteger(x)) return x;
  throw new TypeError(`${method}: the first argument must be the target task id`);
}

/** `emit([stream,] values[, msgId])` */
export function dispatchSpoutEmit(args: readonly unknown[]): SpoutEmitArgs {
  if (typeof args[0] === 'string') {
    return { streamId: args[0], values: valuesAt(args, 1, 'emit'), messageId: args[2] };
  }
  return { streamId: Utils.DEFAULT_STREAM_ID, values: valuesAt(args, 0, 'emit'), messageId: args[1] };
}

/** `emitDirect(task, [stream,] values[, msgId])` */
export function dispatchSpoutEmitDirect(args: readonly unknown[]): SpoutEmitArgs & DirectTarget {
  return { taskId: taskIdOf(args[0], 'emitDirect'), ...dispatchSpoutEmit(args.slice(1)) };
}

function anchorsOf(x: unknown, method: string): readonly Tuple[] {
  if (x === null || x === undefined) return [];
  if (Array.isArray(x)) {
    for (let i = 0; i < x.length; i++) {
      if (!isTupleLike(x[i])) throw new TypeError(`${method}: anchor ${i} is not a Tuple`);
    }
    return x as Tuple[];
  }
  if (isTupleLike(x)) return [x];
  throw new TypeError(`${method}: expected a Tuple anchor or a list of anchors`);
}

/** `emit([stream,] [anchor | anchors,] values)` — the last argument is always the values. */
export function dispatchBoltEmit(args: readonly unknown[], method = 'emit'): BoltEmitArgs {
  const n = args.length;
  if (n === 1) return { streamId: Utils.DEFAULT_STREAM_ID, anchors: [], values: valuesAt(args, 0, method) };
  if (n === 2) {
    if (typeof args[0] === 'string') return { streamId: args[0], anchors: [], values: valuesAt(args, 1, method) };
    return { streamId: Utils.DEFAULT_STREAM_ID, anchors: anchorsOf(args[0], method), values: valuesAt(args, 1, method) };
  }
  if (n === 3) {
    if (typeof args[0] !== 'string') throw new TypeError(`${method}: the stream id must be a string`);
    return { streamId: args[0], anchors: anchorsOf(args[1], method), values: valuesAt(args, 2, method) };
  }
  throw new TypeError(`${method}: expected 1 to 3 arguments, got ${n}`);
}

/** `emitDirect(task, [stream,] [anchor | anchors,] values)` */
export function dispatchBoltEmitDirect(args: readonly unknown[]): BoltEmitArgs & DirectTarget {
  return { taskId: taskIdOf(args[0], 'emitDirect'), ...dispatchBoltEmit(args.slice(1), 'emitDirect') };
}

/** Basic collector: `emit([stream,] values)`. */
export function dispatchBasicEmit(args: readonly unknown[]): { streamId: string; values: readonly unknown[] } {
  if (typeof args[0] === 'string') return { streamId: args[0], values: valuesAt(args, 1, 'emit') };
  return { streamId: Utils.DEFAULT_STREAM_ID, values: valuesAt(args, 0, 'emit') };
}
