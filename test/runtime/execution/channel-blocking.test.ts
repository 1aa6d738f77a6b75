import { describe, expect, it } from 'vitest';
import { StreamOperator } from '../../../runtime/api/operator.ts';
import { InputGate } from '../../../runtime/execution/channels.ts';
import { OperatorMetrics } from '../../../runtime/metrics/index.ts';

/**
 * A channel that delivered checkpoint barrier n holds its later records back until every channel
 * delivered it: a record behind the barrier that reached the operator before the snapshot would be
 * in the checkpointed state and replayed again after a restore.
 */

class Recording extends StreamOperator<string, never> {
  constructor(private readonly log: string[]) {
    super();
  }
  processElement(value: string): void {
    this.log.push(value);
  }
}

function gate(log: string[], onAligned: (id: number) => void | Promise<void>) {
  const metrics = new OperatorMetrics('job', 'head', 0);
  const input = new InputGate(
    {
      onAligned: (id) => {
        log.push(`snapshot ${id}`);
        return onAligned(id);
      },
      onEndOfInput: () => log.push('end'),
      fail: (error) => {
        throw error;
      },
    },
    new Recording(log),
    metrics,
    [1, 1],
  );
  return { channels: input.channels, metrics };
}

describe('input channels at a checkpoint barrier', () => {
  it('hold back records behind the barrier until every channel delivered it', () => {
    const log: string[] = [];
    const { channels, metrics } = gate(log, () => {});
    const [a, b] = channels;
    a!.pushRecord('a1', 0);
    a!.pushBarrier(1);
    a!.pushRecord('a2', 0);
    b!.pushRecord('b1', 0);
    expect(log).toEqual(['a1', 'b1']);
    expect(metrics.recordsIn).toBe(2);
    b!.pushBarrier(1);
    b!.pushRecord('b2', 0);
    expect(log).toEqual(['a1', 'b1', 'snapshot 1', 'a2', 'b2']);
    expect(metrics.recordsIn).toBe(4);
  });

  it('keep every channel held while the barrier waits on async work, then replay in order', async () => {
    const log: string[] = [];
    let finish!: () => void;
    const { channels, metrics } = gate(log, () => new Promise<void>((resolve) => (finish = resolve)));
    const [a, b] = channels;
    // One record first: the first record on a channel is a timed sample, which takes the slow path.
    a!.pushRecord('a0', 0);
    a!.pushBarrier(1);
    b!.pushBarrier(1);
    a!.pushRecord('a1', 0);
    b!.pushRecord('b1', 0);
    a!.pushRecord('a2', 0);
    expect(log).toEqual(['a0', 'snapshot 1']);
    expect(metrics.recordsIn).toBe(1);
    finish();
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(log).toEqual(['a0', 'snapshot 1', 'a1', 'a2', 'b1']);
    a!.pushRecord('a3', 0);
    expect(log.at(-1)).toBe('a3');
    expect(metrics.recordsIn).toBe(5);
  });
});
