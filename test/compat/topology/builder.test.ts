import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { BaseTickTupleAwareRichBolt } from '../../../compat/component/base.ts';
import { IllegalArgumentException, IllegalStateException } from '../../../compat/component/exceptions.ts';
import { Fields } from '../../../compat/component/fields.ts';
import { GlobalStreamId } from '../../../compat/component/global-stream-id.ts';
import { STORM_KIND, classifyBolt, classifySpout } from '../../../compat/component/kind.ts';
import { LambdaBiConsumerBolt, LambdaConsumerBolt, LambdaSpout } from '../../../compat/topology/lambda.ts';
import { OutputFieldsGetter } from '../../../compat/topology/output-fields-getter.ts';
import { PartialKeyGrouping } from '../../../compat/topology/partial-key-grouping.ts';
import { Grouping } from '../../../compat/topology/storm-topology.ts';
import { TopologyBuilder, normaliseHint } from '../../../compat/topology/topology-builder.ts';
import { CountBolt, SplitBolt, WordSpout, statefulBolt } from './fixtures.ts';

const gsid = (c: string, s = 'default') => new GlobalStreamId(c, s);

describe('TopologyBuilder ids and hints (§3.1)', () => {
  it('duplicate ids name the existing kind', () => {
    const b = new TopologyBuilder();
    b.setSpout('s', new WordSpout());
    b.setBolt('b', new SplitBolt());
    expect(() => b.setBolt('s', new SplitBolt())).toThrow(
      new IllegalArgumentException('Spout has already been declared for id s'),
    );
    expect(() => b.setSpout('b', new WordSpout())).toThrow(
      new IllegalArgumentException('Bolt has already been declared for id b'),
    );
    b.setStateSpout('st', new WordSpout());
    expect(() => b.setBolt('st', new SplitBolt())).toThrow('State spout has already been declared for id st');
  });

  it('hint: unset = 1, truncated toward zero, < 1 throws', () => {
    expect(normaliseHint(undefined)).toBeNull();
    expect(normaliseHint(null)).toBeNull();
    expect(normaliseHint(2.7)).toBe(2);
    expect(normaliseHint(3n)).toBe(3);
    for (const bad of [0, 0.5, NaN, -1, 0n]) {
      expect(() => normaliseHint(bad)).toThrow(new IllegalArgumentException('Parallelism must be positive.'));
    }
    fc.assert(fc.property(fc.double({ min: 1, max: 1e6, noNaN: true }), (h) => normaliseHint(h) === Math.trunc(h)));
    const b = new TopologyBuilder();
    b.setSpout('s', new WordSpout(), 2.9);
    b.setBolt('x', new SplitBolt()).shuffleGrouping('s');
    const t = b.createTopology();
    expect(t.get_spouts().get('s')!.get_common().get_parallelism_hint()).toBe(2);
    expect(t.get_bolts().get('x')!.get_common().is_set_parallelism_hint()).toBe(false);
    expect(t.get_bolts().get('x')!.get_common().parallelismHintOrDefault()).toBe(1);
  });
});

describe('component configuration (§3.1, §3.2)', () => {
  it('is read inside setBolt as a JSON copy; declarer settings win', () => {
    const bolt = new CountBolt();
    bolt.conf = { 'topology.tick.tuple.freq.secs': 5, custom: 'a' };
    const b = new TopologyBuilder();
    b.setSpout('s', new WordSpout());
    const d = b.setBolt('c', bolt).fieldsGrouping('s', new Fields('word'));
    bolt.conf.custom = 'mutated later';
    bolt.conf = { other: 1 };
    d.addConfiguration('custom', 'declarer')
      .setNumTasks(4.8)
      .setDebug(true)
      .setMaxTaskParallelism(3)
      .setMaxSpoutPending(2n);
    expect(d.getComponentConfiguration()).toEqual({
      'topology.tick.tuple.freq.secs': 5,
      custom: 'declarer',
      'topology.tasks': 4,
      'topology.debug': true,
      'topology.max.task.parallelism': 3,
      'topology.max.spout.pending': 2,
    });
    const json = b.createTopology().get_bolts().get('c')!.get_common().get_json_conf()!;
    expect(JSON.parse(json)).toEqual(d.getComponentConfiguration());
  });

  it('rejects kryo registration and non-JSON values through the fluent API', () => {
    const b = new TopologyBuilder();
    const d = b.setSpout('s', new WordSpout());
    expect(() => d.addConfigurations({ 'topology.kryo.register': ['x'] })).toThrow(
      new IllegalArgumentException('Cannot set serializations for a component using fluent API'),
    );
    expect(() => d.addConfiguration('x', 1n)).toThrow(IllegalArgumentException);
    d.setMemoryLoad(128, 64).setCPULoad(50).addResource('gpu.count', 1);
    expect(d.getComponentConfiguration()).toMatchObject({
      'topology.component.resources.onheap.memory.mb': 128,
      'topology.component.resources.offheap.memory.mb': 64,
      'topology.component.cpu.pcore.percent': 50,
      'topology.component.resources.map': { 'gpu.count': 1 },
    });
  });
});

describe('groupings (§3.3)', () => {
  it('every method, default and explicit stream, last subscription wins', () => {
    const b = new TopologyBuilder();
    b.setSpout('s', new WordSpout());
    b.setBolt('split', new SplitBolt()).shuffleGrouping('s');
    const custom = { prepare() {}, chooseTasks: () => [] };
    b.setBolt('x', new CountBolt())
      .fieldsGrouping('split', new Fields('word'))
      .fieldsGrouping('split', 'lengths', new Fields('len'))
      .globalGrouping('s')
      .allGrouping('split', 'lengths')
      .noneGrouping('s')
      .localOrShuffleGrouping('split')
      .directGrouping('s')
      .customGrouping('split', custom)
      .partialKeyGrouping('split', 'lengths', new Fields('len'))
      .grouping(gsid('q', 'z'), Grouping.shuffle());
    const inputs = b.createTopology().get_bolts().get('x')!.get_common().get_inputs();
    expect(inputs.get(gsid('s'))!.getSetField()).toBe('direct'); // last of global, none, direct
    expect(inputs.get(gsid('split'))!.getSetField()).toBe('custom_serialized');
    expect(inputs.get(gsid('split'))!.get_custom_serialized()).toBe(custom);
    const pk = inputs.get(gsid('split', 'lengths'))!;
    expect(pk.getSetField()).toBe('custom_serialized');
    expect(pk.get_custom_serialized()).toBeInstanceOf(PartialKeyGrouping);
    expect(inputs.get(gsid('q', 'z'))!.is_set_shuffle()).toBe(true);
    expect(inputs.size).toBe(4);
  });

  it('Thrift kinds: global = fields([]), localOrShuffle stays local_or_shuffle', () => {
    const b = new TopologyBuilder();
    b.setSpout('s', new WordSpout());
    b.setBolt('g', new CountBolt()).globalGrouping('s');
    b.setBolt('l', new CountBolt()).localOrShuffleGrouping('s');
    b.setBolt('f', new CountBolt()).fieldsGrouping('s', new Fields('word'));
    const t = b.createTopology();
    const g = t.get_bolts().get('g')!.get_common().get_inputs().get(gsid('s'))!;
    expect(g.getSetField()).toBe('fields');
    expect(g.get_fields()).toEqual([]);
    expect(t.get_bolts().get('l')!.get_common().get_inputs().get(gsid('s'))!.getSetField()).toBe('local_or_shuffle');
    expect(t.get_bolts().get('f')!.get_common().get_inputs().get(gsid('s'))!.get_fields()).toEqual(['word']);
  });
});

describe('output streams (§3.4)', () => {
  it('declare / declareStream with the direct flag', () => {
    const g = new OutputFieldsGetter();
    g.declare(true, new Fields('a'));
    g.declareStream('s2', new Fields('b', 'c'));
    const m = g.getFieldsDeclaration();
    expect(m.get('default')!.is_direct()).toBe(true);
    expect(m.get('default')!.get_output_fields()).toEqual(['a']);
    expect(m.get('s2')!.is_direct()).toBe(false);
    expect(m.get('s2')!.get_output_fields()).toEqual(['b', 'c']);
  });

  it('errors', () => {
    const g = new OutputFieldsGetter();
    g.declare(new Fields('a'));
    expect(() => g.declare(new Fields('b'))).toThrow(new IllegalArgumentException('Fields for default already set'));
    expect(() => g.declareStream(null as unknown as string, new Fields('b'))).toThrow(
      new IllegalArgumentException("streamId can't be null"),
    );
  });
});

describe('createTopology', () => {
  it('calls declareOutputFields once per component and mirrors Thrift accessors', () => {
    const spout = new WordSpout();
    const b = new TopologyBuilder();
    b.setSpout('s', spout, 2);
    b.setBolt('split', new SplitBolt(), 3).shuffleGrouping('s');
    const t = b.createTopology();
    expect(spout.declared).toBe(1);
    expect([...t.get_spouts().keys()]).toEqual(['s']);
    expect([...t.get_bolts().keys()]).toEqual(['split']);
    expect(t.get_state_spouts().size).toBe(0);
    const common = t.get_bolts().get('split')!.get_common();
    expect([...common.get_streams().keys()]).toEqual(['default', 'lengths']);
    expect(common.get_streams().get('lengths')!.get_output_fields()).toEqual(['len']);
    expect(common.get_parallelism_hint()).toBe(3);
    expect(common.get_json_conf()).toBeNull();
    expect(t.get_spouts().get('s')!.get_spout_object()).toBe(spout);
    expect(t.get_bolts().get('split')!.get_kind()).toBe('basic');
  });

  it('stateful wiring: $checkpointspout, $checkpoint streams, all grouping; second call throws', () => {
    const b = new TopologyBuilder();
    b.setSpout('s', new WordSpout());
    b.setBolt('a', new SplitBolt()).shuffleGrouping('s');
    b.setBolt('st', statefulBolt() as never).fieldsGrouping('a', new Fields('word'));
    const t = b.createTopology();
    const cp = t.get_spouts().get('$checkpointspout')!;
    expect(cp.get_common().get_parallelism_hint()).toBe(1);
    expect(cp.get_common().get_streams().get('$checkpoint')!.get_output_fields()).toEqual(['txid', 'action']);
    const a = t.get_bolts().get('a')!.get_common();
    expect(a.get_streams().get('$checkpoint')!.get_output_fields()).toEqual(['txid', 'action']);
    expect(a.get_inputs().get(gsid('$checkpointspout', '$checkpoint'))!.is_set_all()).toBe(true);
    const st = t.get_bolts().get('st')!;
    expect(st.get_kind()).toBe('stateful');
    expect(st.get_common().get_inputs().get(gsid('a', '$checkpoint'))!.is_set_all()).toBe(true);
    expect(st.get_common().get_streams().has('$checkpoint')).toBe(true);
    expect(() => b.createTopology()).toThrow(
      new IllegalArgumentException('Spout has already been declared for id $checkpointspout'),
    );
  });

  it('non-stateful topologies get no checkpoint wiring', () => {
    const b = new TopologyBuilder();
    b.setSpout('s', new WordSpout());
    b.setBolt('a', new SplitBolt()).shuffleGrouping('s');
    const t = b.createTopology();
    expect(t.get_spouts().has('$checkpointspout')).toBe(false);
    expect(t.get_bolts().get('a')!.get_common().get_streams().has('$checkpoint')).toBe(false);
    expect(() => b.createTopology()).not.toThrow();
  });

  it('addWorkerHook stores hooks in order', () => {
    const b = new TopologyBuilder();
    const h1 = { start() {}, shutdown() {} };
    const h2 = { start() {}, shutdown() {} };
    b.addWorkerHook(h1);
    b.addWorkerHook(h2);
    b.setSpout('s', new WordSpout());
    expect(b.createTopology().get_worker_hooks()).toEqual([h1, h2]);
  });

  it('trial-clones components: a socket-like field fails like Storm', () => {
    const b = new TopologyBuilder();
    const spout = new WordSpout() as WordSpout & { pending?: Promise<void> };
    spout.pending = Promise.resolve();
    b.setSpout('s', spout);
    expect(() => b.createTopology()).toThrow(IllegalStateException);
    expect(() => b.createTopology()).toThrow(/^Spout 's' contains a non-serializable field of type Promise/);
    const b2 = new TopologyBuilder();
    b2.setSpout('s', new WordSpout());
    const bolt = new CountBolt() as CountBolt & { map?: WeakMap<object, number> };
    bolt.map = new WeakMap();
    b2.setBolt('x', bolt).shuffleGrouping('s');
    expect(() => b2.createTopology()).toThrow(
      "Bolt 'x' contains a non-serializable field of type WeakMap (this.map), which was instantiated prior to topology creation. " +
        "WeakMap should be instantiated within the prepare method of 'x at the earliest.",
    );
  });
});

describe('lambda components (§3.1, §12)', () => {
  it('setSpout with a supplier wraps it in LambdaSpout declaring "lambda"', () => {
    const b = new TopologyBuilder();
    b.setSpout('s', () => 'x');
    const t = b.createTopology();
    const spec = t.get_spouts().get('s')!;
    expect(spec.get_spout_object()).toBeInstanceOf(LambdaSpout);
    expect(spec.get_common().get_streams().get('default')!.get_output_fields()).toEqual(['lambda']);
  });

  it('LambdaSpout emits non-null supplier values unanchored', async () => {
    const emitted: unknown[][] = [];
    let next: unknown = 1;
    const s = new LambdaSpout(() => next);
    s.open({}, null as never, { emit: (...a: unknown[]) => (emitted.push(a), []) } as never);
    s.nextTuple();
    next = null;
    s.nextTuple();
    next = undefined;
    s.nextTuple();
    const async = new LambdaSpout(async () => 'later');
    async.open({}, null as never, { emit: (...a: unknown[]) => (emitted.push(a), []) } as never);
    await async.nextTuple();
    expect(emitted).toEqual([[[1]], [['later']]]);
  });

  it('bi-consumer: hint in third position optional, fields after it', () => {
    const b = new TopologyBuilder();
    b.setSpout('s', new WordSpout());
    b.setBolt('bi', (_t: unknown, _c: unknown) => {}, 3, 'a', 'b').shuffleGrouping('s');
    b.setBolt('bi2', (_t: unknown, _c: unknown) => {}, 'x').shuffleGrouping('s');
    b.setBolt('cons', (_t: unknown) => {}, 2).shuffleGrouping('s');
    const t = b.createTopology();
    const bi = t.get_bolts().get('bi')!;
    expect(bi.get_bolt_object()).toBeInstanceOf(LambdaBiConsumerBolt);
    expect(bi.get_kind()).toBe('basic');
    expect(bi.get_common().get_parallelism_hint()).toBe(3);
    expect(bi.get_common().get_streams().get('default')!.get_output_fields()).toEqual(['a', 'b']);
    const bi2 = t.get_bolts().get('bi2')!;
    expect(bi2.get_common().is_set_parallelism_hint()).toBe(false);
    expect(bi2.get_common().get_streams().get('default')!.get_output_fields()).toEqual(['x']);
    const cons = t.get_bolts().get('cons')!;
    expect(cons.get_bolt_object()).toBeInstanceOf(LambdaConsumerBolt);
    expect(cons.get_common().get_parallelism_hint()).toBe(2);
    expect(cons.get_common().get_streams().size).toBe(0);
  });
});

describe('R2 classification', () => {
  it('bolts', () => {
    expect(classifyBolt((_t: unknown, _c: unknown) => {})).toBe('lambda-bi-consumer');
    // biome-ignore lint/complexity/useArrowFunction: a non-arrow function expression is what is classified here
    expect(classifyBolt(function (_t: unknown) {})).toBe('lambda-consumer');
    expect(classifyBolt(new SplitBolt())).toBe('basic');
    expect(classifyBolt(new CountBolt())).toBe('rich');
    expect(classifyBolt(statefulBolt())).toBe('stateful');
    expect(classifyBolt({ ...statefulBolt(), getTimestampExtractor: () => null })).toBe('stateful-windowed');
    expect(classifyBolt({ execute(_w: unknown) {}, getTimestampExtractor: () => null })).toBe('windowed');
    expect(classifyBolt({ execute(_t: unknown, _c: unknown) {} })).toBe('basic');
    expect(classifyBolt({ execute(_t: unknown) {} })).toBe('rich');
    expect(classifyBolt({ execute(_t: unknown) {}, [STORM_KIND]: 'shell' })).toBe('shell');
    class Tick extends BaseTickTupleAwareRichBolt {
      prepare() {}
      process() {}
      declareOutputFields() {}
    }
    expect(classifyBolt(new Tick())).toBe('rich');
    expect(() => classifyBolt(CountBolt)).toThrow(TypeError);
  });

  it('explicit STORM_KIND overrides detection, also on a prototype', () => {
    class Windowed {
      execute(_t: unknown, _c: unknown) {}
    }
    (Windowed.prototype as unknown as Record<symbol, string>)[STORM_KIND] = 'windowed';
    expect(classifyBolt(new Windowed())).toBe('windowed');
    expect(() => classifyBolt({ [STORM_KIND]: 'bogus' })).toThrow(IllegalArgumentException);
  });

  it('spouts', () => {
    expect(classifySpout(() => 1)).toBe('lambda');
    expect(classifySpout(new WordSpout())).toBe('rich');
    expect(classifySpout({ nextTuple() {}, [STORM_KIND]: 'shell' })).toBe('shell');
  });
});
