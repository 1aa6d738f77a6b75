import { describe, expect, it } from 'vitest';
import { collectSink, StreamEnvironment, type Source } from '../../../runtime/index.ts';

describe('source polling', () => {
  it('yields to timers even when a reader wakes itself from a promise that settles at once', async () => {
    let timerFiredAtPoll = -1;
    let polls = 0;
    const source: Source<number> = {
      createReader: (context) => ({
        poll(output) {
          polls++;
          if (polls === 1) setTimeout(() => (timerFiredAtPoll = polls), 0);
          if (polls >= 2000) {
            output.collect(polls);
            return 'end';
          }
          // What an async nextTuple with no I/O does: answer later, in a microtask.
          queueMicrotask(() => context.signalAvailable());
          return 'idle';
        },
        snapshotState: () => ({}),
      }),
    };
    const env = StreamEnvironment.create();
    const out = collectSink<number>();
    env.fromSource(source).sinkTo(out.sink);
    await env.execute();
    expect(out.values).toEqual([2000]);
    expect(timerFiredAtPoll).toBeGreaterThan(0);
    expect(timerFiredAtPoll).toBeLessThan(2000);
  });
});
