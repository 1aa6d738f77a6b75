import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { subtaskForKey } from '../../../runtime/state/key-hash.ts';
import { TimerQueue } from '../../../runtime/time/timer-queue.ts';

type Fired = [unknown, number, unknown];

function drain(q: TimerQueue, upTo: number): Fired[] {
  const fired: Fired[] = [];
  q.pollDue(upTo, (k, ts, ns) => fired.push([k, ts, ns]));
  return fired;
}

describe('TimerQueue', () => {
  it('fires due timers in timestamp order, each once', () => {
    const q = new TimerQueue();
    q.register('b', 30);
    q.register('a', 10);
    q.register('c', 20);
    q.register('d', 40);
    expect(q.peekTimestamp()).toBe(10);
    expect(drain(q, 30)).toEqual([
      ['a', 10, undefined],
      ['c', 20, undefined],
      ['b', 30, undefined],
    ]);
    expect(drain(q, 30)).toEqual([]);
    expect(q.size).toBe(1);
    expect(q.peekTimestamp()).toBe(40);
  });

  it('de-duplicates by (key, timestamp, namespace)', () => {
    const q = new TimerQueue();
    expect(q.register('k', 5)).toBe(true);
    expect(q.register('k', 5)).toBe(false);
    expect(q.register({ a: 1, b: 2 }, 5, 'w1')).toBe(true);
    expect(q.register({ b: 2, a: 1 }, 5, 'w1')).toBe(false);
    expect(q.register('k', 5, 'w1')).toBe(true);
    expect(q.register(1, 5)).toBe(true);
    expect(q.register('1', 5)).toBe(true);
    expect(q.size).toBe(5);
    expect(q.pollDue(5, () => {})).toBe(5);
  });

  it('delete removes a timer; re-registering after delete fires it once', () => {
    const q = new TimerQueue();
    q.register('k', 5);
    q.register('k', 7);
    expect(q.delete('k', 5)).toBe(true);
    expect(q.delete('k', 5)).toBe(false);
    expect(q.peekTimestamp()).toBe(7);
    q.register('k', 5);
    expect(drain(q, 10)).toEqual([
      ['k', 5, undefined],
      ['k', 7, undefined],
    ]);
  });

  it('fires timers registered while firing when they are due, and keeps later ones', () => {
    const q = new TimerQueue();
    q.register('k', 1);
    const fired: number[] = [];
    q.pollDue(10, (key, ts) => {
      fired.push(ts);
      if (ts < 8) q.register(key, ts + 3);
      if (ts === 7) q.register(key, 100);
    });
    expect(fired).toEqual([1, 4, 7, 10]);
    expect(q.peekTimestamp()).toBe(100);
  });

  it('leaves the remaining timers queued when a handler throws', () => {
    const q = new TimerQueue();
    q.register('a', 1);
    q.register('b', 2);
    expect(() =>
      q.pollDue(5, (k) => {
        if (k === 'a') throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(drain(q, 5)).toEqual([['b', 2, undefined]]);
  });

  it('snapshot/restore round trip; restore redistributes by key', () => {
    const q = new TimerQueue();
    const keys = Array.from({ length: 30 }, (_, i) => `user-${i}`);
    keys.forEach((k, i) => q.register(k, i * 10, i % 2 === 0 ? undefined : { window: i }));
    const snap = q.snapshot();
    const parts = [0, 1, 2].map((i) => {
      const r = new TimerQueue();
      r.restore([snap], (k) => subtaskForKey(k, 3) === i);
      return r;
    });
    expect(parts.reduce((n, p) => n + p.size, 0)).toBe(30);
    const fired = parts.flatMap((p) => drain(p, Infinity));
    expect(fired.sort((a, b) => a[1] - b[1])).toEqual(
      keys.map((k, i) => [k, i * 10, i % 2 === 0 ? undefined : { window: i }]),
    );
  });

  it('snapshot does not include deleted timers or follow later registrations', () => {
    const q = new TimerQueue();
    q.register('a', 1);
    q.register('b', 2);
    q.delete('a', 1);
    const snap = q.snapshot();
    q.register('c', 3);
    expect(snap.timers).toEqual([['b', 2, undefined]]);
  });

  it('behaves like a naive model under random operations (property)', () => {
    const op = fc.oneof(
      fc.record({
        t: fc.constant('reg' as const),
        k: fc.constantFrom('a', 'b', 1, 2),
        ts: fc.integer({ min: 0, max: 30 }),
        ns: fc.constantFrom(undefined, 'w'),
      }),
      fc.record({
        t: fc.constant('del' as const),
        k: fc.constantFrom('a', 'b', 1, 2),
        ts: fc.integer({ min: 0, max: 30 }),
        ns: fc.constantFrom(undefined, 'w'),
      }),
      fc.record({ t: fc.constant('poll' as const), upTo: fc.integer({ min: -1, max: 35 }) }),
      fc.record({ t: fc.constant('snap' as const) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 120 }), (ops) => {
        let q = new TimerQueue();
        // Model: ordered list of live timers by registration; firing sorts by (ts, registration order).
        let model: Array<{ k: unknown; ts: number; ns: unknown; seq: number }> = [];
        let seq = 0;
        const same = (a: { k: unknown; ts: number; ns: unknown }, k: unknown, ts: number, ns: unknown) =>
          a.k === k && a.ts === ts && a.ns === ns;
        for (const o of ops) {
          if (o.t === 'reg') {
            const fresh = !model.some((m) => same(m, o.k, o.ts, o.ns));
            if (fresh) model.push({ k: o.k, ts: o.ts, ns: o.ns, seq: seq++ });
            expect(q.register(o.k, o.ts, o.ns)).toBe(fresh);
          } else if (o.t === 'del') {
            const had = model.some((m) => same(m, o.k, o.ts, o.ns));
            model = model.filter((m) => !same(m, o.k, o.ts, o.ns));
            expect(q.delete(o.k, o.ts, o.ns)).toBe(had);
          } else if (o.t === 'poll') {
            const due = model.filter((m) => m.ts <= o.upTo).sort((a, b) => a.ts - b.ts || a.seq - b.seq);
            model = model.filter((m) => m.ts > o.upTo);
            const fired = drain(q, o.upTo);
            expect(fired.map((f) => f[1])).toEqual(due.map((m) => m.ts));
            expect(new Set(fired.map((f) => JSON.stringify(f)))).toEqual(
              new Set(due.map((m) => JSON.stringify([m.k, m.ts, m.ns]))),
            );
          } else {
            const r = new TimerQueue();
            r.restore([q.snapshot()]);
            q = r;
          }
          expect(q.size).toBe(model.length);
          expect(q.peekTimestamp()).toBe(model.length === 0 ? undefined : Math.min(...model.map((m) => m.ts)));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('stays correct across heap compaction after many deletes', () => {
    const q = new TimerQueue();
    for (let i = 0; i < 1000; i++) q.register(`k${i}`, i);
    for (let i = 0; i < 1000; i++) if (i % 10 !== 0) q.delete(`k${i}`, i);
    expect(q.size).toBe(100);
    const fired = drain(q, Infinity).map((f) => f[1]);
    expect(fired).toEqual(Array.from({ length: 100 }, (_, i) => i * 10));
  });
});

describe('TimerQueue keys', () => {
  it('fires with the key as registered even if the caller mutates its key object later', () => {
    const q = new TimerQueue();
    const key = { user: 'u1' };
    q.register(key, 1, { window: [0, 10] });
    key.user = 'changed';
    expect(drain(q, 1)).toEqual([[{ user: 'u1' }, 1, { window: [0, 10] }]]);
  });
});
