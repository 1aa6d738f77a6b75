import { describe, expect, it } from 'vitest';
import { validateWindowConfig } from '../../../compat/windowing/window-config.ts';
import { IllegalArgumentException } from '../../../compat/component/exceptions.ts';

const LEN_MS = 'topology.bolts.window.length.duration.ms';
const SLIDE_MS = 'topology.bolts.window.sliding.interval.duration.ms';
const LEN_N = 'topology.bolts.window.length.count';
const SLIDE_N = 'topology.bolts.window.sliding.interval.count';

describe('validateWindowConfig', () => {
  it('parses a valid duration window with defaults', () => {
    const spec = validateWindowConfig({ [LEN_MS]: 10_000, [SLIDE_MS]: 5_000 }, { 'topology.message.timeout.secs': 30 });
    expect(spec).toMatchObject({
      lengthDurationMs: 10_000,
      slideDurationMs: 5_000,
      lengthCount: null,
      slideCount: null,
    });
    expect(spec.watermarkIntervalMs).toBe(1000);
    expect(spec.lagMs).toBe(0);
  });

  it('requires length + slide ≤ message timeout for duration windows', () => {
    expect(() =>
      validateWindowConfig({ [LEN_MS]: 25_000, [SLIDE_MS]: 10_000 }, { 'topology.message.timeout.secs': 30 }),
    ).toThrow(
      new IllegalArgumentException(
        'Window duration (length + sliding interval) value 35000 is more than topology.message.timeout.secs value 30000',
      ),
    );
    // Mixed window: only the duration part counts.
    expect(() => validateWindowConfig({ [LEN_MS]: 25_000, [SLIDE_N]: 100 }, {})).not.toThrow();
    // Timeouts disabled: no limit.
    expect(() =>
      validateWindowConfig({ [LEN_MS]: 60_000, [SLIDE_MS]: 60_000 }, { 'topology.enable.message.timeouts': false }),
    ).not.toThrow();
  });

  it('requires length + slide ≤ max spout pending for count windows when set', () => {
    expect(() => validateWindowConfig({ [LEN_N]: 8, [SLIDE_N]: 4 }, { 'topology.max.spout.pending': 10 })).toThrow(
      'Window count (length + sliding interval) value 12 is more than topology.max.spout.pending value 10',
    );
    expect(() => validateWindowConfig({ [LEN_N]: 8, [SLIDE_N]: 4 }, {})).not.toThrow();
    // The component conf can set max spout pending too (whitelisted key).
    expect(() => validateWindowConfig({ [LEN_N]: 8, [SLIDE_N]: 4, 'topology.max.spout.pending': 5 }, {})).toThrow(
      /value 12 is more than topology.max.spout.pending value 5/,
    );
  });

  it('rejects a late stream without a timestamp extractor, and a missing length', () => {
    expect(() => validateWindowConfig({ [LEN_N]: 3, 'topology.bolts.late.tuple.stream': 'late' }, {})).toThrow(
      'Late tuple stream can be defined only when specifying a timestamp field',
    );
    const ok = validateWindowConfig(
      { [LEN_N]: 3, 'topology.bolts.late.tuple.stream': 'late' },
      {},
      { hasTimestampExtractor: true },
    );
    expect(ok.lateTupleStream).toBe('late');
    expect(() => validateWindowConfig({ [SLIDE_N]: 3 }, {})).toThrow('Window length is not specified');
  });

  it('requires the message id field for non-persistent stateful windowed bolts', () => {
    expect(() => validateWindowConfig({ [LEN_N]: 3 }, {}, { statefulNonPersistent: true })).toThrow(
      'topology.bolts.message.id.field.name is not set',
    );
    expect(
      validateWindowConfig(
        { [LEN_N]: 3, 'topology.bolts.message.id.field.name': 'id' },
        {},
        { statefulNonPersistent: true },
      ).messageIdField,
    ).toBe('id');
  });

  it('reads lag and watermark interval only in event time', () => {
    const conf = {
      [LEN_MS]: 1000,
      'topology.bolts.tuple.timestamp.max.lag.ms': 50,
      'topology.bolts.watermark.event.interval.ms': 20,
    };
    expect(validateWindowConfig(conf, {}, { hasTimestampExtractor: true })).toMatchObject({
      eventTime: true,
      lagMs: 50,
      watermarkIntervalMs: 20,
      slideCount: 1,
    });
  });
});
