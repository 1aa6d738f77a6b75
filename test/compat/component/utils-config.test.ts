import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Config, registeredClasses, validateConf } from '../../../compat/component/config.ts';
import { CONFIG_KEYS, INTEGER_CONFIG_KEYS } from '../../../compat/component/config-keys.ts';
import { Acker, CheckpointSpout, Constants } from '../../../compat/component/constants.ts';
import { IllegalArgumentException } from '../../../compat/component/exceptions.ts';
import { TupleUtils } from '../../../compat/component/tuple-utils.ts';
import { Utils, setSleepHook } from '../../../compat/component/utils.ts';

describe('Utils', () => {
  afterEach(() => {
    setSleepHook(null);
  });

  it('DEFAULT_STREAM_ID and isSystemId', () => {
    expect(Utils.DEFAULT_STREAM_ID).toBe('default');
    expect(Utils.isSystemId('__acker')).toBe(true);
    expect(Utils.isSystemId('_x')).toBe(false);
    expect(Utils.isSystemId('$checkpoint')).toBe(false);
  });

  it('sleep is a plain timer by default', async () => {
    vi.useFakeTimers();
    try {
      let done = false;
      const p = Utils.sleep(50).then(() => (done = true));
      await vi.advanceTimersByTimeAsync(49);
      expect(done).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      await p;
      expect(done).toBe(true);
    } finally {
      vi.useRealTimers();
    }
  });

  it('sleep goes through the executor hook once installed', async () => {
    const calls: number[] = [];
    setSleepHook(async (ms) => {
      calls.push(ms);
    });
    await Utils.sleep(5);
    await Utils.sleep(3n);
    expect(calls).toEqual([5, 3]);
  });
});

describe('constants (§6)', () => {
  it("have Storm's values", () => {
    expect(Constants.SYSTEM_COMPONENT_ID).toBe('__system');
    expect(Constants.SYSTEM_TASK_ID).toBe(-1);
    expect(Constants.SYSTEM_TICK_STREAM_ID).toBe('__tick');
    expect(Constants.SYSTEM_FLUSH_STREAM_ID).toBe('__flush');
    expect(Constants.METRICS_STREAM_ID).toBe('__metrics');
    expect(Constants.METRICS_TICK_STREAM_ID).toBe('__metrics_tick');
    expect(Acker.ACKER_COMPONENT_ID).toBe('__acker');
    expect(Acker.ACKER_INIT_STREAM_ID).toBe('__ack_init');
    expect(Acker.ACKER_ACK_STREAM_ID).toBe('__ack_ack');
    expect(Acker.ACKER_FAIL_STREAM_ID).toBe('__ack_fail');
    expect(Acker.ACKER_RESET_TIMEOUT_STREAM_ID).toBe('__ack_reset_timeout');
    expect(CheckpointSpout.CHECKPOINT_COMPONENT_ID).toBe('$checkpointspout');
    expect(CheckpointSpout.CHECKPOINT_STREAM_ID).toBe('$checkpoint');
  });
});

describe('TupleUtils', () => {
  const t = (c: string, s: string) => ({ getSourceComponent: () => c, getSourceStreamId: () => s });
  it('isTick', () => {
    expect(TupleUtils.isTick(t('__system', '__tick'))).toBe(true);
    expect(TupleUtils.isTick(t('__system', 'default'))).toBe(false);
    expect(TupleUtils.isTick(t('spout', '__tick'))).toBe(false);
    expect(TupleUtils.isTick(null)).toBe(false);
  });

  it('putTickFrequencyIntoComponentConfig', () => {
    const created = TupleUtils.putTickFrequencyIntoComponentConfig(null, 5);
    expect(created).toBeInstanceOf(Config);
    expect(created[Config.TOPOLOGY_TICK_TUPLE_FREQ_SECS]).toBe(5);
    const conf: Record<string, unknown> = { x: 1 };
    expect(TupleUtils.putTickFrequencyIntoComponentConfig(conf, 0)).toBe(conf);
    expect(conf).toEqual({ x: 1 });
    TupleUtils.putTickFrequencyIntoComponentConfig(conf, 10);
    expect(conf['topology.tick.tuple.freq.secs']).toBe(10);
  });

  it("chooseTaskIndex is Storm's floorMod(deepHashCode)", () => {
    // Arrays.deepHashCode(["hello"]) = 31 + 99162322 = 99162353; mod 7 = 99162353 % 7
    expect(TupleUtils.chooseTaskIndex(['hello'], 7)).toBe(99162353 % 7);
    expect(TupleUtils.listHashCode(['hello'])).toBe(99162353);
  });
});

describe('Config (R5)', () => {
  it('has every key constant of Storm 2.8.8 Config.java with its string value', () => {
    // Independent check against the key list: count and a sample spanning the file.
    expect(Object.keys(CONFIG_KEYS).length).toBe(307);
    for (const [name, value] of Object.entries(CONFIG_KEYS)) {
      expect((Config as unknown as Record<string, unknown>)[name]).toBe(value);
    }
    expect(Config.TOPOLOGY_WORKERS).toBe('topology.workers');
    expect(Config.TOPOLOGY_ACKER_EXECUTORS).toBe('topology.acker.executors');
    expect(Config.TOPOLOGY_ACKERS).toBe('topology.acker.executors');
    expect(Config.TOPOLOGY_MESSAGE_TIMEOUT_SECS).toBe('topology.message.timeout.secs');
    expect(Config.TOPOLOGY_TICK_TUPLE_FREQ_SECS).toBe('topology.tick.tuple.freq.secs');
    expect(Config.TOPOLOGY_BOLTS_WATERMARK_EVENT_INTERVAL_MS).toBe('topology.bolts.watermark.event.interval.ms');
    expect(Config.STORM_ZOOKEEPER_SERVERS).toBe('storm.zookeeper.servers');
    expect(Config.NIMBUS_SEEDS).toBe('nimbus.seeds');
    expect(Config.TOPOLOGY_MULTILANG_SERIALIZER).toBe('topology.multilang.serializer');
    expect(Config.TOPOLOGY_SHELLBOLT_MAX_PENDING).toBe('topology.shellbolt.max.pending');
    expect(Config.TOPOLOGY_TUPLE_SERIALIZER).toBe('topology.tuple.serializer');
    expect(INTEGER_CONFIG_KEYS.has('topology.workers')).toBe(true);
    expect(INTEGER_CONFIG_KEYS.has('topology.debug')).toBe(false);
  });

  it('instances are plain-object-like', () => {
    const conf = new Config();
    conf.setDebug(true);
    conf.setNumWorkers(2);
    conf[Config.TOPOLOGY_MAX_SPOUT_PENDING] = 10;
    conf['my.custom'] = 'x';
    expect(Object.keys(conf)).toEqual([
      'topology.debug',
      'topology.workers',
      'topology.max.spout.pending',
      'my.custom',
    ]);
    expect({ ...conf }).toEqual({
      'topology.debug': true,
      'topology.workers': 2,
      'topology.max.spout.pending': 10,
      'my.custom': 'x',
    });
    expect(JSON.parse(JSON.stringify(conf))).toEqual({ ...conf });
    const enumerable: string[] = [];
    for (const k in conf) enumerable.push(k);
    expect(enumerable).not.toContain('setDebug');
  });

  it('static helpers take the conf first', () => {
    const conf: Record<string, unknown> = {};
    Config.setNumAckers(conf, 0);
    Config.setMessageTimeoutSecs(conf, 2.9);
    Config.setMaxTaskParallelism(conf, 3n);
    Config.setNumEventLoggers(conf, 1);
    Config.setStatsSampleRate(conf, 0.5);
    Config.setMaxSpoutPending(conf, 7);
    expect(conf).toEqual({
      'topology.acker.executors': 0,
      'topology.message.timeout.secs': 2,
      'topology.max.task.parallelism': 3,
      'topology.eventlogger.executors': 1,
      'topology.stats.sample.rate': 0.5,
      'topology.max.spout.pending': 7,
    });
  });

  it('registerMetricsConsumer overloads and class registry', () => {
    class LoggingMetricsConsumer {}
    const conf = new Config();
    conf.registerMetricsConsumer(LoggingMetricsConsumer);
    conf.registerMetricsConsumer(LoggingMetricsConsumer, 2);
    conf.registerMetricsConsumer(LoggingMetricsConsumer, { a: 1 }, 3);
    expect(conf[Config.TOPOLOGY_METRICS_CONSUMER_REGISTER]).toEqual([
      { class: 'LoggingMetricsConsumer', 'parallelism.hint': 1, argument: null },
      { class: 'LoggingMetricsConsumer', 'parallelism.hint': 2, argument: null },
      { class: 'LoggingMetricsConsumer', 'parallelism.hint': 3, argument: { a: 1 } },
    ]);
    expect(registeredClasses.get('LoggingMetricsConsumer')).toBe(LoggingMetricsConsumer);
    expect(validateConf(conf)).toEqual({ ...conf });
  });

  it('kryo helpers are accepted no-ops; RAS helpers store', () => {
    const conf = new Config();
    class Foo {}
    conf.registerSerialization(Foo);
    conf.registerDecorator(Foo);
    conf.setKryoFactory(Foo);
    conf.setFallBackOnJavaSerialization(true);
    conf.setSkipMissingKryoRegistrations(true);
    expect(Object.keys(conf)).toEqual([]);
    conf.setTopologyWorkerMaxHeapSize(512);
    conf.setTopologyPriority(1);
    conf.setTopologyStrategy('x');
    expect(conf[Config.TOPOLOGY_WORKER_MAX_HEAP_SIZE_MB]).toBe(512);
    expect(conf[Config.TOPOLOGY_PRIORITY]).toBe(1);
    expect(conf[Config.TOPOLOGY_SCHEDULER_STRATEGY]).toBe('x');
  });

  it('map methods', () => {
    const conf = new Config({ a: 1 });
    expect(conf.put('a', 2)).toBe(1);
    expect(conf.put('b', 3)).toBeNull();
    expect(conf.get('a')).toBe(2);
    expect(conf.get('zz')).toBeNull();
    expect(conf.containsKey('b')).toBe(true);
    expect(conf.containsKey('put')).toBe(false);
    expect(conf.remove('b')).toBe(3);
    expect(conf.containsKey('b')).toBe(false);
    conf.putAll(new Map([['m', 1]]));
    conf.putAll({ o: 2 });
    expect({ ...conf }).toEqual({ a: 2, m: 1, o: 2 });
    expect(Config.get({ k: 'v' }, 'k')).toBe('v');
  });

  it('validateConf: JSON round trip, undefined dropped, integer keys normalised', () => {
    expect(
      validateConf({
        'topology.workers': 2n,
        'topology.max.spout.pending': '100',
        x: undefined,
        nested: { a: [1, 'b'], u: undefined },
      }),
    ).toEqual({ 'topology.workers': 2, 'topology.max.spout.pending': 100, nested: { a: [1, 'b'] } });
    expect(() => validateConf({ 'topology.workers': 1.5 })).toThrow(IllegalArgumentException);
    expect(() => validateConf({ 'topology.workers': 1.5 })).toThrow('topology.workers');
    expect(() => validateConf({ 'my.key': 1n })).toThrow(/my\.key/);
    expect(() => validateConf({ 'my.fn': () => 1 })).toThrow(/my\.fn/);
    expect(() => validateConf({ 'my.date': new Date() })).toThrow(/my\.date/);
    expect(() => validateConf({ 'my.nan': NaN })).toThrow(IllegalArgumentException);
    expect(() => validateConf({ deep: { inner: new Map() } })).toThrow(/deep\.inner/);
  });
});

describe('the key list is the real one', () => {
  it('config-keys.ts lists each constant once', () => {
    const src = readFileSync(new URL('../../../compat/component/config-keys.ts', import.meta.url), 'utf8');
    const names = [...src.matchAll(/^ {2}([A-Z0-9_]+): "/gm)].map((m) => m[1]);
    expect(new Set(names).size).toBe(names.length);
  });
});
