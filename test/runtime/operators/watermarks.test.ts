import { describe, expect, it } from 'vitest';
import { collectSink, StreamEnvironment, TumblingEventTimeWindows, type Source } from '../../../runtime/index.ts';
import { quiet, runToList, scriptedSource, sleep, type Step } from '../../fixtures/runtime/helpers.ts';

/** A script that starts only after `idlePolls` idle polls, so another source surely runs ahead of it. */
function lateStarter<T>(script: Step<T>[], idlePolls: number): Source<T> {
  return {
    createReader: () => {
      let polls = 0;
      let next = 0;
      return {
        idleBackoffMs: 2,
        poll(output) {
          if (polls++ < idlePolls) return 'idle';
          const step = script[next++];
          if (step === undefined) return 'end';
          if ('watermark' in step) output.emitWatermark(step.watermark);
          else output.collect(step.value, step.ts);
          return next >= script.length ? 'end' : 'more';
        },
        snapshotState: () => next,
      };
    },
  };
}

describe('watermarks', () => {
  it('a task with several inputs holds its watermark at the slowest input, so the slow one is never late', async () => {
    const env = StreamEnvironment.create(quiet);
    const fast = env.fromSource(lateStarter<string>([{ value: 'fast', ts: 5 }, { watermark: 1000 }], 0), {
      name: 'Fast',
    });
    const slow = env.fromSource(lateStarter<string>([{ value: 'slow', ts: 7 }, { watermark: 1000 }], 20), {
      name: 'Slow',
    });
    const sink = collectSink<string>();
    fast
      .union(slow)
      .keyBy(() => 'k')
      .window(TumblingEventTimeWindows.of(10))
      .process<string>((_k, w, items, out) => out.collect(`[${w.start},${w.end}) ${items.sort().join(',')}`))
      .sinkTo(sink.sink);
    await env.execute();
    expect(sink.values).toEqual(['[0,10) fast,slow']);
  });

  it('an input that ended no longer holds the watermark back', async () => {
    const fired: number[] = [];
    const env = StreamEnvironment.create(quiet);
    const ended = env.fromSource(lateStarter<number>([{ value: 1, ts: 1 }], 0));
    // Stays open (idle) after its watermark: only the other input's end may not hold it back.
    let polls = 0;
    const open = env.fromSource<number>({
      createReader: () => ({
        idleBackoffMs: 2,
        poll(out) {
          polls++;
          if (polls === 5) {
            out.collect(2, 2);
            out.emitWatermark(50);
          }
          return 'idle';
        },
        snapshotState: () => null,
      }),
    });
    const sink = collectSink<number>();
    ended
      .union(open)
      .keyBy(() => 0)
      .window(TumblingEventTimeWindows.of(10))
      .reduce((a, b) => a + b)
      .map((v) => {
        fired.push(v);
        return v;
      })
      .sinkTo(sink.sink);
    const handle = env.executeAsync();
    while (fired.length === 0) await sleep(5);
    await handle.cancel();
    expect(fired).toEqual([3]);
  });

  it('async I/O forwards a watermark only after every earlier record, in both modes', async () => {
    for (const ordered of [true, false]) {
      const out = await runToList(
        (env) =>
          env
            .generate({ count: 400, generate: (i) => i, timestamp: (i) => i })
            .assignTimestampsAndWatermarks({}, { name: 'wm' })
            .asyncMap(
              async (i) => {
                await sleep((i * 7) % 5);
                return i;
              },
              { capacity: 20, ordered },
            )
            .keyBy(() => 'all')
            .window(TumblingEventTimeWindows.of(100))
            .aggregate({ createAccumulator: () => 0, add: (_i: number, n: number) => n + 1, getResult: (n) => n }),
        { watermarkIntervalMs: 1 },
      );
      // Every window complete: no record overtaken by a watermark and dropped as late.
      expect(out).toEqual([100, 100, 100, 100]);
    }
  });

  it('periodic watermarks trail the highest timestamp by the out-of-orderness bound', async () => {
    const seen: number[] = [];
    const env = StreamEnvironment.create({ ...quiet, watermarkIntervalMs: 5 });
    let sent = 0;
    env
      .fromSource<number>({
        createReader: () => ({
          idleBackoffMs: 1,
          poll(out) {
            if (sent < 3) out.collect(sent, [100, 300, 200][sent++]!);
            return sent < 3 ? 'idle' : 'end';
          },
          snapshotState: () => sent,
        }),
      })
      .assignTimestampsAndWatermarks({ maxOutOfOrdernessMs: 50 })
      .keyBy(() => 0)
      .process<number>({
        processElement(_v, ctx) {
          seen.push(ctx.currentWatermark());
        },
      })
      .print();
    await env.execute();
    // Never ahead of (max timestamp seen so far) - 50 - 1.
    const maxSoFar = [100, 300, 300];
    seen.forEach((wm, i) => expect(wm).toBeLessThanOrEqual(maxSoFar[i]! - 51));
  });

  it("endOfInput 'hold': a bounded input's end fires only the windows its records' watermark closed", async () => {
    const fired = (endOfInput: 'flush' | 'hold') =>
      runToList((env) =>
        env
          .fromSource(scriptedSource<number>([5, 12, 19, 23, 31].map((ts) => ({ value: ts, ts }))))
          .assignTimestampsAndWatermarks({ maxOutOfOrdernessMs: 4, endOfInput })
          .keyBy(() => 0)
          .window(TumblingEventTimeWindows.of(10))
          .process<string>((_k, w, items, out) => out.collect(`[${w.start},${w.end}) ${items.join(',')}`)),
      );
    // Watermark 31 - 4 - 1 = 26 closes [0,10) and [10,20) only; [20,30) and [30,40) wait for records that never come.
    expect(await fired('hold')).toEqual(['[0,10) 5', '[10,20) 12,19']);
    expect(await fired('flush')).toEqual(['[0,10) 5', '[10,20) 12,19', '[20,30) 23', '[30,40) 31']);
  });
});

describe('idle inputs', () => {
  it('an input declared idle stops holding the combined watermark back', async () => {
    const build = (idleTimeoutMs: number | undefined) => {
      const env = StreamEnvironment.create({ ...quiet, watermarkIntervalMs: 5 });
      let i = 0;
      const busy = env.fromSource<number>({
        createReader: () => ({
          idleBackoffMs: 2,
          poll(out) {
            out.collect(i, i * 10);
            i++;
            return 'idle';
          },
          snapshotState: () => i,
        }),
      });
      let sent = false;
      const quietSource = env.fromSource<number>({
        createReader: () => ({
          idleBackoffMs: 2,
          poll(out) {
            if (!sent) out.collect(-1, 0);
            sent = true;
            return 'idle';
          },
          snapshotState: () => sent,
        }),
      });
      const strategy = { maxOutOfOrdernessMs: 0, ...(idleTimeoutMs === undefined ? {} : { idleTimeoutMs }) };
      const fired: number[] = [];
      busy
        .assignTimestampsAndWatermarks(strategy)
        .union(quietSource.assignTimestampsAndWatermarks(strategy))
        .keyBy(() => 0)
        .window(TumblingEventTimeWindows.of(50))
        .aggregate({ createAccumulator: () => 0, add: (_v: number, n: number) => n + 1, getResult: (n) => n })
        .map((n) => {
          fired.push(n);
          return n;
        })
        .sinkTo(collectSink<number>().sink);
      return { handle: env.executeAsync(), fired };
    };
    const withIdleness = build(40);
    // Waits for the first window, however long a loaded machine takes; the test timeout bounds it.
    while (withIdleness.fired.length === 0) await sleep(5);
    await withIdleness.handle.cancel();
    expect(withIdleness.fired.length).toBeGreaterThan(0);
    // The first window [0,50) holds the quiet input's record and the busy one's first five.
    expect(withIdleness.fired[0]).toBe(6);

    const without = build(undefined);
    await sleep(300);
    await without.handle.cancel();
    expect(without.fired).toEqual([]);
  });
});
