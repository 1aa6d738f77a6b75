/**
 * Storm's collectors (§5.3). As in Storm they are concrete classes over a delegate: the executor
 * implements the normalised `ISpoutOutputCollector` / `IOutputCollector` (one signature per
 * method, stream and anchors explicit) and these classes resolve every overload at run time (R2)
 * without allocating. Ported unit tests can build them over a fake delegate, as Storm tests do
 * with mocks; the executor may also subclass them.
 */
import { Utils } from './utils.ts';
import type { Tuple } from './tuple.ts';

export type Anchor = Tuple | null | undefined;
export type Anchors = readonly Tuple[];

/** What the spout executor implements. `messageId` null/undefined = untracked. */
export interface ISpoutOutputCollector {
  emit(streamId: string, values: readonly unknown[], messageId: unknown): number[];
  emitDirect(taskId: number, streamId: string, values: readonly unknown[], messageId: unknown): void;
  getPendingCount(): number;
  flush(): void;
  reportError(error: unknown): void;
}

/** What the bolt executor implements. `anchors` empty = unanchored. */
export interface IOutputCollector {
  emit(streamId: string, anchors: Anchors, values: readonly unknown[]): number[];
  emitDirect(taskId: number, streamId: string, anchors: Anchors, values: readonly unknown[]): void;
  ack(input: Tuple): void;
  fail(input: Tuple): void;
  resetTimeout(input: Tuple): void;
  reportError(error: unknown): void;
  flush(): void;
}

const NO_ANCHORS: Anchors = Object.freeze([]) as Anchors;

function values(v: unknown, method: string): readonly unknown[] {
  if (!Array.isArray(v)) throw new TypeError(`${method}: expected the tuple values (an array)`);
  return v;
}

function taskId(x: unknown, method: string): number {
  if (typeof x === 'bigint') return Number(x);
  if (typeof x === 'number' && Number.isInteger(x)) return x;
  throw new TypeError(`${method}: the first argument must be the target task id`);
}

export class SpoutOutputCollector implements ISpoutOutputCollector {
  protected readonly delegate: ISpoutOutputCollector;

  constructor(delegate: ISpoutOutputCollector) {
    this.delegate = delegate;
  }

  emit(values: readonly unknown[]): number[];
  emit(values: readonly unknown[], messageId: unknown): number[];
  emit(streamId: string, values: readonly unknown[]): number[];
  emit(streamId: string, values: readonly unknown[], messageId: unknown): number[];
  emit(a: string | readonly unknown[], b?: unknown, c?: unknown): number[] {
    if (typeof a === 'string') return this.delegate.emit(a, values(b, 'emit'), c);
    return this.delegate.emit(Utils.DEFAULT_STREAM_ID, values(a, 'emit'), b);
  }

  emitDirect(taskId: number | bigint, values: readonly unknown[]): void;
  emitDirect(taskId: number | bigint, values: readonly unknown[], messageId: unknown): void;
  emitDirect(taskId: number | bigint, streamId: string, values: readonly unknown[]): void;
  emitDirect(taskId: number | bigint, streamId: string, values: readonly unknown[], messageId: unknown): void;
  emitDirect(t: number | bigint, a: string | readonly unknown[], b?: unknown, c?: unknown): void {
    const task = taskId(t, 'emitDirect');
    if (typeof a === 'string') this.delegate.emitDirect(task, a, values(b, 'emitDirect'), c);
    else this.delegate.emitDirect(task, Utils.DEFAULT_STREAM_ID, values(a, 'emitDirect'), b);
  }

  /** Tracked tuples not yet acked, failed or timed out. */
  getPendingCount(): number {
    return this.delegate.getPendingCount();
  }

  flush(): void {
    this.delegate.flush();
  }

  reportError(error: unknown): void {
    this.delegate.reportError(error);
  }
}

export class OutputCollector implements IOutputCollector {
  protected readonly delegate: IOutputCollector;

  constructor(delegate: IOutputCollector) {
    this.delegate = delegate;
  }

  emit(values: readonly unknown[]): number[];
  emit(anchor: Anchor, values: readonly unknown[]): number[];
  emit(anchors: Anchors, values: readonly unknown[]): number[];
  emit(streamId: string, values: readonly unknown[]): number[];
  emit(streamId: string, anchor: Anchor, values: readonly unknown[]): number[];
  emit(streamId: string, anchors: Anchors, values: readonly unknown[]): number[];
  emit(a?: unknown, b?: unknown, c?: unknown): number[] {
    // Named parameters and `arguments.length` rather than a rest array: no array per emit.
    switch (arguments.length) {
      case 1:
        return this.delegate.emit(Utils.DEFAULT_STREAM_ID, NO_ANCHORS, values(a, 'emit'));
      case 2:
        if (typeof a === 'string') return this.delegate.emit(a, NO_ANCHORS, values(b, 'emit'));
        return this.delegate.emit(Utils.DEFAULT_STREAM_ID, anchorList(a, 'emit'), values(b, 'emit'));
      case 3:
        return this.delegate.emit(streamOf(a, 'emit'), anchorList(b, 'emit'), values(c, 'emit'));
      default:
        throw new TypeError(`emit: expected 1 to 3 arguments, got ${arguments.length}`);
    }
  }

  emitDirect(taskId: number | bigint, values: readonly unknown[]): void;
  emitDirect(taskId: number | bigint, anchor: Anchor, values: readonly unknown[]): void;
  emitDirect(taskId: number | bigint, anchors: Anchors, values: readonly unknown[]): void;
  emitDirect(taskId: number | bigint, streamId: string, values: readonly unknown[]): void;
  emitDirect(taskId: number | bigint, streamId: string, anchor: Anchor, values: readonly unknown[]): void;
  emitDirect(taskId: number | bigint, streamId: string, anchors: Anchors, values: readonly unknown[]): void;
  emitDirect(...args: unknown[]): void {
    const task = taskId(args[0], 'emitDirect');
    switch (args.length) {
      case 2:
        this.delegate.emitDirect(task, Utils.DEFAULT_STREAM_ID, NO_ANCHORS, values(args[1], 'emitDirect'));
        return;
      case 3:
        if (typeof args[1] === 'string')
          this.delegate.emitDirect(task, args[1], NO_ANCHORS, values(args[2], 'emitDirect'));
        else
          this.delegate.emitDirect(
            task,
            Utils.DEFAULT_STREAM_ID,
            anchorList(args[1], 'emitDirect'),
            values(args[2], 'emitDirect'),
          );
        return;
      case 4:
        this.delegate.emitDirect(
          task,
          streamOf(args[1], 'emitDirect'),
          anchorList(args[2], 'emitDirect'),
          values(args[3], 'emitDirect'),
        );
        return;
      default:
        throw new TypeError(`emitDirect: expected 2 to 4 arguments, got ${args.length}`);
    }
  }

  ack(input: Tuple): void {
    this.delegate.ack(input);
  }

  fail(input: Tuple): void {
    this.delegate.fail(input);
  }

  /** Expensive in Storm (a message to the acker); use sparingly. */
  resetTimeout(input: Tuple): void {
    this.delegate.resetTimeout(input);
  }

  reportError(error: unknown): void {
    this.delegate.reportError(error);
  }

  flush(): void {
    this.delegate.flush();
  }
}

/**
 * The basic bolt's collector (§5.2): every emit is anchored to the current input (`setContext`).
 * Storm keeps one per executor; an executor wanting "late emits anchor to *their* input" (§5.2)
 * builds one per `execute` — it is two fields.
 */
export class BasicOutputCollector {
  protected readonly out: OutputCollector;
  protected inputTuple: Tuple | null = null;
  /**
   * `[inputTuple]`, built on the first emit of an input and shared by its other emits (a bolt
   * splitting a sentence emits several times per input). Never mutated: the next input gets its own.
   */
  private anchors: Anchors = NO_ANCHORS;

  constructor(out: OutputCollector) {
    this.out = out;
  }

  setContext(inputTuple: Tuple): void {
    this.inputTuple = inputTuple;
  }

  protected anchoredTo(): Anchors {
    const input = this.inputTuple;
    if (input === null) return NO_ANCHORS;
    // Checked by identity, so a subclass that sets `inputTuple` itself still anchors to it.
    if (this.anchors[0] !== input) this.anchors = [input];
    return this.anchors;
  }

  emit(values: readonly unknown[]): number[];
  emit(streamId: string, values: readonly unknown[]): number[];
  emit(a: string | readonly unknown[], b?: readonly unknown[]): number[] {
    if (typeof a === 'string') return this.out.emit(a, this.anchoredTo(), values(b, 'emit'));
    return this.out.emit(Utils.DEFAULT_STREAM_ID, this.anchoredTo(), values(a, 'emit'));
  }

  emitDirect(taskId: number | bigint, values: readonly unknown[]): void;
  emitDirect(taskId: number | bigint, streamId: string, values: readonly unknown[]): void;
  emitDirect(t: number | bigint, a: string | readonly unknown[], b?: readonly unknown[]): void {
    if (typeof a === 'string') this.out.emitDirect(t, a, this.inputTuple, values(b, 'emitDirect'));
    else this.out.emitDirect(t, Utils.DEFAULT_STREAM_ID, this.inputTuple, values(a, 'emitDirect'));
  }

  resetTimeout(input: Tuple): void {
    this.out.resetTimeout(input);
  }

  reportError(error: unknown): void {
    this.out.reportError(error);
  }

  getOutputter(): OutputCollector {
    return this.out;
  }
}

function streamOf(x: unknown, method: string): string {
  if (typeof x !== 'string') throw new TypeError(`${method}: the stream id must be a string`);
  return x;
}

function anchorList(x: unknown, method: string): Anchors {
  if (x === null || x === undefined) return NO_ANCHORS;
  if (Array.isArray(x)) {
    for (let i = 0; i < x.length; i++) {
      if (!isTupleLike(x[i])) throw new TypeError(`${method}: anchor ${i} is not a Tuple`);
    }
    return x as Anchors;
  }
  if (isTupleLike(x)) return [x];
  throw new TypeError(`${method}: expected a Tuple anchor or a list of anchors`);
}

/** Structural Tuple test (R2): anything with `getValues` and `getSourceComponent` functions anchors. */
export function isTupleLike(x: unknown): x is Tuple {
  return (
    x !== null &&
    typeof x === 'object' &&
    typeof (x as { getValues?: unknown }).getValues === 'function' &&
    typeof (x as { getSourceComponent?: unknown }).getSourceComponent === 'function'
  );
}
