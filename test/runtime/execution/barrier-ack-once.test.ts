import { describe, expect, it } from 'vitest';
import { StreamOperator } from '../../../runtime/api/operator.ts';
import { CheckpointCoordinator, type CheckpointAck } from '../../../runtime/checkpoint/coordinator.ts';
import { InMemoryCheckpointStorage } from '../../../runtime/checkpoint/storage.ts';
import { InputGate } from '../../../runtime/execution/channels.ts';
import { RuntimeMetrics } from '../../../runtime/metrics/index.ts';

class Sink extends StreamOperator<unknown, never> {
  readonly seen: unknown[] = [];
  processElement(value: unknown): void {
    this.seen.push(value);
  }
  override processWatermark(): void {}
}

function gateWith(channels: number) {
  const aligned: number[] = [];
  let ended = 0;
  const head = new Sink();
  const gate = new InputGate(
    {
      onAligned: (id) => void aligned.push(id),
      onEndOfInput: () => void ended++,
      fail: (error) => {
        throw error;
      },
    },
    head,
    new RuntimeMetrics().operator('job', 'sink', 0),
    Array.from({ length: channels }, () => 1 as const),
  );
  return { gate, aligned, head, ended: () => ended };
}

describe('each subtask acknowledges a checkpoint once', () => {
  it('ignores a barrier that arrives behind END (a producer that finished before the checkpoint reached it)', () => {
    const { gate, aligned, ended } = gateWith(2);
    const [a, b] = gate.channels;
    b!.pushEnd();
    a!.pushBarrier(7);
    expect(aligned).toEqual([7]);
    b!.pushBarrier(7);
    a!.pushEnd();
    expect(aligned).toEqual([7]);
    expect(ended()).toBe(1);
  });

  it('ignores repeated and stale barriers, and still aligns the next checkpoint', () => {
    const { gate, aligned, head } = gateWith(2);
    const [a, b] = gate.channels;
    a!.pushBarrier(3);
    a!.pushRecord('held', 0);
    b!.pushBarrier(3);
    expect(aligned).toEqual([3]);
    expect(head.seen).toEqual(['held']);
    b!.pushBarrier(3);
    a!.pushBarrier(2);
    expect(aligned).toEqual([3]);
    a!.pushBarrier(4);
    b!.pushBarrier(4);
    expect(aligned).toEqual([3, 4]);
  });

  it('coordinator completes only when every participant answered, whatever repeats', async () => {
    const storage = new InMemoryCheckpointStorage();
    const completed: number[] = [];
    const coordinator = new CheckpointCoordinator({
      jobName: 'job',
      storage,
      metrics: new RuntimeMetrics().checkpoints('job'),
      firstCheckpointId: 1,
      timeoutMs: 5000,
      participants: () => 2,
      inject: () => {},
      complete: async (id) => void completed.push(id),
      failJob: (error) => {
        throw error;
      },
    });
    const ack = (subtaskIndex: number): Promise<CheckpointAck> =>
      Promise.resolve({ subtaskIndex, states: { op: { n: subtaskIndex } }, committables: {} });
    const done = coordinator.trigger();
    coordinator.acknowledge(1, '0#0', ack(0));
    coordinator.acknowledge(1, '0#0', ack(0));
    await new Promise((r) => setTimeout(r, 10));
    expect(completed).toEqual([]);
    coordinator.acknowledge(1, '0#1', ack(1));
    await done;
    expect(completed).toEqual([1]);
    const latest = await storage.latest();
    expect(latest?.data.operators.op).toEqual({ 0: { n: 0 }, 1: { n: 1 } });
  });
});
