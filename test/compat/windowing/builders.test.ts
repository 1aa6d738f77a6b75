import { describe, expect, it } from 'vitest';
import { BaseWindowedBolt } from '../../../compat/windowing/base-windowed-bolt.ts';
import { BaseStatefulWindowedBolt } from '../../../compat/windowing/base-stateful-windowed-bolt.ts';
import { Count } from '../../../compat/windowing/count.ts';
import { Duration } from '../../../compat/windowing/duration.ts';
import { TimeUnit } from '../../../compat/windowing/time-unit.ts';
import { TupleFieldTimestampExtractor } from '../../../compat/windowing/timestamp-extractor.ts';
import { TupleWindowImpl, TupleWindowIterImpl } from '../../../compat/windowing/window.ts';
import { IllegalArgumentException, UnsupportedOperationException } from '../../../compat/component/exceptions.ts';
import type { TupleWindow } from '../../../compat/windowing/window.ts';
import { tupleFactory } from './helpers.ts';

class MyBolt extends BaseWindowedBolt {
  execute(_w: TupleWindow): void {}
}

class MyStatefulBolt extends BaseStatefulWindowedBolt {
  execute(_w: TupleWindow): void {}
  initState(): void {}
}

describe('Count, Duration, TimeUnit', () => {
  it('mirror Storm', () => {
    expect(Count.of(5).value).toBe(5);
    expect(new Count(5).equals(Count.of(5))).toBe(true);
    expect(String(Count.of(3))).toBe('Count{value=3}');
    expect(Duration.seconds(2).value).toBe(2000);
    expect(Duration.minutes(1).value).toBe(60_000);
    expect(Duration.hours(1).value).toBe(3_600_000);
    expect(Duration.days(1).value).toBe(86_400_000);
    expect(Duration.of(7).value).toBe(7);
    expect(new Duration(3, TimeUnit.SECONDS).value).toBe(3000);
    expect(new Duration(1500, TimeUnit.MICROSECONDS).value).toBe(1);
    expect(String(Duration.of(10))).toBe('Duration{value=10}');
    expect(() => Duration.of(-1)).toThrow(new IllegalArgumentException('Duration cannot be negative'));
    expect(() => Duration.days(25)).toThrow('Duration is too long');
    expect(BaseWindowedBolt.Count).toBe(Count);
    expect(BaseWindowedBolt.Duration).toBe(Duration);
    const typed: BaseWindowedBolt.Count = BaseWindowedBolt.Count.of(1);
    expect(typed.value).toBe(1);
  });
});

describe('BaseWindowedBolt builders', () => {
  it('write the topology.bolts.* keys for all four length/slide combinations', () => {
    expect(new MyBolt().withWindow(Count.of(10), Count.of(2)).getComponentConfiguration()).toEqual({
      'topology.bolts.window.length.count': 10,
      'topology.bolts.window.sliding.interval.count': 2,
    });
    expect(new MyBolt().withWindow(Count.of(10), Duration.seconds(2)).getComponentConfiguration()).toEqual({
      'topology.bolts.window.length.count': 10,
      'topology.bolts.window.sliding.interval.duration.ms': 2000,
    });
    expect(new MyBolt().withWindow(Duration.seconds(10), Count.of(2)).getComponentConfiguration()).toEqual({
      'topology.bolts.window.length.duration.ms': 10000,
      'topology.bolts.window.sliding.interval.count': 2,
    });
    expect(new MyBolt().withWindow(Duration.seconds(10), Duration.seconds(5)).getComponentConfiguration()).toEqual({
      'topology.bolts.window.length.duration.ms': 10000,
      'topology.bolts.window.sliding.interval.duration.ms': 5000,
    });
  });

  it('defaults the slide to Count 1 and makes tumbling windows slide by their length', () => {
    expect(new MyBolt().withWindow(Duration.seconds(3)).getComponentConfiguration()).toEqual({
      'topology.bolts.window.length.duration.ms': 3000,
      'topology.bolts.window.sliding.interval.count': 1,
    });
    expect(new MyBolt().withTumblingWindow(Count.of(4)).getComponentConfiguration()).toEqual({
      'topology.bolts.window.length.count': 4,
      'topology.bolts.window.sliding.interval.count': 4,
    });
  });

  it('writes lag, watermark interval and late stream, and keeps the builder type', () => {
    const b = new MyBolt()
      .withTumblingWindow(Duration.seconds(5))
      .withTimestampField('ts')
      .withLag(Duration.seconds(1))
      .withWatermarkInterval(Duration.of(200))
      .withLateTupleStream('late');
    expect(b).toBeInstanceOf(MyBolt);
    expect(b.getComponentConfiguration()).toMatchObject({
      'topology.bolts.tuple.timestamp.max.lag.ms': 1000,
      'topology.bolts.watermark.event.interval.ms': 200,
      'topology.bolts.late.tuple.stream': 'late',
    });
    expect(b.getTimestampExtractor()).toBeInstanceOf(TupleFieldTimestampExtractor);
  });

  it('rejects bad lengths, slides and extractors with Storm messages', () => {
    expect(() => new MyBolt().withWindow(Count.of(0))).toThrow('Window length must be positive [Count{value=0}]');
    expect(() => new MyBolt().withWindow(Count.of(2), Duration.of(0))).toThrow(
      'Sliding interval must be positive [Duration{value=0}]',
    );
    expect(() => new MyBolt().withWindow(null as unknown as Count)).toThrow(IllegalArgumentException);
    expect(() => new MyBolt().withTimestampExtractor(null as never)).toThrow(
      'Timestamp extractor cannot be set to null',
    );
    const b = new MyBolt().withTimestampField('ts');
    expect(() => b.withTimestampField('other')).toThrow(/Window is already configured with a timestamp extractor/);
    expect(() => new MyBolt().withLateTupleStream(null as never)).toThrow('Cannot set late tuple stream id to null');
  });

  it('stateful windowed builders', () => {
    const b = new MyStatefulBolt().withWindow(Count.of(3)).withMessageIdField('msgid');
    expect(b.getComponentConfiguration()).toMatchObject({ 'topology.bolts.message.id.field.name': 'msgid' });
    expect(b.isPersistent()).toBe(false);
    expect(b.maxEventsInMemory()).toBe(1_000_000);
    expect(b.withPersistence().withMaxEventsInMemory(10).isPersistent()).toBe(true);
    expect(b.maxEventsInMemory()).toBe(10);
  });
});

describe('TupleFieldTimestampExtractor and windows', () => {
  const mk = tupleFactory({ 's:default': ['ts', 'v'] });

  it('reads an integer-ms field and rejects other types', () => {
    const ex = TupleFieldTimestampExtractor.of('ts');
    expect(ex.extractTimestamp(mk('s', 'default', [1234, 'x']))).toBe(1234);
    expect(ex.extractTimestamp(mk('s', 'default', [99n, 'x']))).toBe(99);
    expect(() => ex.extractTimestamp(mk('s', 'default', ['soon', 'x']))).toThrow(TypeError);
  });

  it('getIter only on persistent windows; getNew/getExpired not on them', () => {
    const t = mk('s', 'default', [1, 'a']);
    const w = new TupleWindowImpl([t], [t], [], null, 5);
    expect(() => w.getIter()).toThrow(new UnsupportedOperationException('Not implemented'));
    expect(w.getEndTimestamp()).toBe(5);
    expect(w.getStartTimestamp()).toBeNull();
    const p = new TupleWindowIterImpl(() => [t][Symbol.iterator](), 0, 5);
    expect(p.getIter().next().value).toBe(t);
    expect(p.get()).toEqual([t]);
    expect(() => p.getNew()).toThrow('Not implemented');
    expect(() => p.getExpired()).toThrow('Not implemented');
  });
});
