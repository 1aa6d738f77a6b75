import { describe, expect, it } from 'vitest';
import {
  ManualClock,
  collectSink,
  EventTimeSessionWindows,
  OutputTag,
  SlidingEventTimeWindows,
  StreamEnvironment,
  TumblingEventTimeWindows,
  TumblingProcessingTimeWindows,
  SlidingProcessingTimeWindows,
  ProcessingTimeSessionWindows,
  JobGraphError,
  type TimeWindow,
  type WindowAssigner,
} from '../../../runtime/index.ts';
import { quiet, runToList, scriptedSource, sleep, type Step } from '../../fixtures/runtime/helpers.ts';

type Ev = { k: string; n: number };
const ev = (k: string, n: number, ts: number): Step<Ev> => ({ value: { k, n }, ts });
const wm = (watermark: number): Step<Ev> => ({ watermark });
const describeWindow = (key: string, w: TimeWindow, items: Ev[]) =>
  `${key} [${w.start},${w.end}) ${items.map((e) => e.n).join(',')}`;

/** Session merging does not promise an element order inside the merged window. */
const sortItems = (line: string) => {
  const at = line.lastIndexOf(' ');
  return `${line.slice(0, at)} ${line
    .slice(at + 1)
    .split(',')
    .map(Number)
    .sort((a, b) => a - b)
    .join(',')}`;
};

async function runWindows(
  script: Step<Ev>[],
  assigner: Parameters<import('../../../runtime/index.ts').KeyedStream<Ev, string>['window']>[0],
  options: { latenessMs?: number; lateTag?: OutputTag<Ev>; parallelism?: number } = {},
): Promise<{ fired: string[]; late: Ev[] }> {
  const env = StreamEnvironment.create({ ...quiet, parallelism: options.parallelism ?? 1 });
  let windowed = env
    .fromSource(scriptedSource(script), { nonParallel: true })
    .keyBy((e) => e.k)
    .window(assigner);
  if (options.latenessMs !== undefined) windowed = windowed.allowedLateness(options.latenessMs);
  if (options.lateTag) windowed = windowed.sideOutputLateData(options.lateTag);
  const fired = collectSink<string>();
  const late = collectSink<Ev>();
  const stream = windowed.process<string>((key, w, items, out) => out.collect(describeWindow(key, w, items)));
  stream.sinkTo(fired.sink);
  if (options.lateTag) stream.getSideOutput(options.lateTag).sinkTo(late.sink);
  await env.execute();
  return { fired: fired.values, late: late.values };
}

describe('event-time windows', () => {
  it('tumbling windows fire per key when the watermark passes their end, in order', async () => {
    const { fired } = await runWindows(
      [ev('a', 1, 1), ev('b', 2, 3), ev('a', 3, 9), ev('a', 4, 10), wm(9), ev('b', 5, 12), wm(19), ev('a', 6, 25)],
      TumblingEventTimeWindows.of(10),
    );
    expect(fired).toEqual(['a [0,10) 1,3', 'b [0,10) 2', 'a [10,20) 4', 'b [10,20) 5', 'a [20,30) 6']);
  });

  it('sliding windows put each record in size/slide windows', async () => {
    const { fired } = await runWindows(
      [ev('a', 1, 0), ev('a', 2, 6), ev('a', 3, 11)],
      SlidingEventTimeWindows.of(10, 5),
    );
    expect(fired.sort()).toEqual(['a [-5,5) 1', 'a [0,10) 1,2', 'a [10,20) 3', 'a [5,15) 2,3'].sort());
  });

  it('windows are the same at parallelism 1..4 (keys spread over subtasks)', async () => {
    const script: Step<Ev>[] = [];
    for (let i = 0; i < 200; i++) script.push(ev(`k${i % 7}`, i, i));
    const expected = (await runWindows(script, TumblingEventTimeWindows.of(25))).fired.sort();
    expect(expected).toHaveLength(7 * 8);
    for (const p of [2, 3, 4])
      expect((await runWindows(script, TumblingEventTimeWindows.of(25), { parallelism: p })).fired.sort()).toEqual(
        expected,
      );
  });

  it('session windows merge records closer than the gap, also when a late record bridges two sessions', async () => {
    const { fired } = await runWindows(
      [ev('a', 1, 0), ev('a', 2, 4), ev('b', 3, 5), ev('a', 3, 20), ev('a', 4, 12), wm(40), ev('a', 5, 100)],
      EventTimeSessionWindows.withGap(10),
    );
    // 0 and 4 make [0,14); 20 opens [20,30); 12 bridges both into [0,30).
    // Timers fire in time order: b's session ends first.
    expect(fired.map(sortItems)).toEqual(['b [5,15) 3', 'a [0,30) 1,2,3,4', 'a [100,110) 5']);
  });

  it('allowed lateness re-fires a window with each late record; later ones go to the late side output', async () => {
    const lateTag = new OutputTag<Ev>('late');
    const { fired, late } = await runWindows(
      [
        ev('a', 1, 1),
        ev('a', 2, 2),
        wm(10),
        ev('a', 3, 3),
        ev('a', 4, 15),
        wm(28),
        ev('a', 5, 4),
        wm(29),
        ev('a', 6, 5),
        ev('a', 7, 16),
      ],
      TumblingEventTimeWindows.of(10),
      { latenessMs: 20, lateTag },
    );
    expect(fired).toEqual(['a [0,10) 1,2', 'a [0,10) 1,2,3', 'a [10,20) 4', 'a [0,10) 1,2,3,5', 'a [10,20) 4,7']);
    expect(late.map((e) => e.n)).toEqual([6]);
  });

  it('without allowed lateness a late record is dropped or side-output, never fired', async () => {
    const lateTag = new OutputTag<Ev>('late');
    const { fired, late } = await runWindows(
      [ev('a', 1, 1), wm(10), ev('a', 2, 2), ev('a', 3, 11)],
      TumblingEventTimeWindows.of(10),
      { lateTag },
    );
    expect(fired).toEqual(['a [0,10) 1', 'a [10,20) 3']);
    expect(late.map((e) => e.n)).toEqual([2]);
  });

  it('a late record opening a new window within the allowed lateness fires that window once', async () => {
    const { fired } = await runWindows(
      [ev('a', 1, 25), wm(30), ev('a', 2, 5), wm(35), wm(100)],
      TumblingEventTimeWindows.of(10),
      { latenessMs: 50 },
    );
    expect(fired).toEqual(['a [20,30) 1', 'a [0,10) 2']);
  });

  it('a record without an event timestamp fails with a message that says what to do', async () => {
    await expect(
      runToList((env) =>
        env
          .fromCollection([{ k: 'a', n: 1 }])
          .keyBy((e) => e.k)
          .window(TumblingEventTimeWindows.of(10))
          .reduce((a, b) => ({ k: a.k, n: a.n + b.n })),
      ),
    ).rejects.toThrow(/assignTimestampsAndWatermarks/);
  });

  it('assignTimestampsAndWatermarks + aggregate: bounded out-of-orderness keeps slightly late records', async () => {
    const records = [5, 1, 12, 8, 25, 19, 33].map((t) => ({ k: 'x', t }));
    const out = await runToList((env) =>
      env
        .fromCollection(records)
        .assignTimestampsAndWatermarks({ timestamp: (r) => r.t, maxOutOfOrdernessMs: 10 })
        .keyBy((r) => r.k)
        .window(TumblingEventTimeWindows.of(10))
        .aggregate<number, number, string>(
          { createAccumulator: () => 0, add: (_r, n: number) => n + 1, getResult: (n) => n },
          (key, w, count, out) => out.collect(`${key} ${w.start} ${count}`),
        ),
    );
    expect(out).toEqual(['x 0 3', 'x 10 2', 'x 20 1', 'x 30 1']);
  });

  it('windowAll runs at parallelism 1 over the whole stream', async () => {
    const env = StreamEnvironment.create({ ...quiet, parallelism: 3 });
    const sink = collectSink<number>();
    env
      .fromCollection(Array.from({ length: 30 }, (_, i) => i))
      .assignTimestampsAndWatermarks({ timestamp: (x) => x })
      .windowAll(TumblingEventTimeWindows.of(10))
      .reduce((a, b) => a + b)
      .sinkTo(sink.sink, { parallelism: 1 });
    const windowNode = env.plan().nodes.find((n) => n.transformation.name === 'WindowReduce')!;
    expect(windowNode.parallelism).toBe(1);
    await env.execute();
    expect(sink.values).toEqual([45, 145, 245]);
  });
});

describe('processing-time windows', () => {
  it('tumbling processing-time windows partition the stream by arrival time and count every record once', async () => {
    const env = StreamEnvironment.create(quiet);
    const sink = collectSink<{ start: number; end: number; n: number }>();
    let sent = 0;
    env
      .fromSource({
        createReader: () => ({
          idleBackoffMs: 2,
          poll(out) {
            if (sent < 60) out.collect(sent++);
            return sent < 60 ? 'idle' : 'idle';
          },
          snapshotState: () => sent,
        }),
      })
      .keyBy(() => 'all')
      .window(TumblingProcessingTimeWindows.of(40))
      .process<{ start: number; end: number; n: number }>((_k, w, items, out) =>
        out.collect({ start: w.start, end: w.end, n: items.length }),
      )
      .sinkTo(sink.sink);
    const handle = env.executeAsync();
    // Every record in a fired window, however late a loaded machine fires them (the test timeout bounds it).
    while (sink.values.reduce((n, w) => n + w.n, 0) < 60) await sleep(5);
    expect(sink.values.reduce((n, w) => n + w.n, 0)).toBe(60);
    await handle.cancel();
    for (const w of sink.values) {
      expect(w.end - w.start).toBe(40);
      expect(w.start % 40).toBe(0);
    }
    // Fired in time order. (A record arriving in the very millisecond its window fired opens that
    // window again and fires it once more, as in Flink, so starts need not be unique.)
    const starts = sink.values.map((w) => w.start);
    expect(starts).toEqual([...starts].sort((a, b) => a - b));
    expect(sink.values.length).toBeGreaterThan(1);
  });
});

/**
 * Storm 2.x's processing-time window, as its TimeTriggerPolicy and TimeEvictionPolicy define it:
 * the trigger fires every slide ms from the executor's start (start + k·slide); at fire instant F
 * the reference time is F − 1, a tuple expires when F − 1 − arrival ≥ length and waits when its
 * arrival is after F − 1, so the window holds arrivals in [F − length, F); an empty window does not
 * activate. (The first window's "keep everything" delta changes nothing: nothing arrives before start.)
 */
function stormProcessingTimeWindows(
  startMs: number,
  lengthMs: number,
  slideMs: number,
  arrivals: Array<{ at: number; n: number }>,
  endMs: number,
): string[] {
  const fired: string[] = [];
  for (let fire = startMs + slideMs; fire <= endMs; fire += slideMs) {
    const held = arrivals.filter((a) => a.at >= fire - lengthMs && a.at < fire).map((a) => a.n);
    if (held.length > 0) fired.push(`${fire}: ${held.join(',')}`);
  }
  return fired;
}

/**
 * Runs a processing-time window on a manual clock: moves the clock to each arrival instant (firing
 * each timer due on the way at its own instant, as the verify replay does), lets the source emit
 * the records due then, and records each firing with the clock's time.
 */
async function runOnManualClock(
  startMs: number,
  assigner: WindowAssigner,
  arrivals: Array<{ at: number; n: number }>,
  endMs: number,
): Promise<Array<{ at: number; window: TimeWindow; items: number[] }>> {
  const clock = new ManualClock(startMs);
  const env = StreamEnvironment.create({ ...quiet, clock });
  const fired: Array<{ at: number; window: TimeWindow; items: number[] }> = [];
  let emitted = 0;
  let opened = false;
  env
    .fromSource<number>({
      createReader: () => ({
        poll(out) {
          opened = true;
          while (emitted < arrivals.length && arrivals[emitted]!.at <= clock.now()) out.collect(arrivals[emitted++]!.n);
          return 'idle';
        },
        snapshotState: () => emitted,
      }),
    })
    .keyBy(() => 'all')
    .window(assigner)
    .process<number>((_k, window, items, out) => {
      fired.push({ at: clock.now(), window, items: [...items] });
      out.collect(items.length);
    })
    .sinkTo(collectSink<number>().sink);
  const handle = env.executeAsync();
  const turns = async (n: number) => {
    for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
  };
  while (!opened) await turns(1);
  const settle = async (due: number) => {
    while (emitted < due) await turns(1);
    await turns(3);
  };
  const instants = [...new Set([...arrivals.map((a) => a.at), endMs])].sort((a, b) => a - b);
  for (const instant of instants) {
    for (let next = clock.nextTimerAt(); next !== undefined && next <= instant; next = clock.nextTimerAt()) {
      clock.advanceTo(next);
      await settle(emitted);
    }
    clock.advanceTo(instant);
    await settle(arrivals.filter((a) => a.at <= instant).length);
  }
  await handle.cancel();
  return fired;
}

describe("processing-time windows aligned to the subtask's start (alignTo: 'start', Storm's rule)", () => {
  // A start off every multiple of the slide, and arrivals on and beside Storm's fire instants.
  const start = 1_000_003;
  const arrivals = [0, 4, 9, 10, 11, 19, 20, 29, 30, 31, 58, 71, 79].map((offset, n) => ({ at: start + offset, n }));
  const end = start + 120;

  it('sliding: fires at start + k·slide, each window holding the arrivals in [fire − length, fire)', async () => {
    const fired = await runOnManualClock(
      start,
      SlidingProcessingTimeWindows.of(30, 10, { alignTo: 'start' }),
      arrivals,
      end,
    );
    expect(fired.map((f) => `${f.at}: ${f.items.join(',')}`)).toEqual(
      stormProcessingTimeWindows(start, 30, 10, arrivals, end),
    );
    // The first window ends one slide after the start; every window is [fire − length, fire).
    expect(fired[0]!.window.end).toBe(start + 10);
    for (const f of fired) expect(f.window).toEqual({ start: f.at - 30, end: f.at });
  });

  it('tumbling: fires at start + k·size; an arrival at a fire instant goes to the next window', async () => {
    const fired = await runOnManualClock(
      start,
      TumblingProcessingTimeWindows.of(10, { alignTo: 'start' }),
      arrivals,
      end,
    );
    expect(fired.map((f) => `${f.at}: ${f.items.join(',')}`)).toEqual(
      stormProcessingTimeWindows(start, 10, 10, arrivals, end),
    );
    expect(fired.slice(0, 3).map((f) => f.items)).toEqual([
      [0, 1, 2],
      [3, 4, 5],
      [6, 7],
    ]);
  });

  it('the default stays aligned to the epoch, so the same arrivals differ from Storm', async () => {
    const fired = await runOnManualClock(start, TumblingProcessingTimeWindows.of(10), arrivals, end);
    for (const f of fired) expect(f.window.start % 10).toBe(0);
    expect(fired.map((f) => `${f.at}: ${f.items.join(',')}`)).not.toEqual(
      stormProcessingTimeWindows(start, 10, 10, arrivals, end),
    );
  });

  it("alignTo: 'start' is refused for event-time windows", () => {
    expect(() => TumblingEventTimeWindows.of(10, { alignTo: 'start' })).toThrow(JobGraphError);
    expect(() => TumblingEventTimeWindows.of(10, { alignTo: 'start' })).toThrow(/processing-time/);
  });
});

describe('processing-time session windows', () => {
  it('bursts separated by more than the gap become separate sessions', async () => {
    // A manual clock: the bursts are 120 ms apart and the gap is 30 ms however slowly the machine
    // runs. Time moves 1 ms per event-loop turn, so records of one burst share their session.
    const clock = new ManualClock(0);
    const env = StreamEnvironment.create({ ...quiet, clock });
    const sink = collectSink<number>();
    let phase = 0;
    env
      .fromSource<string>({
        createReader: () => ({
          poll(out) {
            if (phase === 0) {
              for (const v of ['a', 'b', 'c']) out.collect(v);
              phase = 1;
            } else if (phase === 1 && clock.now() >= 120) {
              for (const v of ['d', 'e']) out.collect(v);
              phase = 2;
            }
            return 'idle';
          },
          snapshotState: () => phase,
        }),
      })
      .keyBy(() => 'k')
      .window(ProcessingTimeSessionWindows.withGap(30))
      .process<number>((_k, _w, items, out) => out.collect(items.length))
      .sinkTo(sink.sink);
    const handle = env.executeAsync();
    while (sink.values.length < 2) {
      await new Promise((r) => setImmediate(r));
      await sleep(1);
      clock.advance(1);
    }
    await handle.cancel();
    expect(sink.values).toEqual([3, 2]);
  });
});

describe('count windows', () => {
  it('tumbling count windows fire every `size` records per key; a partial window never fires', async () => {
    const out = await runToList((env) =>
      env
        .fromCollection(Array.from({ length: 23 }, (_, i) => ({ k: i % 2, v: i })))
        .keyBy((r) => r.k)
        .countWindow(5)
        .process<string>((k, items, o) => o.collect(`${k}:${items.map((r) => r.v).join(',')}`)),
    );
    expect(out).toEqual(['0:0,2,4,6,8', '1:1,3,5,7,9', '0:10,12,14,16,18', '1:11,13,15,17,19']);
  });

  it('sliding count windows fire every `slide` records over the last `size`', async () => {
    const out = await runToList((env) =>
      env
        .fromCollection(Array.from({ length: 7 }, (_, i) => i))
        .keyBy(() => 'k')
        .countWindow(3, 2)
        .reduce((a, b) => a * 10 + b),
    );
    // windows after records 2, 4, 6: [0,1], [1,2,3], [3,4,5]
    expect(out).toEqual([1, 123, 345]);
  });
});

describe('window model check', () => {
  it('event-time tumbling and sliding windows equal a reference grouping for out-of-order input within the bound (property)', async () => {
    const { default: fc } = await import('fast-check');
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ k: fc.constantFrom('a', 'b', 'c'), t: fc.integer({ min: 0, max: 300 }) }), {
          maxLength: 80,
        }),
        fc.integer({ min: 0, max: 30 }),
        fc.constantFrom<[number, number]>([20, 20], [30, 10], [25, 5]),
        fc.integer({ min: 1, max: 3 }),
        async (raw, jitter, [size, slide], parallelism) => {
          // Arrival order: sorted by time, then each record moved back by up to `jitter`; the
          // watermark trails the maximum by the jitter, so no record is ever late.
          const arrivals = raw
            .map((r, i) => ({ ...r, n: i, at: r.t + ((i * 7919) % (jitter + 1)) }))
            .sort((x, y) => x.at - y.at || x.n - y.n);
          const script: Step<Ev>[] = [];
          let max = -Infinity;
          for (const r of arrivals) {
            script.push(ev(r.k, r.n, r.t));
            max = Math.max(max, r.t);
            script.push(wm(max - jitter - 1));
          }
          const assigner = size === slide ? TumblingEventTimeWindows.of(size) : SlidingEventTimeWindows.of(size, slide);
          const { fired } = await runWindows(script, assigner, { parallelism });
          const expected = new Map<string, number[]>();
          for (const r of raw.map((x, i) => ({ ...x, n: i }))) {
            const lastStart = r.t - (r.t % slide);
            for (let start = lastStart; start > r.t - size; start -= slide) {
              const id = `${r.k} [${start},${start + size})`;
              expected.set(id, [...(expected.get(id) ?? []), r.n]);
            }
          }
          const want = [...expected].map(([id, ns]) => `${id} ${ns.sort((x, y) => x - y).join(',')}`).sort();
          expect(fired.map(sortItems).sort()).toEqual(want);
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe('allowed lateness model check', () => {
  it('firings and late side output follow the watermark/lateness rules exactly (property)', async () => {
    const { default: fc } = await import('fast-check');
    const size = 10;
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof(
            fc.record({ t: fc.integer({ min: 0, max: 80 }) }),
            fc.record({ w: fc.integer({ min: 0, max: 100 }) }),
          ),
          { maxLength: 60 },
        ),
        fc.constantFrom(0, 5, 25),
        async (steps, lateness) => {
          const script: Step<Ev>[] = [];
          const fired: string[] = [];
          const late: number[] = [];
          const windows = new Map<number, { items: number[]; fired: boolean }>();
          let watermark = -Infinity;
          const emit = (start: number, items: number[]) =>
            fired.push(`a [${start},${start + size}) ${items.join(',')}`);
          steps.forEach((step, n) => {
            if ('w' in step) {
              script.push(wm(step.w));
              if (step.w <= watermark) return;
              watermark = step.w;
              // Timers in time order: a window fires at end-1 and is dropped at end-1+lateness.
              const due: Array<[number, number, 'fire' | 'drop']> = [];
              for (const [start, win] of windows) {
                if (!win.fired && start + size - 1 <= watermark) due.push([start + size - 1, start, 'fire']);
                if (start + size - 1 + lateness <= watermark) due.push([start + size - 1 + lateness, start, 'drop']);
              }
              due.sort((x, y) => x[0] - y[0] || (x[2] === 'fire' ? -1 : 1));
              for (const [, start, what] of due) {
                const win = windows.get(start)!;
                if (what === 'fire') {
                  emit(start, win.items);
                  win.fired = true;
                  if (lateness === 0) windows.delete(start);
                } else windows.delete(start);
              }
              return;
            }
            script.push(ev('a', n, step.t));
            const start = step.t - (step.t % size);
            if (start + size - 1 + lateness <= watermark) {
              late.push(n);
              return;
            }
            const win = windows.get(start) ?? { items: [], fired: false };
            windows.set(start, win);
            win.items.push(n);
            if (start + size - 1 <= watermark) {
              emit(start, win.items);
              win.fired = true;
            }
          });
          // End of input: the final watermark fires what is left, in time order.
          for (const start of [...windows.keys()].sort((x, y) => x - y))
            if (!windows.get(start)!.fired) emit(start, windows.get(start)!.items);
          const lateTag = new OutputTag<Ev>('late');
          const result = await runWindows(script, TumblingEventTimeWindows.of(size), { latenessMs: lateness, lateTag });
          expect(result.fired).toEqual(fired);
          expect(result.late.map((e) => e.n)).toEqual(late);
        },
      ),
      { numRuns: 150 },
    );
  });
});
