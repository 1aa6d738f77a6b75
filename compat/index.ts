/**
 * stormshift/compat — Apache Storm 2.8.8's API on the stormshift runtime (contract R1: every
 * Storm type by its simple name). Only names that exist are exported; see docs/STORM-COMPAT.md (§N in
 * code and tests always means a section of that file; §0 is the compatibility matrix).
 */

// Building topologies
export { TopologyBuilder } from './topology/topology-builder.ts';
export { BoltDeclarer, SpoutDeclarer, type InputDeclarer } from './topology/declarers.ts';
export {
  StormTopology,
  Grouping,
  StreamInfo,
  ComponentCommon,
  SpoutSpec,
  Bolt,
  StateSpoutSpec,
} from './topology/storm-topology.ts';
export { PartialKeyGrouping } from './topology/partial-key-grouping.ts';
export { LambdaSpout, LambdaBiConsumerBolt, LambdaConsumerBolt } from './topology/lambda.ts';
export type { SerializableSupplier, SerializableBiConsumer, SerializableConsumer } from './topology/lambda.ts';

// Components
export type {
  OutputFieldsDeclarer,
  IComponent,
  ISpout,
  IRichSpout,
  IBolt,
  IRichBolt,
  IBasicBolt,
  CustomStreamGrouping,
  IWorkerHook,
  IMetric,
  IReducer,
  ICombiner,
  ITaskHook,
  EmitInfo,
  SpoutAckInfo,
  SpoutFailInfo,
  BoltExecuteInfo,
  BoltAckInfo,
  BoltFailInfo,
} from './component/interfaces.ts';
export {
  BaseComponent,
  BaseRichSpout,
  BaseRichBolt,
  BaseBasicBolt,
  BaseTickTupleAwareRichBolt,
  BaseTaskHook,
  BaseWorkerHook,
} from './component/base.ts';
export { STORM_KIND, type BoltKind, type SpoutKind, type StormKind } from './component/kind.ts';
export {
  SpoutOutputCollector,
  OutputCollector,
  BasicOutputCollector,
  type ISpoutOutputCollector,
  type IOutputCollector,
} from './component/collectors.ts';
export { TopologyContext, WorkerTopologyContext, GeneralTopologyContext } from './component/context.ts';

// Tuples and values
export { TupleImpl, type Tuple } from './component/tuple.ts';
export { Fields } from './component/fields.ts';
export { Values } from './component/values.ts';
export { MessageId } from './component/message-id.ts';
export { GlobalStreamId } from './component/global-stream-id.ts';

// Configuration, utilities, constants
export { Config, type Conf } from './component/config.ts';
export { Utils } from './component/utils.ts';
export { TupleUtils } from './component/tuple-utils.ts';
export { Time, SimulatedTime } from './component/time.ts';
export { Constants, Acker, CheckpointSpout } from './component/constants.ts';
export { CountMetric, ReducedMetric, CombinedMetric, MeanReducer } from './component/metrics.ts';
export { TimeCacheMap } from './reliability/time-cache-map.ts';

// Exceptions
export {
  RuntimeException,
  IllegalArgumentException,
  IllegalStateException,
  UnsupportedOperationException,
  FailedException,
  ReportedFailedException,
  InvalidTopologyException,
  AlreadyAliveException,
  NotAliveException,
  AuthorizationException,
  StormException,
} from './component/exceptions.ts';
// The shared base of every stormshift and Storm exception (code + retriable).
export { StormshiftError, isRetriable, type ErrorCode } from '../runtime/index.ts';

// Windowing
export { BaseWindowedBolt } from './windowing/base-windowed-bolt.ts';
export { BaseStatefulWindowedBolt } from './windowing/base-stateful-windowed-bolt.ts';
export type { IWindowedBolt, IStatefulWindowedBolt } from './windowing/windowed-bolt.ts';
export type { Window, TupleWindow } from './windowing/window.ts';
export { TupleFieldTimestampExtractor, type TimestampExtractor } from './windowing/timestamp-extractor.ts';
export { Count } from './windowing/count.ts';
export { Duration } from './windowing/duration.ts';
export { TimeUnit } from './windowing/time-unit.ts';
export { JoinBolt } from './windowing/join-bolt.ts';

// State
export { BaseStatefulBolt } from './state/base-stateful-bolt.ts';
export type { IStatefulComponent, IStatefulBolt } from './state/stateful-bolt.ts';
export type { State, KeyValueState } from './state/state.ts';

// Running
export { LocalCluster, LocalClusterBuilder } from './local/local-cluster.ts';
export { LocalTopology } from './local/local-topology.ts';
export { KillOptions } from './local/kill-options.ts';
export { StormSubmitter, NimbusClient } from './local/storm-submitter.ts';
// Where StormSubmitter submits while a Storm main runs under `stormshift run` (as under `storm local`).
export { setLocalOverride, type SubmitTarget } from './local/local-override.ts';
export { ConfigurableTopology } from './local/configurable-topology.ts';

// Testing helpers (§12)
export * from './testing/index.ts';

// storm-kafka-client and storm-redis surfaces: KafkaSpout, KafkaBolt, RedisLookupBolt, RedisStoreBolt
export * from './external/index.ts';

// Metrics consumers (Config.registerMetricsConsumer)
export {
  LoggingMetricsConsumer,
  type IMetricsConsumer,
  type TaskInfo,
  type DataPoint,
  type IErrorReporter,
} from './component/metrics-consumer.ts';

// Status of running topologies, for the console (read-only use)
export type { TopologyRun, ComponentStats, TaskStats, ReportedError } from './translate/topology-run.ts';
// Multilang: ShellBolt, ShellSpout, IShellMetric (§11)
export * from './multilang/index.ts';

// Flux: YAML topologies (flux-core, flux-wrappers)
export * from './flux/index.ts';
