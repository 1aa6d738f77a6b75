import { describe, expect, it } from 'vitest';
import { WindowManager, type WindowListener } from '../../../compat/windowing/window-manager.ts';
import { parseWindowConfig, type WindowSpec } from '../../../compat/windowing/window-config.ts';
import type { Activation } from './helpers.ts';

type Ev = string;

function spec(conf: Record<string, unknown>, eventTime = false): WindowSpec {
  return parseWindowConfig(conf, eventTime);
}

const LEN_MS = 'topology.bolts.window.length.duration.ms';
const SLIDE_MS = 'topology.bolts.window.sliding.interval.duration.ms';
const LEN_N = 'topology.bolts.window.length.count';
const SLIDE_N = 'topology.bolts.window.sliding.interval.count';
const LAG = 'topology.bolts.tuple.timestamp.max.lag.ms';

function recorder() {
  const log: string[] = [];
  const activations: Activation<Ev>[] = [];
  const expired: Ev[][] = [];
  const late: [Ev, number][] = [];
  const listener: WindowListener<Ev> = {
    onExpiry(e) {
      expired.push(e);
      log.push(`expire ${e.join(',')}`);
    },
    onActivation(w, tuples) {
      activations.push({
        tuples: w.get(),
        newTuples: w.getNew(),
        expired: w.getExpired(),
        start: w.getStartTimestamp(),
        end: w.getEndTimestamp(),
      });
      expect(tuples).toEqual(w.get());
      log.push(`fire ${tuples.join(',')}`);
    },
    onLateTuple(t, ts) {
      late.push([t, ts]);
    },
  };
  return { log, activations, expired, late, listener };
}

describe('processing-time count windows', () => {
  it('slides: length 5, slide 2', () => {
    const r = recorder();
    const wm = new WindowManager<Ev>({ spec: spec({ [LEN_N]: 5, [SLIDE_N]: 2 }), listener: r.listener });
    expect(wm.timerIntervalMs()).toBeNull();
    for (let i = 1; i <= 6; i++) wm.add(`e${i}`, 1000 + i);
    expect(r.activations.map((a) => a.tuples)).toEqual([
      ['e1', 'e2'],
      ['e1', 'e2', 'e3', 'e4'],
      ['e2', 'e3', 'e4', 'e5', 'e6'],
    ]);
    expect(r.activations.map((a) => a.newTuples)).toEqual([
      ['e1', 'e2'],
      ['e3', 'e4'],
      ['e5', 'e6'],
    ]);
    expect(r.activations.map((a) => a.expired)).toEqual([[], [], ['e1']]);
    expect(r.log).toEqual(['fire e1,e2', 'fire e1,e2,e3,e4', 'expire e1', 'fire e2,e3,e4,e5,e6']);
    // Count windows have an end (reference time) but no start.
    expect(r.activations[2]!.end).toBe(1006);
    expect(r.activations[2]!.start).toBeNull();
  });

  it('tumbles: length = slide = 3', () => {
    const r = recorder();
    const wm = new WindowManager<Ev>({ spec: spec({ [LEN_N]: 3, [SLIDE_N]: 3 }), listener: r.listener });
    for (let i = 1; i <= 7; i++) wm.add(`e${i}`, i);
    expect(r.activations.map((a) => [a.tuples, a.expired])).toEqual([
      [['e1', 'e2', 'e3'], []],
      [
        ['e4', 'e5', 'e6'],
        ['e1', 'e2', 'e3'],
      ],
    ]);
    expect(wm.size()).toBe(4);
  });

  it('expires old events every 100 adds even without a trigger', () => {
    const r = recorder();
    const wm = new WindowManager<Ev>({ spec: spec({ [LEN_N]: 10, [SLIDE_N]: 1000 }), listener: r.listener });
    for (let i = 0; i < 100; i++) wm.add(`e${i}`, i);
    expect(r.activations).toEqual([]);
    expect(r.expired).toHaveLength(1);
    expect(r.expired[0]).toHaveLength(90);
    expect(r.expired[0]![0]).toBe('e0');
    expect(wm.size()).toBe(10);
  });
});

describe('processing-time duration windows', () => {
  it('slides on the timer, with start = end − length and the first window keeping everything', () => {
    const r = recorder();
    const wm = new WindowManager<Ev>({ spec: spec({ [LEN_MS]: 10_000, [SLIDE_MS]: 5_000 }), listener: r.listener });
    expect(wm.timerIntervalMs()).toBe(5000);
    wm.add('e1', 1000);
    wm.add('e2', 3000);
    wm.onTimer(5000);
    wm.add('e3', 7000);
    wm.onTimer(10_000);
    wm.onTimer(15_000);
    expect(r.activations).toEqual([
      { tuples: ['e1', 'e2'], newTuples: ['e1', 'e2'], expired: [], start: 4999 - 10_000, end: 4999 },
      { tuples: ['e1', 'e2', 'e3'], newTuples: ['e3'], expired: [], start: -1, end: 9999 },
      { tuples: ['e3'], newTuples: [], expired: ['e1', 'e2'], start: 4999, end: 14_999 },
    ]);
    // Nothing left in the window: the expiry is reported but execute is not called.
    wm.onTimer(20_000);
    expect(r.activations).toHaveLength(3);
    expect(r.expired.at(-1)).toEqual(['e3']);
  });

  it('tumbles on the timer', () => {
    const r = recorder();
    const wm = new WindowManager<Ev>({ spec: spec({ [LEN_MS]: 1000, [SLIDE_MS]: 1000 }), listener: r.listener });
    wm.add('a', 100);
    wm.add('b', 900);
    wm.onTimer(1000);
    wm.add('c', 1500);
    wm.onTimer(2000);
    expect(r.activations.map((a) => [a.tuples, a.expired])).toEqual([
      [['a', 'b'], []],
      [['c'], ['a', 'b']],
    ]);
  });

  it('does not call execute for an empty window', () => {
    const r = recorder();
    const wm = new WindowManager<Ev>({ spec: spec({ [LEN_MS]: 1000, [SLIDE_MS]: 500 }), listener: r.listener });
    wm.onTimer(500);
    wm.onTimer(1000);
    expect(r.activations).toEqual([]);
  });
});

describe('event-time windows', () => {
  const base = Date.UTC(2026, 0, 1, 6, 0, 0);
  const s = (sec: number) => base + sec * 1000;
  const et = () =>
    spec(
      { [LEN_MS]: 20_000, [SLIDE_MS]: 10_000, [LAG]: 5000, 'topology.bolts.watermark.event.interval.ms': 1000 },
      true,
    );

  it('follows the Storm documentation example', () => {
    const r = recorder();
    const wm = new WindowManager<Ev>({ spec: et(), listener: r.listener, inputStreams: ['s'] });
    expect(wm.timerIntervalMs()).toBe(1000);
    const first: [Ev, number][] = [
      ['e1', 3],
      ['e2', 5],
      ['e3', 7],
      ['e4', 18],
      ['e5', 26],
      ['e6', 36],
    ];
    for (const [e, t] of first) expect(wm.add(e, s(t), 's')).toBe(true);
    wm.onTimer(0);
    expect(wm.getWatermark()).toBe(s(31));
    expect(r.activations.map((a) => [a.end, a.tuples])).toEqual([
      [s(10), ['e1', 'e2', 'e3']],
      [s(20), ['e1', 'e2', 'e3', 'e4']],
      [s(30), ['e4', 'e5']],
    ]);
    expect(r.activations[0]!.start).toBe(s(-10));
    const second: [Ev, number][] = [
      ['e7', 7225],
      ['e8', 7226],
      ['e9', 7227],
      ['e10', 7239],
    ];
    for (const [e, t] of second) wm.add(e, s(t), 's');
    wm.onTimer(0);
    expect(wm.getWatermark()).toBe(s(7234));
    expect(r.activations.slice(3).map((a) => [a.end, a.tuples])).toEqual([
      [s(40), ['e5', 'e6']],
      [s(50), ['e6']],
      [s(7230), ['e7', 'e8', 'e9']],
    ]);
  });

  it('reports late tuples instead of windowing them', () => {
    const r = recorder();
    const wm = new WindowManager<Ev>({ spec: et(), listener: r.listener, inputStreams: ['s'] });
    wm.add('e1', s(3), 's');
    wm.add('e2', s(40), 's');
    wm.onTimer(0);
    expect(wm.getWatermark()).toBe(s(35));
    expect(wm.add('old', s(20), 's')).toBe(false);
    expect(r.late).toEqual([['old', s(20)]]);
    expect(wm.add('ontime', s(35), 's')).toBe(true);
    wm.add('e3', s(60), 's');
    wm.onTimer(0);
    const all = r.activations.flatMap((a) => a.tuples);
    expect(all).not.toContain('old');
    expect(all).toContain('ontime');
  });

  it('waits for every input stream, and only emits increasing watermarks', () => {
    const r = recorder();
    const wm = new WindowManager<Ev>({
      spec: spec({ [LEN_MS]: 10, [SLIDE_MS]: 10 }, true),
      listener: r.listener,
      inputStreams: ['a', 'b'],
    });
    wm.add('a1', 45, 'a');
    wm.add('a2', 100, 'a');
    wm.onTimer(0);
    expect(wm.getWatermark()).toBe(0);
    expect(r.activations).toEqual([]);
    wm.add('b1', 50, 'b');
    wm.onTimer(0);
    expect(wm.getWatermark()).toBe(50);
    expect(r.activations.map((x) => [x.end, x.tuples])).toEqual([[50, ['a1']]]);
    wm.add('b2', 40, 'b'); // below the watermark: late
    wm.onTimer(0);
    expect(wm.getWatermark()).toBe(50);
    expect(r.late.map((l) => l[0])).toEqual(['b2']);
  });

  it('subtracts the lag', () => {
    const r = recorder();
    const wm = new WindowManager<Ev>({
      spec: spec({ [LEN_MS]: 10, [SLIDE_MS]: 10, [LAG]: 25 }, true),
      listener: r.listener,
      inputStreams: ['a'],
    });
    wm.add('x', 100, 'a');
    wm.onTimer(0);
    expect(wm.getWatermark()).toBe(75);
    expect(r.activations).toEqual([]);
    wm.add('y', 125, 'a');
    wm.onTimer(0);
    expect(wm.getWatermark()).toBe(100);
    expect(r.activations.map((x) => [x.end, x.tuples])).toEqual([[100, ['x']]]);
  });

  it('count windows count only tuples at or below the watermark', () => {
    const r = recorder();
    const wm = new WindowManager<Ev>({
      spec: spec({ [LEN_N]: 2, [SLIDE_N]: 2, [LAG]: 5 }, true),
      listener: r.listener,
      inputStreams: ['a'],
    });
    for (const [e, t] of [
      ['e1', 10],
      ['e2', 20],
      ['e3', 30],
      ['e4', 40],
    ] as const)
      wm.add(e, t, 'a');
    wm.onTimer(0); // wm 35: e1,e2 form a window; e3 alone is not enough, e4 is beyond
    expect(r.activations.map((x) => [x.end, x.tuples])).toEqual([[20, ['e1', 'e2']]]);
    wm.add('e5', 50, 'a');
    wm.onTimer(0); // wm 45: e3,e4
    expect(r.activations.map((x) => [x.end, x.tuples, x.expired])).toEqual([
      [20, ['e1', 'e2'], []],
      [40, ['e3', 'e4'], ['e1', 'e2']],
    ]);
  });

  it('rejects event time without the input streams', () => {
    expect(() => new WindowManager<Ev>({ spec: et(), listener: recorder().listener })).toThrow(/input streams/);
  });
});

describe('snapshot / restore', () => {
  function run(conf: Record<string, unknown>, eventTime: boolean, cutAt: number | null) {
    const r = recorder();
    const opts = {
      spec: spec(conf, eventTime),
      listener: r.listener,
      inputStreams: ['a', 'b'],
      encodeTuple: (t: Ev) => ({ id: t }),
      decodeTuple: (d: unknown) => (d as { id: string }).id,
    };
    let wm = new WindowManager<Ev>(opts);
    for (let i = 0; i < 40; i++) {
      if (i === cutAt) {
        const snap = JSON.parse(JSON.stringify(wm.snapshot()));
        wm = new WindowManager<Ev>(opts);
        wm.restore(snap);
      }
      wm.add(`e${i}`, 1000 + i * 7 - (i % 3) * 4, i % 2 === 0 ? 'a' : 'b');
      if (i % 5 === 4) wm.onTimer(1000 + i * 7);
    }
    return r.log;
  }

  it('continues exactly as an uninterrupted engine (JSON round trip through the codec)', () => {
    const confs: [Record<string, unknown>, boolean][] = [
      [{ [LEN_N]: 5, [SLIDE_N]: 3 }, false],
      [{ [LEN_MS]: 40, [SLIDE_MS]: 20 }, false],
      [{ [LEN_MS]: 40, [SLIDE_MS]: 20, [LAG]: 5 }, true],
      [{ [LEN_N]: 4, [SLIDE_N]: 2 }, true],
    ];
    for (const [conf, eventTime] of confs) {
      const whole = run(conf, eventTime, null);
      expect(whole.length).toBeGreaterThan(3);
      for (const cut of [1, 7, 13, 26]) expect(run(conf, eventTime, cut)).toEqual(whole);
    }
  });
});
