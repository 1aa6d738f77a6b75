import { CONFIG_KEYS as K } from '../component/config-keys.ts';
import { IllegalArgumentException } from '../component/exceptions.ts';
import { Count } from './count.ts';
import { Duration } from './duration.ts';
import { TupleFieldTimestampExtractor, type TimestampExtractor } from './timestamp-extractor.ts';
import type { TupleWindow } from './window.ts';
import type { OutputCollector } from '../component/collectors.ts';
import type { Conf } from '../component/config.ts';
import type { TopologyContext } from '../component/context.ts';
import type { MaybePromise, OutputFieldsDeclarer } from '../component/interfaces.ts';
import type { IWindowedBolt } from './windowed-bolt.ts';

type Span = Count | Duration;

function isCount(x: unknown): x is Count {
  return x instanceof Count || (x != null && (x as object).constructor?.name === 'Count');
}

function isDuration(x: unknown): x is Duration {
  return x instanceof Duration || (x != null && (x as object).constructor?.name === 'Duration');
}

/**
 * Storm's BaseWindowedBolt. Builders write the `topology.bolts.*` keys into the map returned by
 * `getComponentConfiguration()`, which the builder reads inside `setBolt` (§3.1): configure the window
 * before `setBolt`. Builders return `this`, so subclasses (JoinBolt) keep their own type.
 */
export abstract class BaseWindowedBolt implements IWindowedBolt {
  static readonly Count = Count;
  static readonly Duration = Duration;

  protected readonly windowConfiguration: Conf = {};
  protected timestampExtractor: TimestampExtractor | null = null;

  private withWindowLength(len: Span | null | undefined): this {
    if (isCount(len)) {
      if (len.value <= 0) throw new IllegalArgumentException(`Window length must be positive [${len}]`);
      this.windowConfiguration[K.TOPOLOGY_BOLTS_WINDOW_LENGTH_COUNT] = len.value;
    } else if (isDuration(len)) {
      if (len.value <= 0) throw new IllegalArgumentException(`Window length must be positive [${len}]`);
      this.windowConfiguration[K.TOPOLOGY_BOLTS_WINDOW_LENGTH_DURATION_MS] = len.value;
    } else if (len == null) {
      throw new IllegalArgumentException('Window length cannot be set null');
    } else {
      throw new IllegalArgumentException(`Window length must be a Count or a Duration, got ${String(len)}`);
    }
    return this;
  }

  private withSlidingInterval(slide: Span | null | undefined): this {
    if (isCount(slide)) {
      if (slide.value <= 0) throw new IllegalArgumentException(`Sliding interval must be positive [${slide}]`);
      this.windowConfiguration[K.TOPOLOGY_BOLTS_SLIDING_INTERVAL_COUNT] = slide.value;
    } else if (isDuration(slide)) {
      if (slide.value <= 0) throw new IllegalArgumentException(`Sliding interval must be positive [${slide}]`);
      this.windowConfiguration[K.TOPOLOGY_BOLTS_SLIDING_INTERVAL_DURATION_MS] = slide.value;
    } else if (slide == null) {
      throw new IllegalArgumentException('Sliding interval cannot be set null');
    } else {
      throw new IllegalArgumentException(`Sliding interval must be a Count or a Duration, got ${String(slide)}`);
    }
    return this;
  }

  /** Sliding window of `windowLength`, sliding by `slidingInterval` (default `Count.of(1)`). */
  withWindow(windowLength: Count, slidingInterval: Count): this;
  withWindow(windowLength: Count, slidingInterval: Duration): this;
  withWindow(windowLength: Duration, slidingInterval: Count): this;
  withWindow(windowLength: Duration, slidingInterval: Duration): this;
  withWindow(windowLength: Count | Duration): this;
  withWindow(windowLength: Span, slidingInterval?: Span): this {
    this.withWindowLength(windowLength);
    return this.withSlidingInterval(arguments.length < 2 ? new Count(1) : slidingInterval);
  }

  /** Window length = sliding interval. */
  withTumblingWindow(count: Count): this;
  withTumblingWindow(duration: Duration): this;
  withTumblingWindow(span: Span): this {
    return this.withWindowLength(span).withSlidingInterval(span);
  }

  /** Event-time windows on an integer-ms tuple field. */
  withTimestampField(fieldName: string): this {
    return this.withTimestampExtractor(TupleFieldTimestampExtractor.of(fieldName));
  }

  withTimestampExtractor(timestampExtractor: TimestampExtractor): this {
    if (timestampExtractor == null) {
      throw new IllegalArgumentException('Timestamp extractor cannot be set to null');
    }
    if (this.timestampExtractor != null) {
      throw new IllegalArgumentException(
        `Window is already configured with a timestamp extractor: ${String(timestampExtractor)}`,
      );
    }
    this.timestampExtractor = timestampExtractor;
    return this;
  }

  getTimestampExtractor(): TimestampExtractor | null {
    return this.timestampExtractor;
  }

  /** Tuples later than the watermark go to `streamId` (auto-declared with the field `late_tuple`). */
  withLateTupleStream(streamId: string): this {
    if (streamId == null) throw new IllegalArgumentException('Cannot set late tuple stream id to null');
    this.windowConfiguration[K.TOPOLOGY_BOLTS_LATE_TUPLE_STREAM] = streamId;
    return this;
  }

  /** Maximum out-of-orderness of event timestamps. */
  withLag(duration: Duration): this {
    if (duration == null) throw new IllegalArgumentException('Lag duration cannot be set null');
    this.windowConfiguration[K.TOPOLOGY_BOLTS_TUPLE_TIMESTAMP_MAX_LAG_MS] = duration.value;
    return this;
  }

  /** How often watermarks are computed (default 1 s); honoured per component in stormshift (§4). */
  withWatermarkInterval(interval: Duration): this {
    if (interval == null) throw new IllegalArgumentException('Watermark interval cannot be set null');
    this.windowConfiguration[K.TOPOLOGY_BOLTS_WATERMARK_EVENT_INTERVAL_MS] = interval.value;
    return this;
  }

  prepare(_topoConf: Conf, _context: TopologyContext, _collector: OutputCollector): MaybePromise {}

  abstract execute(inputWindow: TupleWindow): MaybePromise;

  cleanup(): void {}

  declareOutputFields(_declarer: OutputFieldsDeclarer): void {}

  getComponentConfiguration(): Conf | null {
    return this.windowConfiguration;
  }
}

/** Lets ported code write `BaseWindowedBolt.Count` / `BaseWindowedBolt.Duration` in type positions too. */
// eslint-disable-next-line @typescript-eslint/no-namespace
export declare namespace BaseWindowedBolt {
  type Count = import('./count.ts').Count;
  type Duration = import('./duration.ts').Duration;
}
