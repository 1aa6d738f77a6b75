import { describe, expect, it } from 'vitest';
import {
  ManualClock,
  ProcessingTimeService,
  StreamEnvironment,
  collectSink,
  type Source,
} from '../../../runtime/index.ts';
import { quiet, WatchedClock } from '../../fixtures/runtime/helpers.ts';

describe('ManualClock', () => {
  it('fires due timers in time order (registration order on ties), each with now() at its due time', () => {
    const clock = new ManualClock(100);
    const fired: string[] = [];
    const at = (name: string) => () => fired.push(`${name}@${clock.now()}`);
    clock.setTimer(130, at('c'));
    clock.setTimer(110, at('a'));
    clock.setTimer(130, at('d'));
    const cancel = clock.setTimer(120, at('cancelled'));
    clock.setTimer(50, at('past'));
    cancel();
    clock.advance(29);
    expect(fired).toEqual(['past@100', 'a@110']);
    clock.advance(1);
    expect(fired).toEqual(['past@100', 'a@110', 'c@130', 'd@130']);
    expect(clock.now()).toBe(130);
    expect(clock.pendingTimers).toBe(0);
  });

  it('fires timers that callbacks register inside the advanced span in the same advance', () => {
    const clock = new ManualClock();
    const fired: number[] = [];
    const every10 = (): void => {
      fired.push(clock.now());
      clock.setTimer(clock.now() + 10, every10);
    };
    clock.setTimer(10, every10);
    clock.advance(60);
    expect(fired).toEqual([10, 20, 30, 40, 50, 60]);
    expect(clock.nextTimerAt()).toBe(70);
  });

  it('refuses to move backwards or to be advanced from inside a timer', () => {
    const clock = new ManualClock();
    expect(() => clock.advance(-1)).toThrow(/non-negative/);
    clock.setTimer(5, () => clock.advance(1));
    expect(() => clock.advance(10)).toThrow(/inside a timer callback/);
  });

  it('drives a ProcessingTimeService: fixed delay after each run, nothing after shutdown', () => {
    const clock = new ManualClock();
    const errors: unknown[] = [];
    const service = new ProcessingTimeService((e) => errors.push(e), clock);
    const runs: number[] = [];
    service.scheduleWithFixedDelay(100, (t) => runs.push(t));
    clock.advance(350);
    expect(runs).toEqual([100, 200, 300]);
    service.shutdown();
    clock.advance(1000);
    expect(runs).toHaveLength(3);
    expect(errors).toEqual([]);
  });
});

describe('a job on a ManualClock', () => {
  it('checkpoints only when the clock passes the interval', async () => {
    const clock = new ManualClock();
    let polls = 0;
    let resolvePolled!: () => void;
    const polled = new Promise<void>((r) => (resolvePolled = r));
    const source: Source<number, null> = {
      createReader: () => ({
        poll() {
          if (++polls === 3) resolvePolled();
          return 'idle';
        },
        snapshotState: () => null,
      }),
    };
    const env = StreamEnvironment.create({ ...quiet, clock, checkpoint: { intervalMs: 1000 } });
    env.fromSource(source).sinkTo(collectSink<number>().sink);
    const job = env.executeAsync();
    await polled;
    expect(job.status().checkpoints).toBe(0);
    clock.advance(999);
    expect(job.status().checkpoints).toBe(0);
    clock.advance(1);
    // The barrier is injected now; the checkpoint completes through the mailbox.
    while (job.status().checkpoints < 1) await new Promise((r) => setTimeout(r, 1));
    expect(job.status().lastCheckpoint?.completedAt).toBe(1000);
    await job.cancel();
  });

  it('a ManualClock cannot drive worker threads', () => {
    expect(() =>
      StreamEnvironment.create({ ...quiet, clock: new ManualClock(), workers: 2 })
        .fromCollection([1])
        .print(),
    ).toThrow(/ManualClock/);
  });

  it('restarts a failed job when the clock passes the restart delay, not before', async () => {
    const clock = new WatchedClock();
    let incarnations = 0;
    const source: Source<number, null> = {
      createReader: () => {
        const first = ++incarnations === 1;
        let sent = false;
        return {
          poll(output) {
            if (first) throw new Error('first incarnation fails');
            if (sent) return 'end';
            output.collect(7);
            sent = true;
            return 'more';
          },
          snapshotState: () => null,
        };
      },
    };
    const sink = collectSink<number>();
    const env = StreamEnvironment.create({
      ...quiet,
      clock,
      restart: { type: 'fixed-delay', attempts: 1, delayMs: 500 },
    });
    env.fromSource(source).sinkTo(sink.sink);
    const job = env.executeAsync();
    // The failure happens at time 0, so the back-off is armed for 500.
    await clock.armed(500);
    clock.advance(499);
    expect(clock.nextTimerAt()).toBe(500);
    expect(incarnations).toBe(1);
    clock.advance(1);
    const result = await job.result;
    expect(result.restarts).toBe(1);
    expect(incarnations).toBe(2);
    expect(sink.values).toEqual([7]);
  });
});
