/**
 * The tick rule's subtask timer after a restore: Storm restarts a worker's tick timers with its
 * executors, so after a restore the ticks of each subtask come every period from the restored
 * subtask's start, and none from the old run's schedule. The function here is the shape the tick
 * rule writes (a keyless timer armed in open(), re-armed in onTimer); every onTimer call is
 * recorded, so a restored timer of the old schedule would show (on the subtask owning the
 * undefined key, with the other subtasks' too).
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  ManualClock,
  StreamEnvironment,
  type Collector,
  type JobConfig,
  type KeyedProcessContext,
  type KeyedProcessFunction,
  type KeyedRuntimeContext,
  type OnTimerContext,
} from '../../../runtime/index.ts';
import { quiet, tempDir } from '../../fixtures/runtime/helpers.ts';

const PERIOD = 1_000;

interface Fired {
  run: number;
  subtask: number;
  at: number;
  key: unknown;
}

// Module-level: each subtask gets its own copy of the function object, arrays on it included.
const opened: Array<{ run: number; subtask: number; at: number }> = [];
const fired: Fired[] = [];
/** The failover test's one record, and whether the function has thrown on it. */
const failed = { release: false, sent: false, done: false };

class Ticker implements KeyedProcessFunction<string, string, never> {
  private nextTick = 0;
  private subtask = -1;

  constructor(private readonly run: number) {}

  open(context: KeyedRuntimeContext): void {
    this.subtask = context.subtaskIndex;
    opened.push({ run: this.run, subtask: this.subtask, at: context.currentProcessingTime() });
    this.nextTick = context.currentProcessingTime() + PERIOD;
    context.registerSubtaskTimer(this.nextTick);
  }

  processElement(word: string): void {
    if (word === 'boom' && !failed.done) {
      failed.done = true;
      throw new Error('boom');
    }
  }

  onTimer(timestamp: number, context: OnTimerContext<string>, _out: Collector<never>): void {
    fired.push({ run: this.run, subtask: this.subtask, at: timestamp, key: context.getCurrentKey() });
    this.nextTick = timestamp + PERIOD;
    context.timerService().registerProcessingTimeTimer(this.nextTick);
  }
}

const dirs: Array<{ cleanup(): void }> = [];
afterEach(() => {
  for (const d of dirs.splice(0)) d.cleanup();
});

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((r) => setTimeout(r, 1));
}

function start(run: number, clock: ManualClock, config: JobConfig) {
  const env = StreamEnvironment.create({ ...quiet, clock, ...config });
  env
    .fromSource<string>(
      {
        createReader: () => ({
          poll(out) {
            if (failed.release && !failed.sent) {
              failed.sent = true;
              out.collect('boom');
            }
            return 'idle';
          },
          snapshotState: () => null,
        }),
      },
      { uid: 'words' },
    )
    .keyBy((v) => v)
    .process(new Ticker(run), { uid: 'ticker', parallelism: 2 });
  return env.executeAsync();
}

describe('registerSubtaskTimer after a restore', () => {
  it("fires every period from the restored subtask's start, and never on the old run's schedule", async () => {
    const dir = tempDir('subtask-timer-restore');
    dirs.push(dir);
    const clock = new ManualClock(5_123);
    const first = start(1, clock, { checkpoint: { dir: dir.path } });
    await until(() => opened.length === 2);
    clock.advanceTo(7_500);
    expect(fired.map((f) => [f.subtask, f.at]).sort()).toEqual([
      [0, 6_123],
      [0, 7_123],
      [1, 6_123],
      [1, 7_123],
    ]);
    // The savepoint holds both subtasks' pending timers, due at 8 123.
    const savepoint = await first.triggerSavepoint();
    await first.cancel();

    // The restart comes 2.4 s later, off the old schedule: Storm's ticks restart with the task.
    clock.advanceTo(9_900);
    const second = start(2, clock, { checkpoint: { dir: dir.path }, restore: { path: savepoint.path } });
    await until(() => opened.length === 4);
    expect(opened.filter((o) => o.run === 2).map((o) => o.at)).toEqual([9_900, 9_900]);
    for (const at of [10_123, 10_900, 11_123, 11_900, 12_123, 12_900]) clock.advanceTo(at);
    const restored = fired.filter((f) => f.run === 2);
    expect(restored.map((f) => [f.subtask, f.at]).sort()).toEqual([
      [0, 10_900],
      [0, 11_900],
      [0, 12_900],
      [1, 10_900],
      [1, 11_900],
      [1, 12_900],
    ]);
    expect(restored.every((f) => f.key === undefined)).toBe(true);
    await second.cancel();
  });

  it('fires every period from the restart after a failover restored the last checkpoint', async () => {
    const dir = tempDir('subtask-timer-failover');
    dirs.push(dir);
    opened.length = 0;
    fired.length = 0;
    const clock = new ManualClock(5_123);
    const job = start(3, clock, {
      checkpoint: { dir: dir.path },
      restart: { type: 'fixed-delay', attempts: 1, delayMs: 400 },
    });
    await until(() => opened.length === 2);
    clock.advanceTo(7_500);
    // The checkpoint holds the timers due at 8 123.
    await job.triggerCheckpoint();
    clock.advanceTo(8_600);
    expect(fired.filter((f) => f.at === 8_123)).toHaveLength(2);
    failed.release = true;
    await until(() => job.status().state === 'restarting');
    // The back-off runs on the job's clock: the subtasks restart at 9 000, restored from 7 500.
    clock.advanceTo(9_000);
    await until(() => opened.length === 4);
    expect(opened.slice(2).map((o) => o.at)).toEqual([9_000, 9_000]);
    const before = fired.length;
    for (const at of [9_123, 10_000, 10_123, 11_000, 11_123]) clock.advanceTo(at);
    expect(
      fired
        .slice(before)
        .map((f) => [f.subtask, f.at])
        .sort(),
    ).toEqual([
      [0, 10_000],
      [0, 11_000],
      [1, 10_000],
      [1, 11_000],
    ]);
    expect(job.status().restarts).toBe(1);
    await job.cancel();
  });

  it("keeps the timers of a record keyed undefined: only the subtask's own are dropped", async () => {
    const dir = tempDir('subtask-timer-undefined-key');
    dirs.push(dir);
    undefinedKey.fired.length = 0;
    const clock = new ManualClock(5_000);
    const run = (config: JobConfig) => {
      const env = StreamEnvironment.create({ ...quiet, clock, ...config });
      env
        .fromSource<string>(
          {
            createReader: () => ({
              poll(out) {
                undefinedKey.polled = true;
                if (undefinedKey.release && !undefinedKey.sent) {
                  undefinedKey.sent = true;
                  out.collect('x');
                }
                return 'idle';
              },
              snapshotState: () => null,
            }),
          },
          { uid: 'words' },
        )
        .keyBy((): string | undefined => undefined)
        .process(new OneShot(), { uid: 'one-shot' });
      return env.executeAsync();
    };
    const first = run({ checkpoint: { dir: dir.path } });
    await until(() => undefinedKey.polled);
    undefinedKey.release = true;
    await until(() => undefinedKey.registered);
    // Pending at the savepoint: the subtask's timer (6 000) and the record's, keyed undefined (20 000).
    const savepoint = await first.triggerSavepoint();
    await first.cancel();
    expect(undefinedKey.fired).toEqual([]);

    clock.advanceTo(7_000);
    const second = run({ checkpoint: { dir: dir.path }, restore: { path: savepoint.path } });
    await until(() => undefinedKey.opened === 2);
    for (const at of [8_000, 20_000]) clock.advanceTo(at);
    expect(undefinedKey.fired).toEqual([
      { at: 8_000, key: undefined },
      { at: 20_000, key: undefined },
    ]);
    await second.cancel();
  });
});

const undefinedKey = {
  polled: false,
  release: false,
  sent: false,
  registered: false,
  opened: 0,
  fired: [] as Array<{ at: number; key: unknown }>,
};

/** A subtask timer one second after open, and a timer at 20 000 for each record. */
class OneShot implements KeyedProcessFunction<string | undefined, string, never> {
  open(context: KeyedRuntimeContext): void {
    undefinedKey.opened++;
    context.registerSubtaskTimer(context.currentProcessingTime() + 1_000);
  }

  processElement(_word: string, context: KeyedProcessContext<string | undefined>): void {
    context.timerService().registerProcessingTimeTimer(20_000);
    undefinedKey.registered = true;
  }

  onTimer(timestamp: number, context: OnTimerContext<string | undefined>): void {
    undefinedKey.fired.push({ at: timestamp, key: context.getCurrentKey() });
  }
}
