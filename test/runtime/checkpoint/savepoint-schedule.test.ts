import { afterEach, describe, expect, it } from 'vitest';
import { scheduleSavepoints, type SavepointSchedule } from '../../../runtime/checkpoint/savepoint-schedule.ts';
import { ConfigError } from '../../../runtime/errors.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Waits for an event (the condition turning true); the test's timeout bounds it, not a span of time. */
const until = async (ready: () => boolean): Promise<void> => {
  while (!ready()) await sleep(20);
};
let schedule: SavepointSchedule | undefined;
afterEach(() => {
  schedule?.stop();
  schedule = undefined;
});

describe('scheduleSavepoints', () => {
  it('rejects an invalid expression naming it', () => {
    expect(() =>
      scheduleSavepoints(
        '61 * * * *',
        async () => {},
        () => {},
      ),
    ).toThrow(ConfigError);
    expect(() =>
      scheduleSavepoints(
        'every night',
        async () => {},
        () => {},
      ),
    ).toThrow(/'every night'/);
    expect(() =>
      scheduleSavepoints(
        '* * *',
        async () => {},
        () => {},
      ),
    ).toThrow(/'\* \* \*'/);
  });

  it('triggers on the schedule and reports failures without stopping', async () => {
    let calls = 0;
    const errors: unknown[] = [];
    schedule = scheduleSavepoints(
      '* * * * * *',
      async () => {
        calls++;
        if (calls === 1) throw new Error('storage unavailable');
      },
      (e) => errors.push(e),
    );
    // A loaded machine can run the ticks late (node-cron then skips the missed ones): wait for the
    // second trigger instead of counting the ones that fit into 2.6 s.
    await until(() => calls >= 2);
    expect(errors).toHaveLength(1);
    expect((errors[0] as Error).message).toBe('storage unavailable');
  });

  it('never runs two triggers at once: a tick during a slow savepoint is skipped', async () => {
    let active = 0;
    let maxActive = 0;
    let calls = 0;
    schedule = scheduleSavepoints(
      '* * * * * *',
      async () => {
        calls++;
        active++;
        maxActive = Math.max(maxActive, active);
        await sleep(2200);
        active--;
      },
      () => {},
    );
    // Ticks come every second, so at least two fall inside the first 2.2 s savepoint; had any of
    // them started a trigger, the second call would have found the first still active.
    await until(() => calls >= 2);
    expect(maxActive).toBe(1);
  });

  it('stops triggering after stop()', async () => {
    let calls = 0;
    schedule = scheduleSavepoints(
      '* * * * * *',
      async () => {
        calls++;
      },
      () => {},
    );
    schedule.stop();
    await sleep(1300);
    expect(calls).toBe(0);
  });
});
