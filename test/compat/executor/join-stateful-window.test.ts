import { describe, expect, it } from 'vitest';
import {
  BaseStatefulWindowedBolt,
  Count,
  Fields,
  JoinBolt,
  LocalCluster,
  TopologyBuilder,
  Values,
  type Conf,
  type KeyValueState,
  type OutputCollector,
  type OutputFieldsDeclarer,
  type TopologyContext,
  type TupleWindow,
} from '../../../compat/index.ts';
import { FnBolt, FnSpout } from './fn-components.ts';
import { waitFor } from '../e2e/fixtures.ts';
import { shutDownAfterEach } from '../cluster-per-test.ts';

let cluster: LocalCluster | undefined;
shutDownAfterEach(
  () => cluster,
  () => (cluster = undefined),
);

function listSpout(rows: unknown[][], fields: string[]): FnSpout {
  return new FnSpout(
    {
      next(_ctx, c) {
        const self = this as unknown as { i?: number };
        const i = self.i ?? 0;
        if (i >= rows.length) return;
        self.i = i + 1;
        c.emit(rows[i]!, `${fields[0]}-${i}`);
      },
    },
    { default: fields },
  );
}

describe('JoinBolt on the executor (§9)', () => {
  it('joins two spouts on a key inside a tumbling count window', async () => {
    const out: unknown[] = [];
    const b = new TopologyBuilder();
    b.setSpout(
      'users',
      listSpout(
        [
          [1, 'ann'],
          [2, 'bob'],
        ],
        ['userId', 'name'],
      ),
    );
    b.setSpout(
      'orders',
      listSpout(
        [
          [1, 'book'],
          [2, 'pen'],
        ],
        ['userId', 'item'],
      ),
    );
    b.setBolt(
      'join',
      new JoinBolt('users', 'userId')
        .join('orders', 'userId', 'users')
        .select('users:userId,name,item')
        .withTumblingWindow(Count.of(4)),
      1,
    )
      .fieldsGrouping('users', new Fields('userId'))
      .fieldsGrouping('orders', new Fields('userId'));
    b.setBolt(
      'sink',
      new FnBolt({
        execute: (t, c) => {
          out.push(t.getValues());
          c.ack(t);
        },
      }),
      1,
    ).shuffleGrouping('join');
    cluster = new LocalCluster();
    await cluster.submitTopology('join', {}, b.createTopology());
    await waitFor(() => out.length === 2, 5000, 'joined rows');
    expect(out.map((r) => JSON.stringify(r)).sort()).toEqual(['[1,"ann","book"]', '[2,"bob","pen"]']);
  });
});

class WindowCounter extends BaseStatefulWindowedBolt<KeyValueState<string, number>> {
  private state!: KeyValueState<string, number>;
  private collector!: OutputCollector;
  override prepare(_c: Conf, _ctx: TopologyContext, collector: OutputCollector): void {
    this.collector = collector;
  }
  initState(state: KeyValueState<string, number>): void {
    this.state = state;
  }
  execute(w: TupleWindow): void {
    const windows = (this.state.get('windows', 0) as number) + 1;
    this.state.put('windows', windows);
    this.collector.emit(new Values(windows, w.get().length));
  }
  override declareOutputFields(d: OutputFieldsDeclarer): void {
    d.declare(new Fields('windows', 'size'));
  }
}

describe('stateful windowed bolts (§9, §10)', () => {
  it('runs execute(window) with state, and releases window acks with the commit', async () => {
    const out: unknown[] = [];
    const acked: unknown[] = [];
    const b = new TopologyBuilder();
    b.setSpout(
      's',
      new FnSpout(
        {
          next(_ctx, c) {
            const self = this as unknown as { i?: number };
            const i = self.i ?? 0;
            if (i >= 6) return;
            self.i = i + 1;
            c.emit([i], i);
          },
          ack: (id) => void acked.push(id),
        },
        { default: ['id'] },
      ),
    );
    b.setBolt('win', new WindowCounter().withTumblingWindow(Count.of(2)).withMessageIdField('id'), 1).shuffleGrouping(
      's',
    );
    b.setBolt(
      'sink',
      new FnBolt({
        execute: (t, c) => {
          out.push(t.getValues());
          c.ack(t);
        },
      }),
      1,
    ).shuffleGrouping('win');
    cluster = new LocalCluster();
    await cluster.submitTopology(
      'stateful-window',
      { 'topology.state.checkpoint.interval.ms': 100 },
      b.createTopology(),
    );
    await waitFor(() => out.length === 3, 5000, 'three windows');
    expect(out).toEqual([
      [1, 2],
      [2, 2],
      [3, 2],
    ]);
    await waitFor(() => acked.length >= 4, 5000, 'acks after commit');
  });
});
