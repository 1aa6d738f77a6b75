import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { AckTracker, TIMEOUT_BUCKET_NUM } from '../../../compat/reliability/ack-tracker.ts';
import { RotatingMap } from '../../../compat/reliability/rotating-map.ts';

/** §7.4–7.6 as written: one bigint accumulator per root in a 3-bucket rotating map, nothing cached. */
class ReferenceAcker {
  private readonly pending = new RotatingMap<bigint, { val: bigint; task: number; failed: boolean }>(
    TIMEOUT_BUCKET_NUM,
  );
  constructor(private readonly log: string[]) {}
  private touch(root: bigint) {
    let e = this.pending.get(root);
    if (e === null) this.pending.put(root, (e = { val: 0n, task: -1, failed: false }));
    return e;
  }
  init(root: bigint, val: bigint, task: number): void {
    const e = this.touch(root);
    e.val ^= val;
    e.task = task;
    this.settle(root, false);
  }
  ack(root: bigint, val: bigint): void {
    this.touch(root).val ^= val;
    this.settle(root, false);
  }
  fail(root: bigint): void {
    const e = this.pending.get(root) ?? { val: 0n, task: -1, failed: false };
    e.failed = true;
    this.pending.put(root, e);
    this.settle(root, false);
  }
  resetTimeout(root: bigint): void {
    this.pending.put(root, this.pending.get(root) ?? { val: 0n, task: -1, failed: false });
    this.settle(root, true);
  }
  rotate(): number {
    return this.pending.rotate().size;
  }
  size(): number {
    return this.pending.size();
  }
  private settle(root: bigint, reset: boolean): void {
    const e = this.pending.get(root)!;
    if (e.task < 0) return;
    if (e.val === 0n) {
      this.pending.remove(root);
      this.log.push(`ack ${root} ${e.task}`);
    } else if (e.failed) {
      this.pending.remove(root);
      this.log.push(`fail ${root} ${e.task}`);
    } else if (reset) this.log.push(`reset ${root} ${e.task}`);
  }
}

const ROOTS = [11n, -(2n ** 63n), 2n ** 63n - 1n, 0n, 42n];
const VALS = [1n, -1n, 2n ** 40n + 7n, -(2n ** 63n), 123456789n];

const op = fc.oneof(
  fc.record({
    kind: fc.constant('init' as const),
    r: fc.nat(4),
    v: fc.array(fc.nat(4), { maxLength: 3 }),
    task: fc.nat(3),
  }),
  fc.record({ kind: fc.constant('ack' as const), r: fc.nat(4), v: fc.array(fc.nat(4), { maxLength: 3 }) }),
  fc.record({ kind: fc.constant('fail' as const), r: fc.nat(4) }),
  fc.record({ kind: fc.constant('reset' as const), r: fc.nat(4) }),
  fc.record({ kind: fc.constant('rotate' as const) }),
);

describe('AckTracker against §7 as written', () => {
  it('gives the same verdicts, forgets the same trees and tracks as many, for any sequence of messages', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 80 }), (ops) => {
        const got: string[] = [];
        const want: string[] = [];
        const tracker = new AckTracker({
          onAck: (root, task) => got.push(`ack ${root} ${task}`),
          onFail: (root, task) => got.push(`fail ${root} ${task}`),
          onResetTimeout: (root, task) => got.push(`reset ${root} ${task}`),
        });
        const reference = new ReferenceAcker(want);
        for (const o of ops) {
          if (o.kind === 'rotate') {
            expect(tracker.rotate()).toBe(reference.rotate());
          } else {
            const root = ROOTS[o.r]!;
            // XOR of up to three values: repeats cancel, so trees complete as often as they do in acking.
            const val = o.kind === 'init' || o.kind === 'ack' ? o.v.reduce((a, i) => a ^ VALS[i]!, 0n) : 0n;
            if (o.kind === 'init') {
              tracker.init(root, val, o.task);
              reference.init(root, val, o.task);
            } else if (o.kind === 'ack') {
              tracker.ack(root, val);
              reference.ack(root, val);
            } else if (o.kind === 'fail') {
              tracker.fail(root);
              reference.fail(root);
            } else {
              tracker.resetTimeout(root);
              reference.resetTimeout(root);
            }
          }
          expect(got).toEqual(want);
          expect(tracker.size()).toBe(reference.size());
        }
      }),
      { numRuns: 1000 },
    );
  });
});
