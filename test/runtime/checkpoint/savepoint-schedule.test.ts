import { afterEach, describe, expect, it } from 'vitest';
import { scheduleSavepoints, type SavepointSchedule } from '../../../runtime/checkpoint/savepoint-schedule.ts';
import { ConfigError } from '../../../runtime/errors.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let schedule: SavepointSchedule | undefined;
afterEach(() => {
  schedule?.stop();
  schedule = undefined;
});

describe('scheduleSavepoints', () => {
  it('rejects an invalid expression naming it', () => {
    expect(() => scheduleSavepoints('61 * * * *', async () => {}, () => {})).toThrow(ConfigError);
    expect(() => scheduleSavepoints('every night', async () => {}, () => {})).toThrow(/'every night'/);
    expect(() => scheduleSavepoints('* * *', async () => {}, () => {})).toThrow(/'\* \* \*'/);
  });

  it('triggers on the schedule and reports failures without stopping', async () => {
    let calls = 0;
    const errors: unknown[] = [];
    schedule = scheduleSavepoints('* * * * * *', async () => {
      calls++;
      if (calls === 1) throw new Error('storage unavailable');
    }, (e) => errors.push(e));
    await sleep(2600);
    expect(calls).toBeGreaterThanOrEqual(2);
    expect(errors).toHaveLength(1);
    expect((errors[0] as Error).message).toBe('storage unavailable');
  });

  it('never runs two triggers at once: a tick during a slow savepoint is skipped', async () => {
    let active = 0;
    let maxActive = 0;
    let calls = 0;
    schedule = scheduleSavepoints('* * * * * *', async () => {
      calls++;
      active++;
      maxActive = Math.max(maxActive, active);
      await sleep(2200);
      active--;
    }, () => {});
    await sleep(3500);
    expect(calls).toBeGreaterThanOrEqual(1);
    expect(calls).toBeLessThanOrEqual(2);
    expect(maxActive).toBe(1);
  });

  it('stops triggering after stop()', async () => {
    let calls = 0;
    schedule = scheduleSavepoints('* * * * * *', async () => {
      calls++;
    }, () => {});
    schedule.stop();
    await sleep(1300);
    expect(calls).toBe(0);
  });
});
