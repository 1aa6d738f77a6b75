import { describe, expect, it } from 'vitest';
import { Config } from '../../../compat/component/config.ts';
import { IllegalArgumentException, InvalidTopologyException } from '../../../compat/component/exceptions.ts';
import { Fields } from '../../../compat/component/fields.ts';
import { GlobalStreamId, GlobalStreamIdMap } from '../../../compat/component/global-stream-id.ts';
import {
  Bolt,
  ComponentCommon,
  Grouping,
  SpoutSpec,
  StormTopology,
  StreamInfo,
} from '../../../compat/topology/storm-topology.ts';
import { ackerCount, componentTaskCount, effectiveComponentConf, planTasks } from '../../../compat/topology/tasks.ts';
import { TopologyBuilder } from '../../../compat/topology/topology-builder.ts';
import { validateTopology } from '../../../compat/topology/validate.ts';
import { CountBolt, SplitBolt, WordSpout, statefulBolt } from './fixtures.ts';

function wordCount(): StormTopology {
  const b = new TopologyBuilder();
  b.setSpout('spout', new WordSpout(), 5);
  b.setBolt('split', new SplitBolt(), 8).shuffleGrouping('spout');
  b.setBolt('count', new CountBolt(), 12).fieldsGrouping('split', new Fields('word'));
  return b.createTopology();
}

const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => a + i);

describe('task-id assignment (§4, normative)', () => {
  it('the contract example: 3 ackers, count×12, split×8, spout×5', () => {
    const conf = new Config();
    conf.setNumAckers(3);
    const plan = planTasks({ ...conf }, wordCount());
    expect(plan.componentToSortedTasks.get('__acker')).toEqual([1, 2, 3]);
    expect(plan.componentToSortedTasks.get('count')).toEqual(range(4, 15));
    expect(plan.componentToSortedTasks.get('split')).toEqual(range(16, 23));
    expect(plan.componentToSortedTasks.get('spout')).toEqual(range(24, 28));
    expect(plan.componentToSortedTasks.get('__system')).toEqual([]);
    expect(plan.taskToComponent.size).toBe(28);
    expect(plan.components.get('count')!.componentConf['topology.tasks']).toBe(12);
  });

  it('sorts $… < upper case < __… < lower case, and counts metrics consumers and $checkpointspout', () => {
    const b = new TopologyBuilder();
    b.setSpout('Upper', new WordSpout());
    b.setBolt('lower', statefulBolt() as never).shuffleGrouping('Upper');
    const conf = new Config();
    conf.registerMetricsConsumer('LoggingMetricsConsumer');
    conf.registerMetricsConsumer('LoggingMetricsConsumer', 2);
    const plan = planTasks({ ...conf }, b.createTopology());
    expect([...plan.components.keys()]).toEqual([
      '$checkpointspout',
      'Upper',
      '__acker',
      '__metrics_LoggingMetricsConsumer',
      '__metrics_LoggingMetricsConsumer#2',
      '__system',
      'lower',
    ]);
    expect(plan.componentToSortedTasks.get('$checkpointspout')).toEqual([1]);
    expect(plan.componentToSortedTasks.get('Upper')).toEqual([2]);
    expect(plan.componentToSortedTasks.get('__acker')).toEqual([3]); // ackers default = workers = 1
    expect(plan.componentToSortedTasks.get('__metrics_LoggingMetricsConsumer')).toEqual([4]);
    expect(plan.componentToSortedTasks.get('__metrics_LoggingMetricsConsumer#2')).toEqual([5, 6]);
    expect(plan.componentToSortedTasks.get('lower')).toEqual([7]);
  });

  it('adds the implicit system streams to every component', () => {
    const plan = planTasks({}, wordCount());
    const s = plan.componentToStreamToFields.get('split')!;
    expect(s.get('__metrics')!.toList()).toEqual(['task-info', 'data-points']);
    expect(s.get('__system')!.toList()).toEqual(['event']);
    expect(s.get('__ack_ack')!.toList()).toEqual(['id', 'ack-val']);
    expect(plan.componentToStreamToFields.get('spout')!.get('__ack_init')!.toList()).toEqual([
      'id',
      'init-val',
      'spout-task',
    ]);
    expect(plan.componentToStreamToFields.get('__system')!.get('__tick')!.toList()).toEqual(['rate_secs']);
  });
});

describe('acker and task counts (§4)', () => {
  it('ackers: explicit, alias, default = workers, 0 disables', () => {
    expect(ackerCount({})).toBe(1);
    expect(ackerCount({ 'topology.workers': 4 })).toBe(4);
    expect(ackerCount({ 'topology.workers': 4, 'topology.acker.executors': 0 })).toBe(0);
    expect(ackerCount({ 'topology.ackers': 2 })).toBe(2);
    expect(ackerCount({ 'topology.ackers': 2, 'topology.acker.executors': 5 })).toBe(5);
    expect(ackerCount({ 'topology.acker.executors': null, 'topology.workers': 3 })).toBe(3);
    const plan = planTasks({ 'topology.acker.executors': 0 }, wordCount());
    expect(plan.componentToSortedTasks.get('__acker')).toEqual([]);
  });

  it('topology.tasks overlays, default = hint, capped by max.task.parallelism', () => {
    expect(componentTaskCount({}, {}, 4)).toBe(4);
    expect(componentTaskCount({}, { 'topology.tasks': 6 }, 4)).toBe(6);
    expect(componentTaskCount({ 'topology.tasks': 2 }, {}, 4)).toBe(2);
    expect(componentTaskCount({ 'topology.max.task.parallelism': 3 }, { 'topology.tasks': 6 }, 4)).toBe(3);
    expect(componentTaskCount({}, { 'topology.max.task.parallelism': 1 }, 4)).toBe(1);
    const b = new TopologyBuilder();
    b.setSpout('s', new WordSpout(), 2).setNumTasks(4);
    b.setBolt('x', new CountBolt(), 8).shuffleGrouping('s');
    const plan = planTasks({ 'topology.max.task.parallelism': 3, 'topology.acker.executors': 0 }, b.createTopology());
    expect(plan.components.get('s')!.taskCount).toBe(3);
    expect(plan.components.get('x')!.taskCount).toBe(3);
  });
});

describe('effectiveComponentConf (§4 overlay)', () => {
  it('drops non-whitelisted Config keys, keeps whitelisted and custom keys', () => {
    const conf = effectiveComponentConf(
      { 'topology.workers': 2, 'topology.message.timeout.secs': 10, a: 1 },
      {
        'topology.workers': 9,
        'topology.tasks': 4,
        'topology.debug': true,
        'topology.tick.tuple.freq.secs': 5,
        'topology.bolts.watermark.event.interval.ms': 500,
        'topology.bolts.window.length.count': 3,
        'topology.state.provider': 'p',
        a: 2,
        custom: 'c',
      },
      { topologyName: 'wc' },
    );
    expect(conf).toEqual({
      'topology.workers': 2,
      'topology.message.timeout.secs': 10,
      'topology.debug': true,
      'topology.tick.tuple.freq.secs': 5,
      'topology.bolts.watermark.event.interval.ms': 500,
      'topology.bolts.window.length.count': 3,
      'topology.state.provider': 'p',
      a: 2,
      custom: 'c',
      'topology.name': 'wc',
    });
  });

  it('spouts with ackers see the internal tick at the message timeout', () => {
    expect(
      effectiveComponentConf({ 'topology.message.timeout.secs': 7 }, null, {
        topologyName: 't',
        isSpout: true,
        ackers: 1,
      })['topology.tick.tuple.freq.secs'],
    ).toBe(7);
    expect(
      effectiveComponentConf({}, null, { topologyName: 't', isSpout: true, ackers: 1 })[
        'topology.tick.tuple.freq.secs'
      ],
    ).toBe(30);
    expect(
      effectiveComponentConf({}, null, { topologyName: 't', isSpout: true, ackers: 0 })[
        'topology.tick.tuple.freq.secs'
      ],
    ).toBeUndefined();
  });
});

function raw(spouts: Record<string, ComponentCommon>, bolts: Record<string, ComponentCommon>): StormTopology {
  return new StormTopology(
    new Map(Object.entries(spouts).map(([k, c]) => [k, new SpoutSpec({}, c, 'rich')])),
    new Map(Object.entries(bolts).map(([k, c]) => [k, new Bolt({}, c, 'rich')])),
  );
}

const common = (
  streams: Record<string, string[]>,
  inputs: Array<[string, string, Grouping]> = [],
  hint: number | null = 1,
  conf: Record<string, unknown> | null = null,
) =>
  new ComponentCommon(
    new GlobalStreamIdMap(inputs.map(([c, s, g]) => [new GlobalStreamId(c, s), g] as const)),
    new Map(Object.entries(streams).map(([k, f]) => [k, new StreamInfo(f, false)])),
    hint,
    conf === null ? null : JSON.stringify(conf),
  );

describe('validateTopology (§3.5)', () => {
  it('accepts word count and returns the normalised conf', () => {
    expect(validateTopology('wc', { 'topology.workers': '2', x: undefined }, wordCount())).toEqual({
      'topology.workers': 2,
    });
  });

  it('topology name', () => {
    for (const bad of ['a/b', 'a.b', 'a:b', 'a\\b', '']) {
      expect(() => validateTopology(bad, {}, wordCount())).toThrow(IllegalArgumentException);
    }
    expect(() => validateTopology('a.b', {}, wordCount())).toThrow(
      "Topology name 'a.b' is not valid. It can't be null and it must match ^[^/.:\\\\]+$",
    );
  });

  it('conf must be JSON', () => {
    expect(() => validateTopology('t', { x: 1n }, wordCount())).toThrow(IllegalArgumentException);
    expect(() => validateTopology('t', { 'topology.workers': 1.5 }, wordCount())).toThrow(/topology\.workers/);
  });

  it('no spout', () => {
    expect(() => validateTopology('t', {}, raw({}, { b: common({}) }))).toThrow(
      new InvalidTopologyException('Topology t does not have any spout'),
    );
  });

  it('reserved ids', () => {
    expect(() => validateTopology('t', {}, raw({ __s: common({ default: ['a'] }) }, {}))).toThrow(
      new InvalidTopologyException('__s is not a valid component id.'),
    );
    expect(() => validateTopology('t', {}, raw({ s: common({ __x: ['a'] }) }, {}))).toThrow(
      new InvalidTopologyException('__x is not a valid stream id.'),
    );
    const b = new TopologyBuilder();
    b.setSpout('__bad', new WordSpout());
    expect(() => validateTopology('t', {}, b.createTopology())).toThrow('__bad is not a valid component id.');
  });

  it('duplicate ids across spouts and bolts', () => {
    expect(() => validateTopology('t', {}, raw({ x: common({ default: ['a'] }) }, { x: common({}) }))).toThrow(
      new InvalidTopologyException('Duplicate component ids: [x]'),
    );
  });

  it('inputs on a spout', () => {
    const s = common({ default: ['a'] }, [['s', 'default', Grouping.shuffle()]]);
    expect(() => validateTopology('t', {}, raw({ s }, {}))).toThrow(
      new InvalidTopologyException('May not declare inputs for a spout'),
    );
  });

  it('tasks > 0 with hint ≤ 0', () => {
    const s = common({ default: ['a'] }, [], 0, { 'topology.tasks': 2 });
    expect(() => validateTopology('t', {}, raw({ s }, {}))).toThrow(
      new InvalidTopologyException('Number of executors must be greater than 0 when number of tasks is greater than 0'),
    );
  });

  it('unknown component, stream, fields (checked against the union of streams)', () => {
    const s = common({ default: ['a'], other: ['b'] });
    expect(() =>
      validateTopology('t', {}, raw({ s }, { x: common({}, [['nope', 'default', Grouping.shuffle()]]) })),
    ).toThrow('Component: [x] subscribes from non-existent component [nope]');
    expect(() => validateTopology('t', {}, raw({ s }, { x: common({}, [['s', 'zz', Grouping.shuffle()]]) }))).toThrow(
      'Component: [x] subscribes from non-existent stream: [zz] of component [s]',
    );
    expect(() =>
      validateTopology('t', {}, raw({ s }, { x: common({}, [['s', 'default', Grouping.fields(['q'])]]) })),
    ).toThrow('Component: [x] subscribes from stream: [default] of component [s] + with non-existent fields: [q]');
    // 'b' is only on stream "other" but the union check accepts it, as Storm does.
    expect(() =>
      validateTopology('t', {}, raw({ s }, { x: common({}, [['s', 'default', Grouping.fields(['b'])]]) })),
    ).not.toThrow();
  });

  it('builder topologies with undeclared sources fail structurally', () => {
    const b = new TopologyBuilder();
    b.setSpout('s', new WordSpout());
    b.setBolt('x', new CountBolt()).fieldsGrouping('s', new Fields('nope'));
    expect(() => validateTopology('t', {}, b.createTopology())).toThrow(InvalidTopologyException);
  });
});
