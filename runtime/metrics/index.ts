export {
  AsyncIoMetrics,
  BUSY_SAMPLE_EVERY,
  BUSY_TIME_EVERY_RECORD_MS,
  ChannelMetrics,
  CheckpointMetrics,
  OperatorMetrics,
  RuntimeMetrics,
  WorkerThreadMetrics,
} from './runtime-metrics.ts';
export { threadCpuMs } from './thread-cpu.ts';
export type {
  CheckpointHistoryEntry,
  JobMetricsSnapshot,
  MetricsSnapshot,
  OperatorTotals,
  RuntimeMetricsOptions,
} from './runtime-metrics.ts';
export { CHECKPOINT_BUCKETS_MS, LATENCY_BUCKETS_MS, LatencyRecorder } from './latency-recorder.ts';
export { startMetricsServer } from './server.ts';
export type { MetricsServer } from './server.ts';
export { pushMetrics, pushgatewayUrl } from './push.ts';
export type { PushOptions } from './push.ts';
