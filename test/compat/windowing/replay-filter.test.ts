import { describe, expect, it } from 'vitest';
import { MessageIdReplayFilter, replaySourceKey } from '../../../compat/windowing/replay-filter.ts';

describe('MessageIdReplayFilter', () => {
  it('drops ids at or below the last seen per (source task, stream), across a checkpoint', () => {
    const f = new MessageIdReplayFilter();
    const a = replaySourceKey(3, 'default');
    const b = replaySourceKey(4, 'default');
    expect(f.accept(a, 1)).toBe(true);
    expect(f.accept(a, 2)).toBe(true);
    expect(f.accept(b, 1)).toBe(true);
    const snap = JSON.parse(JSON.stringify(f.snapshot()));
    const g = new MessageIdReplayFilter();
    g.restore(snap);
    // Replay after recovery: 1 and 2 from task 3 are already in the restored window.
    expect(g.accept(a, 1)).toBe(false);
    expect(g.accept(a, 2n)).toBe(false);
    expect(g.accept(a, 3)).toBe(true);
    expect(g.accept(b, 1)).toBe(false);
    expect(g.accept(replaySourceKey(3, 'other'), 1)).toBe(true);
  });
});
