/**
 * R7: `Utils.sleep(ms)` inside a task callback postpones that task's next callback instead of
 * blocking the event loop. The executor marks which task is running its synchronous callback
 * part; the installed hook charges the back-off to it.
 */
import { isThenable } from '../component/thenable.ts';
import { currentClock, sleepOn } from '../component/time.ts';
import { setSleepHook } from '../component/utils.ts';

export interface SleepAccount {
  /** Time (on Storm's clock, simulated while simulating) before which the task starts no new callback. */
  sleepUntil: number;
}

let current: SleepAccount | null = null;
let installed = false;

export function installSleepHook(): void {
  if (installed) return;
  installed = true;
  setSleepHook((ms) => {
    const task = current;
    const clock = currentClock();
    if (task !== null) {
      const now = clock.now();
      // Repeated sleeps in one callback add up (R7).
      task.sleepUntil = Math.max(task.sleepUntil, now) + Math.max(0, ms);
    }
    return sleepOn(clock, ms);
  });
}

/** Marks `task` as running; returns the task that was running (tasks nest through direct emits). */
export function enterTask(task: SleepAccount): SleepAccount | null {
  const prev = current;
  current = task;
  return prev;
}

export function exitTask(prev: SleepAccount | null): void {
  current = prev;
}

export { isThenable };

/**
 * Runs a lifecycle callback (open, prepare, initState) as `task`: `Utils.sleep` inside it counts
 * against the task, and a throw or a rejected Promise comes out as `toCrash(error)`.
 */
export async function runLifecycle(
  task: SleepAccount,
  fn: () => unknown,
  toCrash: (error: unknown) => unknown,
): Promise<void> {
  const prev = enterTask(task);
  let result: unknown;
  try {
    result = fn();
  } catch (error) {
    exitTask(prev);
    throw toCrash(error);
  }
  exitTask(prev);
  if (isThenable(result)) {
    try {
      await result;
    } catch (error) {
      throw toCrash(error);
    }
  }
}
