import { LRUCache } from 'lru-cache';
import { StreamOperator } from '../api/operator.ts';
import { StormshiftError, UserFunctionError, isRetriable, messageOf } from '../errors.ts';
import type { AsyncIoMetrics } from '../metrics/index.ts';
import { userError } from './user-error.ts';

export type AsyncFunction<IN, OUT> = (input: IN, signal: AbortSignal) => Promise<OUT>;

export interface AsyncRetryOptions {
  /** Attempts in total, the first included. */
  maxAttempts: number;
  strategy?: 'fixed' | 'exponential';
  delayMs: number;
  maxDelayMs?: number;
  multiplier?: number;
  /** Which errors are worth retrying; default: those `isRetriable` says are (a non-retriable StormshiftError is not). */
  retryOn?: (error: unknown) => boolean;
}

export interface AsyncCacheOptions<IN> {
  maxEntries: number;
  ttlMs?: number;
  /** Cache key of an input; default: the input itself when primitive, else its JSON. */
  key?: (input: IN) => string | number;
}
// A record whose key misses while a call for that key is already under way waits for that call's
// answer instead of making its own: a burst of one key costs one call however slow the answer is.

export interface AsyncIoOptions<IN, OUT> {
  /** Requests in flight at once; past it the operator backpressures. Default 100. */
  capacity?: number;
  /** Per attempt. Default 10 000 ms. */
  timeoutMs?: number;
  /** Emit results in input order (default) or as they complete. */
  ordered?: boolean;
  retry?: AsyncRetryOptions;
  cache?: AsyncCacheOptions<IN>;
  /** What a timed-out request yields: fail the job (default), drop the record, or a fallback value. */
  onTimeout?: 'fail' | 'drop' | ((input: IN) => OUT);
}

interface Entry<IN, OUT> {
  input: IN;
  timestamp: number;
  done: boolean;
  /** `undefined` results are dropped: the way to say "no output" for an input. */
  result: OUT | undefined;
  attempt: number;
  /** Cancels the attempt's timeout or the retry's back-off. */
  timer: (() => void) | undefined;
  abort: AbortController | undefined;
  /** Set on markers: a watermark held until every record that arrived before it has been emitted. */
  watermark?: number;
}

export class AsyncTimeoutError extends StormshiftError {
  constructor(operator: string, timeoutMs: number) {
    super('ASYNC_TIMEOUT', `async operator '${operator}' got no answer within ${timeoutMs} ms`, { retriable: true });
  }
}

/**
 * Async I/O (Flink's AsyncWaitOperator): calls an async function per record with a bounded number
 * in flight. Inputs whose results were not yet emitted are part of the checkpoint and are issued
 * again after a restore, so no lookup is lost.
 */
export class AsyncIoOperator<IN, OUT> extends StreamOperator<IN, OUT> {
  private readonly capacity: number;
  private readonly timeoutMs: number;
  private readonly ordered: boolean;
  /** Every input not yet emitted, in arrival order. */
  private queue: Array<Entry<IN, OUT>> = [];
  private waiting: Array<Entry<IN, OUT>> = [];
  private active = 0;
  private busy = false;
  private closed = false;
  private cache: LRUCache<string | number, { value: OUT | undefined }> | undefined;
  private metrics!: AsyncIoMetrics;
  private restored: Array<[IN, number]> | undefined;
  private drainWaiters: Array<() => void> = [];
  /** Per cache key with a call under way: the records waiting for its answer (see AsyncCacheOptions). */
  private followers = new Map<string | number, Array<Entry<IN, OUT>>>();

  constructor(
    private readonly fn: AsyncFunction<IN, OUT>,
    private readonly options: AsyncIoOptions<IN, OUT>,
  ) {
    super();
    this.capacity = options.capacity ?? 100;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.ordered = options.ordered ?? true;
  }

  override open(): void {
    const c = this.context;
    this.metrics = c.runtimeMetrics.asyncIo(c.jobName, c.operatorName, c.subtaskIndex);
    if (this.options.cache) {
      this.cache = new LRUCache({
        max: this.options.cache.maxEntries,
        ...(this.options.cache.ttlMs ? { ttl: this.options.cache.ttlMs } : {}),
      });
    }
    const restored = this.restored;
    this.restored = undefined;
    if (restored) for (const [input, timestamp] of restored) this.processElement(input, timestamp);
  }

  processElement(input: IN, timestamp: number): void {
    let cacheKey: string | number | undefined;
    try {
      cacheKey = this.cache ? this.cacheKey(input) : undefined;
    } catch (error) {
      throw userError(this.context.operatorName, input, error);
    }
    if (cacheKey !== undefined) {
      const hit = this.cache!.get(cacheKey);
      if (hit !== undefined) {
        this.metrics.cacheHits++;
        if (!this.ordered || this.queue.length === 0) {
          if (hit.value !== undefined) this.output.collect(hit.value, timestamp);
          return;
        }
        this.queue.push({
          input,
          timestamp,
          done: true,
          result: hit.value,
          attempt: 0,
          timer: undefined,
          abort: undefined,
        });
        return;
      }
      this.metrics.cacheMisses++;
    }
    const entry: Entry<IN, OUT> = {
      input,
      timestamp,
      done: false,
      result: undefined,
      attempt: 0,
      timer: undefined,
      abort: undefined,
    };
    this.queue.push(entry);
    const followers = cacheKey !== undefined ? this.followers.get(cacheKey) : undefined;
    if (followers) followers.push(entry);
    else {
      if (cacheKey !== undefined) this.followers.set(cacheKey, []);
      if (this.active < this.capacity) this.start(entry);
      else this.waiting.push(entry);
    }
    if (!this.busy && this.queue.length >= this.capacity) {
      this.busy = true;
      this.context.setBusy(true);
    }
  }

  private cacheKey(input: IN): string | number {
    const key = this.options.cache!.key;
    if (key) return key(input);
    return typeof input === 'string' || typeof input === 'number' ? input : JSON.stringify(input);
  }

  private start(entry: Entry<IN, OUT>): void {
    this.active++;
    this.metrics.inFlight++;
    this.attempt(entry);
  }

  private attempt(entry: Entry<IN, OUT>): void {
    entry.attempt++;
    const abort = new AbortController();
    entry.abort = abort;
    entry.timer = this.after(this.timeoutMs, () => this.onTimeout(entry, abort));
    let promise: Promise<OUT>;
    try {
      promise = this.fn(entry.input, abort.signal);
    } catch (error) {
      promise = Promise.reject(error);
    }
    promise.then(
      (result) => {
        if (entry.abort === abort) this.guarded(entry, () => this.complete(entry, result));
      },
      (error: unknown) => {
        if (entry.abort === abort) this.guarded(entry, () => this.onError(entry, error));
      },
    );
  }

  /**
   * Timer and promise callbacks run outside the record path: a throw from user code there (a
   * fallback, retryOn, a cache key) would be an uncaught exception and leave the job hanging. It
   * fails the job instead, naming the record.
   */
  private guarded(entry: Entry<IN, OUT>, body: () => void): void {
    try {
      body();
    } catch (error) {
      this.context.fail(userError(this.context.operatorName, entry.input, error));
    }
  }

  private onTimeout(entry: Entry<IN, OUT>, abort: AbortController): void {
    this.guarded(entry, () => this.handleTimeout(entry, abort));
  }

  private handleTimeout(entry: Entry<IN, OUT>, abort: AbortController): void {
    if (this.closed || entry.abort !== abort) return;
    entry.abort = undefined;
    abort.abort();
    this.metrics.timeouts++;
    const policy = this.options.onTimeout ?? 'fail';
    if (this.retryable(entry, new AsyncTimeoutError(this.context.operatorName, this.timeoutMs))) return;
    if (policy === 'fail') {
      // userError() passes our own errors through unchanged, which would lose the record; a timeout
      // is about one record, so name it.
      this.context.fail(
        new UserFunctionError(
          this.context.operatorName,
          entry.input,
          new AsyncTimeoutError(this.context.operatorName, this.timeoutMs),
        ),
      );
      return;
    }
    this.complete(entry, policy === 'drop' ? undefined : policy(entry.input), false);
  }

  private onError(entry: Entry<IN, OUT>, error: unknown): void {
    if (this.closed) return;
    entry.abort = undefined;
    entry.timer?.();
    if (this.retryable(entry, error)) return;
    this.context.fail(userError(this.context.operatorName, entry.input, error));
  }

  private retryable(entry: Entry<IN, OUT>, error: unknown): boolean {
    const retry = this.options.retry;
    if (!retry || entry.attempt >= retry.maxAttempts || !(retry.retryOn ?? isRetriable)(error)) return false;
    this.metrics.retries++;
    const base =
      retry.delayMs * (retry.strategy === 'exponential' ? (retry.multiplier ?? 2) ** (entry.attempt - 1) : 1);
    const delay = Math.min(retry.maxDelayMs ?? Infinity, base);
    entry.timer = this.after(delay, () => {
      if (!this.closed) this.attempt(entry);
    });
    return true;
  }

  /**
   * Timeouts and back-offs run on the job's processing-time service, not raw setTimeout: a test on
   * a ManualClock moves them with the clock, and a shut-down incarnation's timers never fire.
   */
  private after(ms: number, callback: () => void): () => void {
    const time = this.context.processingTime;
    return time.schedule(time.now() + ms, callback);
  }

  private complete(entry: Entry<IN, OUT>, result: OUT | undefined, answered = true): void {
    if (this.closed) return;
    entry.timer?.();
    entry.timer = undefined;
    entry.abort = undefined;
    entry.done = true;
    entry.result = result;
    this.active--;
    this.metrics.inFlight--;
    let followers: Array<Entry<IN, OUT>> = [];
    if (this.cache) {
      const key = this.cacheKey(entry.input);
      followers = this.followers.get(key) ?? [];
      this.followers.delete(key);
      if (answered) {
        this.cache.set(key, { value: result });
        for (const follower of followers) {
          follower.done = true;
          follower.result = result;
        }
      } else {
        // A timeout's fallback belongs to its own record: the waiting ones make their own calls,
        // the first leading the rest again.
        const [next, ...rest] = followers;
        followers = [];
        if (next) {
          this.followers.set(key, rest);
          if (this.active < this.capacity) this.start(next);
          else this.waiting.push(next);
        }
      }
    }
    try {
      this.emitReady(entry);
      for (const follower of followers) if (!this.ordered) this.emitReady(follower);
      while (this.active < this.capacity && this.waiting.length > 0) this.start(this.waiting.shift()!);
    } catch (error) {
      this.context.fail(
        error instanceof StormshiftError
          ? error
          : new StormshiftError('ASYNC_EMIT_FAILED', messageOf(error), { cause: error }),
      );
      return;
    }
    if (this.busy && this.queue.length < this.capacity) {
      this.busy = false;
      this.context.setBusy(false);
    }
    if (this.queue.length === 0 && this.drainWaiters.length > 0) {
      const waiters = this.drainWaiters;
      this.drainWaiters = [];
      for (const wake of waiters) wake();
    }
  }

  private emitReady(completed: Entry<IN, OUT>): void {
    if (!this.ordered) {
      this.queue.splice(this.queue.indexOf(completed), 1);
      if (completed.result !== undefined) this.output.collect(completed.result, completed.timestamp);
    }
    let emitted = 0;
    while (emitted < this.queue.length && this.queue[emitted]!.done) {
      const entry = this.queue[emitted]!;
      if (!this.ordered && entry.watermark === undefined) break;
      emitted++;
      if (entry.watermark !== undefined) this.output.emitWatermark(entry.watermark);
      else if (entry.result !== undefined) this.output.collect(entry.result, entry.timestamp);
    }
    if (emitted > 0) this.queue.splice(0, emitted);
  }

  override processWatermark(watermark: number): void {
    if (this.queue.length === 0) {
      this.output.emitWatermark(watermark);
      return;
    }
    this.queue.push({
      input: undefined as IN,
      timestamp: 0,
      done: true,
      result: undefined,
      attempt: 0,
      timer: undefined,
      abort: undefined,
      watermark,
    });
  }

  override snapshotState(): unknown {
    // Every input whose result has not left the operator; results already computed are cheap to redo.
    return this.queue.filter((e) => e.watermark === undefined).map((e) => [e.input, e.timestamp]);
  }

  override restoreState(state: unknown): void {
    if (Array.isArray(state) && state.length > 0) this.restored = state as Array<[IN, number]>;
  }

  override endInput(): Promise<void> {
    if (this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  override close(): void {
    this.closed = true;
    for (const entry of this.queue) {
      entry.timer?.();
      entry.abort?.abort();
    }
    if (this.metrics) this.metrics.inFlight -= this.active;
    this.queue = [];
    this.waiting = [];
    this.followers.clear();
  }
}
