/**
 * Storm's Java classes that Flux files name, mapped to stormshift's by their Java names. Each
 * entry builds the object from Flux's argument list (lists for Java arrays, enum constants by
 * name) and may adapt Java overloads our TypeScript classes do not have.
 */
import { Fields } from '../component/fields.ts';
import { IllegalArgumentException } from '../component/exceptions.ts';
import {
  DefaultRecordTranslator,
  DefaultTopicSelector,
  FieldNameBasedTupleToKafkaMapper,
  FieldNameTopicSelector,
  JedisPoolConfig,
  KafkaBolt,
  KafkaSpout,
  KafkaSpoutConfig,
  KafkaSpoutRetryExponentialBackoff,
  RedisDataType,
  RedisDataTypeDescription,
  RedisLookupBolt,
  RedisStoreBolt,
  SimpleRecordTranslator,
  TimeInterval,
} from '../external/index.ts';
import { TestGlobalCount, TestWordCounter, TestWordSpout } from '../testing/index.ts';
import { PartialKeyGrouping } from '../topology/partial-key-grouping.ts';
import { Count } from '../windowing/count.ts';
import { Duration } from '../windowing/duration.ts';
import { TimeUnit } from '../windowing/time-unit.ts';
import { FluxShellBolt, FluxShellSpout, LogInfoBolt, NGrouping } from './wrappers.ts';

export interface JavaClass {
  /** `new X(args…)`; absent ⇒ the class has no public constructor Flux can call. */
  construct?(args: unknown[]): object;
  /** Static factories (`factory:` in YAML). */
  statics?: Record<string, (args: unknown[]) => object>;
  /** Java overloads the TS class lacks, by method name (config methods and setters). */
  methods?: Record<string, (self: object, args: unknown[]) => boolean>;
}

function strings(v: unknown, what: string): string[] {
  if (Array.isArray(v)) return v.map(String);
  if (typeof v === 'string') return [v];
  throw new IllegalArgumentException(`${what}: expected a list of strings, got ${JSON.stringify(v)}`);
}

function timeUnit(v: unknown): TimeUnit {
  const u = (TimeUnit as unknown as Record<string, unknown>)[String(v)];
  if (!(u instanceof TimeUnit))
    throw new IllegalArgumentException(`unknown java.util.concurrent.TimeUnit constant '${String(v)}'`);
  return u;
}

function fieldsArg(args: unknown[]): Fields {
  return args.length === 1 && Array.isArray(args[0]) ? new Fields(args[0].map(String)) : new Fields(args.map(String));
}

/** `setProp(Map)` is a Java overload of the builder's `setProp(key, value)`. */
const kafkaBuilderMethods: JavaClass['methods'] = {
  setProp: (self, args) => {
    if (args.length !== 1 || args[0] === null || typeof args[0] !== 'object') return false;
    for (const [k, v] of Object.entries(args[0] as Record<string, unknown>))
      (self as { setProp(k: string, v: unknown): unknown }).setProp(k, v);
    return true;
  },
};

const kafkaBuilder = (args: unknown[]): object => {
  const [servers, ...topics] = args;
  return KafkaSpoutConfig.builder(
    String(servers),
    ...topics.map((t) => (Array.isArray(t) ? t.map(String) : String(t))),
  );
};

const duration = (unit: (n: number) => Duration) => (args: unknown[]) => unit(Number(args[0]));

export const JAVA_CLASSES: Readonly<Record<string, JavaClass>> = {
  'org.apache.storm.flux.wrappers.bolts.FluxShellBolt': {
    construct: ([command, fields]) =>
      new FluxShellBolt(
        strings(command, 'FluxShellBolt command'),
        fields === undefined ? undefined : strings(fields, 'FluxShellBolt output fields'),
      ),
  },
  'org.apache.storm.flux.wrappers.spouts.FluxShellSpout': {
    construct: ([command, fields]) =>
      new FluxShellSpout(
        strings(command, 'FluxShellSpout command'),
        fields === undefined ? undefined : strings(fields, 'FluxShellSpout output fields'),
      ),
  },
  'org.apache.storm.flux.wrappers.bolts.LogInfoBolt': { construct: () => new LogInfoBolt() },
  'org.apache.storm.testing.TestWordSpout': {
    construct: ([d]) => new TestWordSpout(d === undefined ? true : Boolean(d)),
  },
  'org.apache.storm.testing.TestWordCounter': { construct: () => new TestWordCounter() },
  'org.apache.storm.testing.TestGlobalCount': { construct: () => new TestGlobalCount() },
  'org.apache.storm.testing.NGrouping': { construct: ([n]) => new NGrouping(Number(n)) },
  'org.apache.storm.tuple.Fields': { construct: (args) => fieldsArg(args) },
  'org.apache.storm.grouping.PartialKeyGrouping': {
    construct: ([f]) => new PartialKeyGrouping(f === undefined ? null : f instanceof Fields ? f : fieldsArg([f])),
  },
  'org.apache.storm.topology.base.BaseWindowedBolt$Count': {
    construct: ([n]) => new Count(Number(n)),
    statics: { of: ([n]) => Count.of(Number(n)) },
  },
  'org.apache.storm.topology.base.BaseWindowedBolt$Duration': {
    construct: ([v, unit]) => new Duration(Number(v), timeUnit(unit)),
    statics: {
      of: duration((n) => Duration.of(n)),
      days: duration((n) => Duration.days(n)),
      hours: duration((n) => Duration.hours(n)),
      minutes: duration((n) => Duration.minutes(n)),
      seconds: duration((n) => Duration.seconds(n)),
    },
  },
  'org.apache.storm.kafka.spout.KafkaSpoutConfig$Builder': { construct: kafkaBuilder, methods: kafkaBuilderMethods },
  'org.apache.storm.kafka.spout.KafkaSpoutConfig': {
    construct: ([builder]) => {
      if (builder === null || typeof (builder as { build?: unknown }).build !== 'function') {
        throw new IllegalArgumentException(
          'KafkaSpoutConfig(builder): expected a ref to a KafkaSpoutConfig$Builder component',
        );
      }
      return (builder as { build(): object }).build();
    },
    statics: { builder: kafkaBuilder },
    methods: kafkaBuilderMethods,
  },
  'org.apache.storm.kafka.spout.KafkaSpout': { construct: ([config]) => new KafkaSpout(config as never) },
  'org.apache.storm.kafka.spout.DefaultRecordTranslator': { construct: () => new DefaultRecordTranslator() },
  'org.apache.storm.kafka.spout.SimpleRecordTranslator': {
    construct: ([fn, fields, stream]) =>
      new (SimpleRecordTranslator as unknown as new (...a: unknown[]) => object)(fn, fields, stream),
  },
  'org.apache.storm.kafka.spout.KafkaSpoutRetryExponentialBackoff': {
    construct: ([a, b, n, c]) =>
      new KafkaSpoutRetryExponentialBackoff(a as TimeInterval, b as TimeInterval, Number(n), c as TimeInterval),
  },
  'org.apache.storm.kafka.spout.KafkaSpoutRetryExponentialBackoff$TimeInterval': {
    construct: ([v, unit]) => TimeInterval.milliSeconds(Number(v) * timeUnit(unit).toMillis(1)),
    statics: {
      seconds: ([n]) => TimeInterval.seconds(Number(n)),
      milliSeconds: ([n]) => TimeInterval.milliSeconds(Number(n)),
      microSeconds: ([n]) => TimeInterval.microSeconds(Number(n)),
    },
  },
  'org.apache.storm.kafka.bolt.KafkaBolt': { construct: () => new KafkaBolt() },
  'org.apache.storm.kafka.bolt.selector.DefaultTopicSelector': {
    construct: ([t]) => new DefaultTopicSelector(String(t)),
  },
  'org.apache.storm.kafka.bolt.selector.FieldNameTopicSelector': {
    construct: ([f, d]) => new FieldNameTopicSelector(String(f), d === undefined || d === null ? null : String(d)),
  },
  'org.apache.storm.kafka.bolt.mapper.FieldNameBasedTupleToKafkaMapper': {
    construct: (args) =>
      args.length === 0
        ? new FieldNameBasedTupleToKafkaMapper()
        : new FieldNameBasedTupleToKafkaMapper(String(args[0]), String(args[1])),
  },
  'org.apache.storm.redis.common.config.JedisPoolConfig': {
    construct: ([host, port, timeout, password, database]) =>
      new JedisPoolConfig(
        host === undefined ? undefined : String(host),
        port === undefined ? undefined : Number(port),
        timeout === undefined ? undefined : Number(timeout),
        password === undefined ? undefined : (password as string | null),
        database === undefined ? undefined : Number(database),
      ),
  },
  'org.apache.storm.redis.common.config.JedisPoolConfig$Builder': { construct: () => new JedisPoolConfig.Builder() },
  'org.apache.storm.redis.common.mapper.RedisDataTypeDescription': {
    construct: ([type, key]) => {
      const t = (RedisDataType as Record<string, string>)[String(type)];
      if (t === undefined)
        throw new IllegalArgumentException(
          `unknown RedisDataType '${String(type)}'; expected one of ${Object.keys(RedisDataType).join(', ')}`,
        );
      return new RedisDataTypeDescription(t as RedisDataType, key === undefined ? null : (key as string | null));
    },
  },
  'org.apache.storm.redis.bolt.RedisStoreBolt': {
    construct: ([config, mapper]) => new RedisStoreBolt(config as JedisPoolConfig, mapper as never),
  },
  'org.apache.storm.redis.bolt.RedisLookupBolt': {
    construct: ([config, mapper]) => new RedisLookupBolt(config as JedisPoolConfig, mapper as never),
  },
};

export function supportedJavaClasses(): string[] {
  return Object.keys(JAVA_CLASSES).sort();
}

export function unknownJavaClassMessage(className: string): string {
  return (
    `Class '${className}' is not available in stormshift. Java classes Flux files can name:\n  ${supportedJavaClasses().join('\n  ')}\n` +
    `Write your own component in TypeScript or JavaScript and name it by module path and export, relative to the ` +
    `YAML file: className: "./bolts/split.ts#SplitBolt" (a Storm-API class: extend BaseRichBolt, BaseBasicBolt, ` +
    `BaseRichSpout, … from stormshift/compat).`
  );
}
