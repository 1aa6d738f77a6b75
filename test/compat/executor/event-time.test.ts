import { describe, expect, it } from 'vitest';
import {
  BaseWindowedBolt,
  Duration,
  Fields,
  LocalCluster,
  Time,
  TopologyBuilder,
  Values,
  type Conf,
  type OutputCollector,
  type OutputFieldsDeclarer,
  type TopologyContext,
  type Tuple,
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

class TumblingTs extends BaseWindowedBolt {
  private collector!: OutputCollector;
  override prepare(_c: Conf, _ctx: TopologyContext, collector: OutputCollector): void {
    this.collector = collector;
  }
  execute(w: TupleWindow): void {
    this.collector.emit(
      new Values(
        w.getEndTimestamp(),
        w.get().map((t) => t.getIntegerByField('ts')),
      ),
    );
  }
  override declareOutputFields(d: OutputFieldsDeclarer): void {
    d.declare(new Fields('end', 'ts'));
  }
}

describe('event-time windows (§9)', () => {
  it('fires windows on watermarks and routes late tuples to the late stream, acked', async () => {
    const windows: unknown[] = [];
    const late: Tuple[] = [];
    const acked: unknown[] = [];
    const phases = [
      [1000, 2000, 3000, 12000],
      [500, 25000],
    ];
    let phase = 0;
    let phaseStart = 0;
    const b = new TopologyBuilder();
    b.setSpout(
      's',
      new FnSpout(
        {
          next(_ctx, c) {
            // The late tuple must arrive after the watermark of 12000 was computed (every 50 simulated ms).
            if (phase >= phases.length || (phase > 0 && Time.currentTimeMillis() - phaseStart < 300)) return;
            for (const ts of phases[phase]!) c.emit([ts], ts);
            phase++;
            phaseStart = Time.currentTimeMillis();
          },
          ack: (id) => void acked.push(id),
        },
        { default: ['ts'] },
      ),
    );
    b.setBolt(
      'win',
      new TumblingTs()
        .withTumblingWindow(Duration.of(10_000))
        .withTimestampField('ts')
        .withWatermarkInterval(Duration.of(50))
        .withLateTupleStream('late'),
      1,
    ).shuffleGrouping('s');
    b.setBolt(
      'out',
      new FnBolt({
        execute: (t, c) => {
          windows.push(t.getValues());
          c.ack(t);
        },
      }),
      1,
    ).shuffleGrouping('win');
    b.setBolt(
      'lateSink',
      new FnBolt({
        execute: (t, c) => {
          late.push(t);
          c.ack(t);
        },
      }),
      1,
    ).shuffleGrouping('win', 'late');
    cluster = new LocalCluster.Builder().withSimulatedTime().build();
    await cluster.submitTopology('event-time', { 'topology.message.timeout.secs': 60 }, b.createTopology());
    // Simulated time: watermarks every 50 ms, the second phase 300 ms after the first, whatever the load.
    await cluster.waitForIdle();
    for (let i = 0; i < 6; i++) {
      Time.advanceTime(100);
      await cluster.waitForIdle();
    }
    expect([windows.length, late.length]).toEqual([2, 1]);
    expect(windows).toEqual([
      [10_000, [1000, 2000, 3000]],
      [20_000, [12_000]],
    ]);
    expect(late[0]!.getFields().toList()).toEqual(['late_tuple']);
    expect((late[0]!.getValue(0) as Tuple).getValue(0)).toBe(500);
    await waitFor(() => acked.includes(500), 5000, 'late tuple acked');
  });
});
