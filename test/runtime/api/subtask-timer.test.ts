/**
 * KeyedRuntimeContext.registerSubtaskTimer: a processing-time timer of the subtask, registered in
 * open(), that fires with no record having arrived (what Storm's tick tuples need), with no key.
 */
import { describe, expect, it } from 'vitest';
import {
  ManualClock,
  StreamEnvironment,
  collectSink,
  type Collector,
  type KeyedProcessFunction,
  type KeyedRuntimeContext,
  type OnTimerContext,
} from '../../../runtime/index.ts';
import { quiet } from '../../fixtures/runtime/helpers.ts';

describe('registerSubtaskTimer', () => {
  it('fires one period after open and every period after, with or without records, keyless', async () => {
    const clock = new ManualClock(5_123);
    const opened: number[] = [];
    const fired: Array<[number, unknown]> = [];
    let seen = 0;
    class Ticker implements KeyedProcessFunction<string, string, number> {
      private next = 0;
      open(context: KeyedRuntimeContext): void {
        opened.push(context.currentProcessingTime());
        this.next = context.currentProcessingTime() + 1_000;
        context.registerSubtaskTimer(this.next);
      }
      processElement(): void {
        seen++;
      }
      onTimer(timestamp: number, context: OnTimerContext<string>, out: Collector<number>): void {
        fired.push([timestamp, context.getCurrentKey()]);
        out.collect(seen);
        this.next = timestamp + 1_000;
        context.timerService().registerProcessingTimeTimer(this.next);
      }
    }
    let polled = false;
    let release = false;
    const env = StreamEnvironment.create({ ...quiet, clock });
    const sink = collectSink<number>();
    env
      .fromSource<string>({
        createReader: () => {
          let sent = false;
          return {
            poll(out) {
              polled = true;
              if (release && !sent) {
                sent = true;
                out.collect('a');
              }
              return 'idle';
            },
            snapshotState: () => null,
          };
        },
      })
      .keyBy((v) => v)
      .process(new Ticker())
      .sinkTo(sink.sink);
    const handle = env.executeAsync();
    while (!polled) await new Promise((r) => setTimeout(r, 1));
    expect(opened).toEqual([5_123]);
    // No record yet: the subtask still ticks, at open + 1 s, open + 2 s.
    clock.advanceTo(7_123);
    expect(fired).toEqual([
      [6_123, undefined],
      [7_123, undefined],
    ]);
    release = true;
    while (seen === 0) await new Promise((r) => setTimeout(r, 1));
    clock.advanceTo(8_500);
    expect(fired.at(-1)).toEqual([8_123, undefined]);
    expect(sink.values).toEqual([0, 0, 1]);
    await handle.cancel();
  });
});
