import { describe, expect, it } from 'vitest';
import {
  BaseRichBolt,
  BaseRichSpout,
  Fields,
  LocalCluster,
  TopologyBuilder,
  type Conf,
  type OutputCollector,
  type OutputFieldsDeclarer,
  type SpoutOutputCollector,
  type TopologyContext,
  type Tuple,
} from '../../../compat/index.ts';
import { waitFor } from '../e2e/fixtures.ts';
import { shutDownAfterEach } from '../cluster-per-test.ts';

let cluster: LocalCluster | undefined;
shutDownAfterEach(
  () => cluster,
  () => (cluster = undefined),
);

const seen = {
  acked: [] as number[],
  failed: [] as number[],
  totals: [] as number[],
  crashed: false,
  emitted: [] as number[],
};

/** Its position is a data field: checkpoint mode rewinds it to the last checkpoint after a crash. */
class CounterSpout extends BaseRichSpout {
  private next = 0;
  private collector!: SpoutOutputCollector;
  open(_c: Conf, _ctx: TopologyContext, collector: SpoutOutputCollector): void {
    this.collector = collector;
  }
  nextTuple(): void {
    if (this.next >= 30) return;
    const v = this.next++;
    seen.emitted.push(v);
    this.collector.emit([v], v);
  }
  override ack(id: unknown): void {
    seen.acked.push(id as number);
  }
  override fail(id: unknown): void {
    seen.failed.push(id as number);
  }
  declareOutputFields(d: OutputFieldsDeclarer): void {
    d.declare(new Fields('v'));
  }
}

/** Its running total is a data field, snapshotted at every barrier. */
class TotalBolt extends BaseRichBolt {
  private total = 0;
  private collector!: OutputCollector;
  prepare(_c: Conf, _ctx: TopologyContext, collector: OutputCollector): void {
    this.collector = collector;
  }
  execute(t: Tuple): void {
    const v = t.getInteger(0);
    if (v === 3) {
      this.collector.fail(t);
      return;
    }
    if (v === 20 && !seen.crashed && seen.acked.length > 0) {
      seen.crashed = true;
      throw new Error('crash after a completed checkpoint');
    }
    this.total += v;
    seen.totals.push(this.total);
  }
  declareOutputFields(): void {}
}

describe('checkpoint reliability mode (§7a)', () => {
  it('acks on checkpoint completion, fails explicit fails, and restores instance fields after a crash', async () => {
    const b = new TopologyBuilder();
    b.setSpout('s', new CounterSpout()).setMaxSpoutPending(10);
    b.setBolt('total', new TotalBolt(), 1).shuffleGrouping('s');
    cluster = new LocalCluster();
    await cluster.submitTopology(
      'cp-mode',
      { 'stormshift.reliability': 'checkpoint', 'topology.state.checkpoint.interval.ms': 100 },
      b.createTopology(),
    );
    await waitFor(
      () => seen.totals.length > 0 && seen.totals[seen.totals.length - 1] === (29 * 30) / 2 - 3,
      15_000,
      'final total',
    );
    expect(seen.crashed).toBe(true);
    expect(seen.failed).toContain(3);
    expect(seen.acked).not.toContain(3);
    // The spout rewound to its checkpointed position and re-emitted what followed it.
    expect(seen.emitted.length).toBeGreaterThan(30);
    await waitFor(() => new Set(seen.acked).size === 29, 5000, 'every other tuple acked');
  });
});
