/**
 * Savepoints on a wall-clock schedule ("every night at 02:00"), which is what cron is for; a fixed
 * period would drift away from the clock across restarts. A savepoint can take longer than the cron
 * period, so a tick that finds the previous one still running is skipped rather than queued: two
 * concurrent savepoints would only compete for the same barriers.
 */
import cron, { type ScheduledTask } from 'node-cron';
import { ConfigError } from '../errors.ts';

export interface SavepointSchedule {
  stop(): void;
}

export function scheduleSavepoints(
  cronExpression: string,
  trigger: () => Promise<unknown>,
  onError: (e: unknown) => void,
): SavepointSchedule {
  if (typeof cronExpression !== 'string')
    throw new ConfigError(`savepoint schedule must be a cron expression string, got ${typeof cronExpression}`);
  const check = cron.validateDetailed(cronExpression);
  if (!check.valid) {
    const why = check.errors.map((e) => (e.field === 'expression' ? e.message : `${e.field}: ${e.message}`)).join('; ');
    throw new ConfigError(`invalid savepoint cron expression '${cronExpression}': ${why || 'not a cron expression'}`);
  }

  let running = false;
  let stopped = false;
  const run = async (): Promise<void> => {
    if (running || stopped) return;
    running = true;
    try {
      await trigger();
    } catch (error) {
      onError(error);
    } finally {
      running = false;
    }
  };

  let task: ScheduledTask;
  try {
    // Our own guard prevents overlap; the task only fires ticks. unref: a schedule alone must not
    // keep a finished job's process alive.
    task = cron.schedule(cronExpression, () => void run(), { unref: true, name: `savepoints ${cronExpression}` });
  } catch (error) {
    throw new ConfigError(`invalid savepoint cron expression '${cronExpression}': ${(error as Error).message}`, {
      cause: error,
    });
  }
  return {
    stop(): void {
      if (stopped) return;
      stopped = true;
      // destroy() also removes the task from node-cron's global registry.
      void Promise.resolve(task.destroy()).catch(onError);
    },
  };
}
