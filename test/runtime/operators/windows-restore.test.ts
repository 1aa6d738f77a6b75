/**
 * Processing-time windows aligned to the subtask's start (alignTo: 'start', what SS631 and SS924
 * write for Storm's windowed bolts) across a restore, on a ManualClock. Storm's restarted bolt
 * starts with empty windows on its new start and gets what they held back by replay; the runtime
 * puts what the restored windows held into the restored run's windows, as arrivals at its start,
 * so every window ends at start + k·slide of the run that fires it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  ManualClock,
  StreamEnvironment,
  SlidingProcessingTimeWindows,
  TumblingProcessingTimeWindows,
  type JobConfig,
  type WindowAssigner,
  type TimeWindow,
} from '../../../runtime/index.ts';
import { quiet, tempDir } from '../../fixtures/runtime/helpers.ts';

interface Fired {
  at: number;
  window: TimeWindow;
  items: string[];
}

const dirs: Array<{ cleanup(): void }> = [];
afterEach(() => {
  for (const d of dirs.splice(0)) d.cleanup();
});

const turns = async (n = 3): Promise<void> => {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
};

/** A job whose source emits each arrival once the clock reaches it; its position is checkpointed. */
function start(
  clock: ManualClock,
  assigner: WindowAssigner,
  arrivals: Array<{ at: number; word: string }>,
  fired: Fired[],
  config: JobConfig,
) {
  const state = { opened: false, emitted: 0 };
  const env = StreamEnvironment.create({ ...quiet, clock, ...config });
  env
    .fromSource<string>(
      {
        createReader: () => ({
          restoreState(position: unknown) {
            state.emitted = position as number;
          },
          poll(out) {
            state.opened = true;
            while (state.emitted < arrivals.length && arrivals[state.emitted]!.at <= clock.now())
              out.collect(arrivals[state.emitted++]!.word);
            return 'idle';
          },
          snapshotState: () => state.emitted,
        }),
      },
      { uid: 'words' },
    )
    .keyBy(() => 'all')
    .window(assigner)
    .process<number>(
      (_key, window, items, out) => {
        fired.push({ at: clock.now(), window, items: [...items] });
        out.collect(items.length);
      },
      { uid: 'window' },
    );
  return { handle: env.executeAsync(), state };
}

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await turns(1);
}

const TUMBLING = TumblingProcessingTimeWindows.of(1_000, { alignTo: 'start' });
const SLIDING = SlidingProcessingTimeWindows.of(2_000, 1_000, { alignTo: 'start' });

describe('start-aligned processing-time windows restored from a checkpoint', () => {
  const arrivals = [
    { at: 5_300, word: 'a' },
    { at: 6_000, word: 'b' },
  ];

  async function firstRun(dir: string, clock: ManualClock, assigner: WindowAssigner) {
    const fired: Fired[] = [];
    const first = start(clock, assigner, arrivals, fired, { checkpoint: { dir } });
    await until(() => first.state.opened);
    clock.advanceTo(5_300);
    await until(() => first.state.emitted === 1);
    await turns();
    clock.advanceTo(5_500);
    // 'a' waits in the windows of a run that started at 5 123 (tumbling: [5 123, 6 123)).
    const savepoint = await first.handle.triggerSavepoint();
    await first.handle.cancel();
    expect(fired).toEqual([]);
    return savepoint.path;
  }

  /**
   * The restored run: starts at the clock's time from `savepoint`, moves the clock to `resumeAt`
   * (when set) so 'b' arrives, then to each of `steps`; returns what fired.
   */
  async function restoredRun(
    dir: string,
    clock: ManualClock,
    assigner: WindowAssigner,
    savepoint: string,
    resumeAt: number | undefined,
    steps: number[],
  ): Promise<Fired[]> {
    const fired: Fired[] = [];
    const second = start(clock, assigner, arrivals, fired, { checkpoint: { dir }, restore: { path: savepoint } });
    await until(() => second.state.opened);
    if (resumeAt !== undefined) clock.advanceTo(resumeAt);
    await until(() => second.state.emitted === 2);
    await turns();
    for (const at of steps) {
      clock.advanceTo(at);
      await turns();
    }
    await second.handle.cancel();
    return fired;
  }

  it("hold what they held as arrivals at the restored start, in that run's windows: none fires on the old run's bounds", async () => {
    const dir = tempDir('windows-restore');
    dirs.push(dir);
    const clock = new ManualClock(5_123);
    const savepoint = await firstRun(dir.path, clock, TUMBLING);

    clock.advanceTo(5_900);
    const fired = await restoredRun(dir.path, clock, TUMBLING, savepoint, 6_000, [6_123, 6_900, 7_900]);
    // Nothing at 6 123, the old run's window end: 'a' is in the restored run's first window, with 'b'.
    expect(fired).toEqual([{ at: 6_900, window: { start: 5_900, end: 6_900 }, items: ['a', 'b'] }]);
  });

  it('do not fire on restore when the old end passed while the job was down', async () => {
    const dir = tempDir('windows-restore-late');
    dirs.push(dir);
    const clock = new ManualClock(5_123);
    const savepoint = await firstRun(dir.path, clock, TUMBLING);

    clock.advanceTo(6_500);
    const fired = await restoredRun(dir.path, clock, TUMBLING, savepoint, undefined, [7_500, 8_500]);
    expect(fired).toEqual([{ at: 7_500, window: { start: 6_500, end: 7_500 }, items: ['a', 'b'] }]);
  });

  it('sliding: each element once in every window of the restored run that holds the restart instant', async () => {
    const dir = tempDir('windows-restore-sliding');
    dirs.push(dir);
    const clock = new ManualClock(5_123);
    // 'a' is in [4 123, 6 123) and [5 123, 7 123) at the savepoint.
    const savepoint = await firstRun(dir.path, clock, SLIDING);

    clock.advanceTo(5_900);
    const fired = await restoredRun(dir.path, clock, SLIDING, savepoint, 6_000, [6_123, 6_900, 7_123, 7_900, 8_900]);
    expect(fired).toEqual([
      { at: 6_900, window: { start: 4_900, end: 6_900 }, items: ['a', 'b'] },
      { at: 7_900, window: { start: 5_900, end: 7_900 }, items: ['a', 'b'] },
    ]);
  });
});
