/**
 * stormshift/runtime — a checkpointed stream-processing runtime for Node.js, modelled on Flink:
 * sources, transforms, keyed state, timers, windows, async I/O, aligned checkpoints, metrics.
 * This file is the public face; anything not exported here is internal.
 */

// Building and running jobs
export { StreamEnvironment, type SourceOptions } from './api/environment.ts';
export {
  DataStream,
  KeyedStream,
  WindowedStream,
  CountWindowedStream,
  ConnectedStreams,
  ConnectedKeyedStreams,
  DataStreamSink,
  type OperatorOptions,
  type KeyedAggregateOptions,
} from './api/data-stream.ts';
export { defineJob, isJobDefinition, loadJobModule, importJobModule, type JobDefinition } from './api/job.ts';
export type { JobConfig, CheckpointConfig, Logger, LogLevel } from './api/config.ts';
export type { JobHandle, JobResult, JobStatus, JobState } from './execution/job-runner.ts';
export type { JobDescription, JobException, JobVertexDescription } from './execution/job-runner.ts';
export type { PoisonConfig, PoisonPolicy, DeadLetter } from './execution/poison.ts';

// User functions
export {
  NO_TIMESTAMP,
  OutputTag,
  type MapFunction,
  type FlatMapFunction,
  type FilterFunction,
  type KeySelector,
  type ReduceFunction,
  type AggregateFunction,
} from './api/functions.ts';
export type {
  Collector,
  RuntimeContext,
  KeyedRuntimeContext,
  ProcessContext,
  KeyedProcessContext,
  OnTimerContext,
  TimerService,
  ProcessFunction,
  KeyedProcessFunction,
  CoProcessFunction,
  KeyedCoProcessFunction,
} from './api/process-function.ts';
export type { WatermarkStrategy } from './api/watermarks.ts';
export {
  TumblingEventTimeWindows,
  TumblingProcessingTimeWindows,
  SlidingEventTimeWindows,
  SlidingProcessingTimeWindows,
  EventTimeSessionWindows,
  ProcessingTimeSessionWindows,
  type TimeWindow,
  type WindowAlignment,
  type WindowAssigner,
} from './api/windows.ts';
export type { AsyncFunction, AsyncIoOptions, AsyncRetryOptions, AsyncCacheOptions } from './operators/async-io.ts';
export { AsyncTimeoutError } from './operators/async-io.ts';
export type { MiniBatchOptions } from './operators/keyed-aggregate.ts';
export type { WindowFunction } from './operators/window.ts';

// Writing sources, sinks and custom operators
export type { Source, SourceReader, SourceContext, SourceOutput, PollResult } from './api/source.ts';
export type { Sink, SinkWriter, SinkContext } from './api/sink.ts';
export { StreamOperator, type Output, type OperatorContext } from './api/operator.ts';

// State
export {
  ValueStateDescriptor,
  ListStateDescriptor,
  MapStateDescriptor,
  ReducingStateDescriptor,
  AggregatingStateDescriptor,
  subtaskForKey,
  murmur3Bytes,
  murmur3TaggedAscii,
  type ValueState,
  type ListState,
  type MapState,
  type ReducingState,
  type AggregatingState,
} from './state/index.ts';

// Checkpoints
export {
  DirectoryCheckpointStorage,
  InMemoryCheckpointStorage,
  type CheckpointStorage,
  type CheckpointData,
  type StoredCheckpoint,
} from './checkpoint/storage.ts';
export { createRestartStrategy, type RestartStrategy, type RestartStrategyConfig } from './checkpoint/restart.ts';
export { encodeSnapshot, decodeSnapshot } from './checkpoint/codec.ts';
export { scheduleSavepoints } from './checkpoint/savepoint-schedule.ts';
export type { CompletedCheckpointInfo } from './checkpoint/coordinator.ts';

// Time
export { ProcessingTimeService } from './time/processing-time.ts';
export { ManualClock, systemClock, isManualClock, type Clock } from './time/clock.ts';

// Embedded connectors
export { generatorSource, IndexedRandom, type GeneratorOptions } from './connectors/generator.ts';
export { collectionSource } from './connectors/collection.ts';
export { fileLinesSource, type FileLinesOptions } from './connectors/file-lines.ts';
export { consoleSink, type ConsoleSinkOptions } from './connectors/console.ts';
export { fileSink, type FileSinkOptions } from './connectors/file-sink.ts';
export { collectSink, type CollectSink } from './connectors/collect-sink.ts';

// Kafka and Redis connectors
export * from './connectors/kafka/index.ts';
export * from './connectors/redis/index.ts';

// Metrics
export { RuntimeMetrics, startMetricsServer, pushMetrics, type MetricsSnapshot } from './metrics/index.ts';
export type { OperatorMetrics, AsyncIoMetrics, CheckpointMetrics, CheckpointHistoryEntry } from './metrics/index.ts';

// Errors
export {
  StormshiftError,
  JobGraphError,
  ConfigError,
  UserFunctionError,
  SerializationError,
  CheckpointError,
  ConnectorError,
  JobCancelledError,
  PoisonRecordError,
  PoisonSourceError,
  isRetriable,
  isErrorCode,
  ERROR_CODES,
  type ErrorCode,
  type StormshiftErrorOptions,
} from './errors.ts';

// Records crossing worker threads: codecs for record classes
export { registerRecordCodec, type RecordCodec } from './execution/record-codec.ts';
// Swapping sources and observing operators by uid (migrate --verify, test harnesses)
export { applyRunOverrides, type RunOverrides, type CapturedRecord } from './api/run-overrides.ts';
