import { describe, expect, it } from 'vitest';
import {
  BaseStatefulBolt,
  LocalCluster,
  TopologyBuilder,
  type KeyValueState,
  type Tuple,
} from '../../../compat/index.ts';
import { FnBolt, FnSpout, counterSpout } from './fn-components.ts';
import { sleep, waitFor } from '../e2e/fixtures.ts';
import { shutDownAfterEach } from '../cluster-per-test.ts';

let cluster: LocalCluster | undefined;
shutDownAfterEach(
  () => cluster,
  () => (cluster = undefined),
);

class NoopStateful extends BaseStatefulBolt<KeyValueState<string, number>> {
  initState(): void {}
  execute(): void {}
}

describe('stateful topology rules (§10)', () => {
  it('rejects unanchored emits from every bolt, accepts anchored ones, never delivers $checkpoint tuples', async () => {
    const outcomes: string[] = [];
    const streams = new Set<string>();
    const b = new TopologyBuilder();
    b.setSpout('s', counterSpout(1, { tracked: false }));
    b.setBolt(
      'plain',
      new FnBolt(
        {
          execute: (t: Tuple, c) => {
            streams.add(t.getSourceStreamId());
            try {
              c.emit([1]);
              outcomes.push('unanchored ok');
            } catch (e) {
              outcomes.push(`${(e as Error).name}: ${(e as Error).message}`);
            }
            outcomes.push(`anchored ${JSON.stringify(c.emit(t, [2]))}`);
            c.ack(t);
          },
        },
        { default: ['v'] },
      ),
      1,
    ).shuffleGrouping('s');
    b.setBolt('state', new NoopStateful(), 1).shuffleGrouping('plain');
    cluster = new LocalCluster();
    await cluster.submitTopology(
      'stateful-rules',
      { 'topology.state.checkpoint.interval.ms': 100 },
      b.createTopology(),
    );
    await waitFor(() => outcomes.length === 2, 5000, 'outcomes');
    expect(outcomes[0]).toBe('UnsupportedOperationException: Bolts in a stateful topology must emit anchored tuples.');
    expect(outcomes[1]).toMatch(/^anchored \[\d+\]$/);
    await sleep(300);
    expect([...streams]).toEqual(['default']);
  });
});

describe('spout callbacks (R6)', () => {
  it('never overlaps async nextTuple, ack and fail on a task', async () => {
    let running = 0;
    let maxRunning = 0;
    const acked: unknown[] = [];
    const enter = async (): Promise<void> => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      await sleep(1);
      running--;
    };
    const b = new TopologyBuilder();
    b.setSpout(
      's',
      new FnSpout({
        async next(_ctx, c) {
          await enter();
          const self = this as unknown as { i?: number };
          const i = self.i ?? 0;
          if (i >= 5) return;
          self.i = i + 1;
          c.emit([i], i);
        },
        async ack(id) {
          await enter();
          acked.push(id);
        },
      }),
    );
    b.setBolt('b', new FnBolt({ execute: (t, c) => c.ack(t) }), 2).shuffleGrouping('s');
    cluster = new LocalCluster();
    await cluster.submitTopology('async-spout', {}, b.createTopology());
    await waitFor(() => acked.length === 5, 5000, 'acks');
    expect(maxRunning).toBe(1);
  });
});
