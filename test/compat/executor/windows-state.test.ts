import { describe, expect, it } from 'vitest';
import {
  BaseStatefulBolt,
  BaseWindowedBolt,
  Config,
  Count,
  Fields,
  LocalCluster,
  TopologyBuilder,
  Values,
  type Conf,
  type KeyValueState,
  type OutputCollector,
  type OutputFieldsDeclarer,
  type TopologyContext,
  type Tuple,
  type TupleWindow,
} from '../../../compat/index.ts';
import { FnBolt, FnSpout, counterSpout } from './fn-components.ts';
import { waitFor } from '../e2e/fixtures.ts';
import { shutDownAfterEach } from '../cluster-per-test.ts';

let cluster: LocalCluster | undefined;
shutDownAfterEach(
  () => cluster,
  () => (cluster = undefined),
);

class SlidingSum extends BaseWindowedBolt {
  private collector!: OutputCollector;
  override prepare(_conf: Conf, _ctx: TopologyContext, collector: OutputCollector): void {
    this.collector = collector;
  }
  execute(window: TupleWindow): void {
    let sum = 0;
    for (const t of window.get()) sum += t.getInteger(0);
    this.collector.emit(new Values(sum, window.get().length));
  }
  override declareOutputFields(d: OutputFieldsDeclarer): void {
    d.declare(new Fields('sum', 'n'));
  }
}

describe('windowed bolts (§9)', () => {
  it('sums a sliding count window and anchors window emits to the window tuples', async () => {
    const sums: unknown[] = [];
    const acked: unknown[] = [];
    const b = new TopologyBuilder();
    b.setSpout('s', counterSpout(6, { onAck: (id) => acked.push(id) }));
    b.setBolt('win', new SlidingSum().withWindow(Count.of(3), Count.of(1)), 1).shuffleGrouping('s');
    b.setBolt(
      'sink',
      new FnBolt({
        execute: (t, c) => {
          sums.push(t.getValues());
          c.ack(t);
        },
      }),
      1,
    ).shuffleGrouping('win');
    cluster = new LocalCluster();
    await cluster.submitTopology('window', {}, b.createTopology());
    await waitFor(() => sums.length === 6, 5000, 'six activations');
    expect(sums).toEqual([
      [0, 1],
      [1, 2],
      [3, 3],
      [6, 3],
      [9, 3],
      [12, 3],
    ]);
    // Tuples 0..2 left the window (acked on expiry); the last three are still in it.
    await waitFor(() => acked.length === 3, 5000, 'expiry acks');
    expect([...acked].sort()).toEqual([0, 1, 2]);
  });
});

const stateLog: Array<{ sum: number; n: number }> = [];
let crashOnce = true;
/** Acked spout ids: acks are only released by a commit, so a non-empty set means a checkpoint committed. */
const ackedIds = new Set<number>();

class SummingStateful extends BaseStatefulBolt<KeyValueState<string, number>> {
  private state!: KeyValueState<string, number>;
  private collector!: OutputCollector;
  override prepare(_conf: Conf, _ctx: TopologyContext, collector: OutputCollector): void {
    this.collector = collector;
  }
  initState(state: KeyValueState<string, number>): void {
    this.state = state;
  }
  execute(t: Tuple): void {
    const v = t.getInteger(0);
    if (v === 7 && crashOnce) {
      expect(ackedIds.size).toBeGreaterThan(0);
      crashOnce = false;
      throw new Error('crash in the middle');
    }
    const sum = (this.state.get('sum', 0) as number) + v;
    const n = (this.state.get('n', 0) as number) + 1;
    this.state.put('sum', sum);
    this.state.put('n', n);
    stateLog.push({ sum, n });
    this.collector.ack(t);
  }
}

describe('stateful bolts (§10)', () => {
  it('keeps KeyValueState across a restart with an exactly-once effect', async () => {
    const N = 12;
    // The spout's source is external: it re-emits whatever was not acked after a restart. The
    // second half waits for a first commit, so the crash comes after committed state exists.
    const b = new TopologyBuilder();
    b.setSpout(
      's',
      new FnSpout({
        next(_ctx, c) {
          const self = this as unknown as { sent?: Set<number> };
          self.sent ??= new Set();
          for (let i = 0; i < N; i++) {
            if (ackedIds.has(i) || self.sent.has(i)) continue;
            if (i >= N / 2 && ackedIds.size === 0) return;
            self.sent.add(i);
            c.emit([i], i);
            return;
          }
        },
        ack: (id) => void ackedIds.add(id as number),
        fail(id) {
          (this as unknown as { sent: Set<number> }).sent.delete(id as number);
        },
      }),
    );
    b.setBolt('state', new SummingStateful(), 1).shuffleGrouping('s');
    const conf = new Config();
    conf.put(Config.TOPOLOGY_STATE_CHECKPOINT_INTERVAL, 100);
    conf.setMessageTimeoutSecs(2);
    cluster = new LocalCluster();
    await cluster.submitTopology('stateful', conf, b.createTopology());
    await waitFor(() => ackedIds.size === N, 15_000, 'every tuple acked after commits');
    const last = stateLog[stateLog.length - 1]!;
    expect(crashOnce).toBe(false);
    expect(last).toEqual({ sum: (N * (N - 1)) / 2, n: N });
  });
});
