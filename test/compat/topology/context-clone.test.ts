import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import {
  BaseBasicBolt,
  BaseRichBolt,
  BaseRichSpout,
  BaseTickTupleAwareRichBolt,
} from '../../../compat/component/base.ts';
import { IllegalArgumentException, RuntimeException } from '../../../compat/component/exceptions.ts';
import { Fields } from '../../../compat/component/fields.ts';
import { GlobalStreamId } from '../../../compat/component/global-stream-id.ts';
import { CountMetric } from '../../../compat/component/metrics.ts';
import { TupleImpl } from '../../../compat/component/tuple.ts';
import { Values } from '../../../compat/component/values.ts';
import { cloneComponent, cloneValue } from '../../../compat/topology/clone.ts';
import { planTasks, topologyContextFor } from '../../../compat/topology/tasks.ts';
import { TopologyBuilder } from '../../../compat/topology/topology-builder.ts';
import { CountBolt, SplitBolt, WordSpout, statefulBolt } from './fixtures.ts';

function setup(stateful = false) {
  const b = new TopologyBuilder();
  b.setSpout('spout', new WordSpout(), 2);
  b.setBolt('split', new SplitBolt(), 2).shuffleGrouping('spout');
  b.setBolt('count', stateful ? (statefulBolt() as never) : new CountBolt(), 3).fieldsGrouping(
    'split',
    new Fields('word'),
  );
  const topology = b.createTopology();
  const conf = { 'topology.acker.executors': 1 };
  const plan = planTasks(conf, topology);
  return { topology, conf, plan, ctx: (task: number) => topologyContextFor(topology, conf, plan, 'wc-1-1', task) };
}

describe('TopologyContext (§4)', () => {
  it('task ids, indices, components', () => {
    const { ctx, plan } = setup();
    const countTasks = plan.componentToSortedTasks.get('count')!;
    const c = ctx(countTasks[1]!);
    expect(c.getThisComponentId()).toBe('count');
    expect(c.getThisTaskId()).toBe(countTasks[1]);
    expect(c.getThisTaskIndex()).toBe(1);
    expect(c.getComponentTasks('count')).toEqual(countTasks);
    expect(c.getComponentTasks('nope')).toEqual([]);
    expect(c.getComponentId(-1)).toBe('__system');
    expect(c.getComponentId(countTasks[0]!)).toBe('count');
    expect(c.getTaskToComponent()).toBeInstanceOf(Map);
    expect(c.getComponentIds()).toEqual(new Set(['__acker', '__system', 'count', 'spout', 'split']));
    expect(c.getStormId()).toBe('wc-1-1');
    expect(c.getThisWorkerTasks()).toHaveLength(8);
    expect(typeof c.getThisWorkerPort()).toBe('number');
    const copy = c.getComponentTasks('count');
    copy.push(999);
    expect(c.getComponentTasks('count')).toEqual(countTasks);
  });

  it('output fields and the unknown-stream message', () => {
    const { ctx, plan } = setup();
    const c = ctx(plan.componentToSortedTasks.get('split')![0]!);
    expect(c.getThisOutputFields('lengths').toList()).toEqual(['len']);
    expect(c.getComponentOutputFields(new GlobalStreamId('spout', 'default')).toList()).toEqual(['word']);
    expect(c.getThisStreams().has('default')).toBe(true);
    expect(() => c.getComponentOutputFields('split', 'nope')).toThrow(
      new IllegalArgumentException('No output fields defined for component:stream split:nope'),
    );
  });

  it('sources and targets compare GlobalStreamId by value', () => {
    const { ctx, plan } = setup();
    const split = ctx(plan.componentToSortedTasks.get('split')![0]!);
    const sources = split.getThisSources();
    expect(sources.get(new GlobalStreamId('spout', 'default'))!.is_set_shuffle()).toBe(true);
    expect(split.getThisTargets().get('default')!.get('count')!.get_fields()).toEqual(['word']);
    expect(split.getThisTargets().get('__ack_ack')!.has('__acker')).toBe(true);
    expect(split.getThisInputFields().get('spout')!.get('default')).toEqual(['word']);
  });

  it('stateful topologies show $checkpoint inputs', () => {
    const { ctx, plan } = setup(true);
    const split = ctx(plan.componentToSortedTasks.get('split')![0]!);
    expect(split.getThisSources().get(new GlobalStreamId('$checkpointspout', '$checkpoint'))!.is_set_all()).toBe(true);
    const count = ctx(plan.componentToSortedTasks.get('count')![0]!);
    expect(count.getThisSources().get(new GlobalStreamId('split', '$checkpoint'))!.is_set_all()).toBe(true);
    expect(split.getThisTargets().get('$checkpoint')!.has('count')).toBe(true);
  });

  it('toJSONString is the multilang context', () => {
    const { ctx, plan } = setup();
    const task = plan.componentToSortedTasks.get('count')![0]!;
    const j = JSON.parse(ctx(task).toJSONString());
    expect(j.taskid).toBe(task);
    expect(j.componentid).toBe('count');
    expect(j['task->component'][String(task)]).toBe('count');
    expect(j.streams).toContain('default');
    expect(j['stream->outputfields'].default).toEqual(['word', 'count']);
    expect(j['source->stream->grouping']).toEqual({ split: { default: { type: 'FIELDS', fields: ['word'] } } });
    expect(j['source->stream->fields']).toEqual({ split: { default: ['word'] } });
    expect(j['stream->target->grouping'].__ack_ack.__acker).toEqual({ type: 'FIELDS', fields: ['id'] });
    const splitJ = JSON.parse(ctx(plan.componentToSortedTasks.get('split')![0]!).toJSONString());
    expect(splitJ['source->stream->grouping']).toEqual({ spout: { default: { type: 'SHUFFLE' } } });
  });

  it('tuples built over the context read declared fields, ticks included', () => {
    const { ctx, plan } = setup();
    const c = ctx(plan.componentToSortedTasks.get('count')![0]!);
    const t = new TupleImpl(c, new Values('w'), 'split', 3, 'default');
    expect(t.getStringByField('word')).toBe('w');
    const tick = new TupleImpl(c, [5], '__system', -1, '__tick');
    expect(tick.getValueByField('rate_secs')).toBe(5);
  });

  it('registerMetric: metrics v1 rules', () => {
    const { ctx } = setup();
    const c = ctx(1);
    const m = c.registerMetric('count', new CountMetric(), 60);
    expect(c.getRegisteredMetricByName('count')).toBe(m);
    expect(c.registeredMetrics).toEqual([{ name: 'count', metric: m, bucketSecs: 60 }]);
    expect(() => c.registerMetric('count', new CountMetric(), 60)).toThrow(
      new RuntimeException('The same metric name `count` was registered twice.'),
    );
    expect(() => c.registerMetric('x', new CountMetric(), 0)).toThrow(IllegalArgumentException);
    const reduced = c.registerMetric(
      'mean',
      { init: () => 0, reduce: (a: number, x: unknown) => a + Number(x), extractResult: (a: number) => a },
      1,
    );
    (reduced as unknown as { update(x: number): void }).update(2);
    expect(reduced.getValueAndReset()).toBe(2);
    c.setOpenOrPrepareWasCalled(true);
    expect(() => c.registerMetric('late', new CountMetric(), 10)).toThrow(RuntimeException);
    expect(() => c.registerMetric('late', new CountMetric(), 10)).toThrow(
      'TopologyContext.registerMetric can only be called from within overridden IBolt::prepare() or ISpout::open() method.',
    );
  });

  it('task hooks, task data and v2 metric objects are stored for the executor', () => {
    const { ctx } = setup();
    const c = ctx(1);
    const hook = {
      prepare() {},
      cleanup() {},
      emit() {},
      spoutAck() {},
      spoutFail() {},
      boltExecute() {},
      boltAck() {},
      boltFail() {},
    };
    c.addTaskHook(hook);
    expect(c.getHooks()).toEqual([hook]);
    c.setTaskData('k', 1);
    expect(c.getTaskData('k')).toBe(1);
    expect(c.getTaskData('none')).toBeNull();
    const counter = c.registerCounter('n');
    counter.inc();
    expect(c.registerCounter('n').getCount()).toBe(1);
  });
});

describe('CountMetric', () => {
  it('counts and resets', () => {
    const m = new CountMetric();
    m.incr();
    m.incrBy(4);
    expect(m.getValueAndReset()).toBe(5);
    expect(m.getValueAndReset()).toBe(0);
  });
});

describe('cloneComponent (R9)', () => {
  it('deep-copies data fields, keeps prototypes, shares functions, preserves sharing and cycles', () => {
    class Inner {
      constructor(public n: number) {}
      twice() {
        return this.n * 2;
      }
    }
    const fn = () => 1;
    const shared = { v: 1 };
    const bolt = new CountBolt() as CountBolt & Record<string, unknown>;
    bolt.counts.set('a', 1);
    Object.assign(bolt, {
      list: [1, { x: 2 }],
      set: new Set([1, 2]),
      date: new Date(5),
      bytes: new Uint8Array([1, 2]),
      buf: Buffer.from('ab'),
      inner: new Inner(3),
      fn,
      s1: shared,
      s2: shared,
      values: new Values(1, 2),
    });
    (bolt as Record<string, unknown>).self = bolt;
    const c = cloneComponent(bolt, 'Bolt', 'b') as typeof bolt;
    expect(c).toBeInstanceOf(CountBolt);
    expect(c).not.toBe(bolt);
    expect(c.counts).not.toBe(bolt.counts);
    expect(c.counts.get('a')).toBe(1);
    c.counts.set('a', 2);
    expect(bolt.counts.get('a')).toBe(1);
    expect(c.list).toEqual([1, { x: 2 }]);
    expect(c.list).not.toBe(bolt.list);
    expect(c.set).toEqual(new Set([1, 2]));
    expect((c.date as Date).getTime()).toBe(5);
    expect(c.bytes).toEqual(new Uint8Array([1, 2]));
    expect(c.bytes).not.toBe(bolt.bytes);
    expect(Buffer.isBuffer(c.buf)).toBe(true);
    expect((c.inner as Inner).twice()).toBe(6);
    expect(c.fn).toBe(fn);
    expect(c.s1).toBe(c.s2);
    expect(c.s1).not.toBe(shared);
    expect(c.self).toBe(c);
    expect(c.values).toBeInstanceOf(Values);
  });

  it("refuses live resources with Storm's wording", () => {
    const spout = new WordSpout() as WordSpout & Record<string, unknown>;
    spout.emitter = new EventEmitter();
    expect(() => cloneComponent(spout, 'Spout', 's')).toThrow(
      "Spout 's' contains a non-serializable field of type EventEmitter (this.emitter), which was instantiated prior to topology creation. " +
        "EventEmitter should be instantiated within the open method of 's at the earliest.",
    );
    const timer = setTimeout(() => {}, 1000);
    try {
      expect(() => cloneValue({ t: timer })).toThrow(/Timeout/);
    } finally {
      clearTimeout(timer);
    }
    expect(() => cloneValue({ w: new WeakSet() })).toThrow(/WeakSet/);
    expect(() => cloneValue({ deep: [{ p: Promise.resolve() }] })).toThrow(/value\.deep\[0\]\.p/);
  });
});

describe('base classes (§5.1)', () => {
  it('no-op defaults', () => {
    class S extends BaseRichSpout {
      open() {}
      nextTuple() {}
      declareOutputFields() {}
    }
    const s = new S();
    expect(s.getComponentConfiguration()).toBeNull();
    expect(() => {
      s.ack(1);
      s.fail(1);
      s.activate();
      s.deactivate();
      s.close();
    }).not.toThrow();
    class B extends BaseRichBolt {
      prepare() {}
      execute() {}
      declareOutputFields() {}
    }
    expect(new B().cleanup()).toBeUndefined();
    class BB extends BaseBasicBolt {
      execute() {}
      declareOutputFields() {}
    }
    expect(new BB().prepare({}, null as never)).toBeUndefined();
  });

  it('BaseTickTupleAwareRichBolt routes ticks to onTickTuple', async () => {
    const seen: string[] = [];
    class T extends BaseTickTupleAwareRichBolt {
      prepare() {}
      declareOutputFields() {}
      protected override onTickTuple() {
        seen.push('tick');
      }
      protected process() {
        seen.push('data');
        return Promise.resolve();
      }
    }
    const t = new T();
    const tuple = (c: string, s: string) => ({ getSourceComponent: () => c, getSourceStreamId: () => s }) as never;
    t.execute(tuple('__system', '__tick'));
    await t.execute(tuple('split', 'default'));
    expect(seen).toEqual(['tick', 'data']);
  });
});

describe('cloneValue on collection subclasses', () => {
  it('keeps a value-keyed GlobalStreamIdMap working in the copy', async () => {
    const { GlobalStreamIdMap } = await import('../../../compat/component/global-stream-id.ts');
    const m = new GlobalStreamIdMap<number>();
    m.set(new GlobalStreamId('a', 's'), 1);
    const c = cloneValue(m);
    expect(c).toBeInstanceOf(GlobalStreamIdMap);
    expect(c.get(new GlobalStreamId('a', 's'))).toBe(1);
    c.set(new GlobalStreamId('a', 's'), 2);
    expect(c.size).toBe(1);
    expect(m.get(new GlobalStreamId('a', 's'))).toBe(1);
  });

  it('does not run subclass constructors', () => {
    class Needy extends Map<string, number> {
      constructor(required: { n: number }) {
        super();
        this.set('n', required.n);
      }
    }
    const c = cloneValue(new Needy({ n: 3 }));
    expect(c).toBeInstanceOf(Needy);
    expect(c.get('n')).toBe(3);
  });
});
