/**
 * Storm's metrics consumer API (`org.apache.storm.metric.api.IMetricsConsumer`): classes named by
 * `Config.registerMetricsConsumer` receive every task's `registerMetric` values once per bucket.
 */
import type { Conf } from './config.ts';
import type { TopologyContext } from './context.ts';

export interface TaskInfo {
  srcWorkerHost: string;
  srcWorkerPort: number;
  srcComponentId: string;
  srcTaskId: number;
  /** seconds since the epoch */
  timestamp: number;
  updateIntervalSecs: number;
}

export interface DataPoint {
  name: string;
  value: unknown;
}

export interface IErrorReporter {
  reportError(error: unknown): void;
}

export interface IMetricsConsumer {
  prepare(
    stormConf: Conf,
    registrationArgument: unknown,
    context: TopologyContext,
    errorReporter: IErrorReporter,
  ): void;
  handleDataPoints(taskInfo: TaskInfo, dataPoints: DataPoint[]): void;
  cleanup(): void;
}

/** Storm's LoggingMetricsConsumer: one line per data point (to stderr, stormshift's log). */
export class LoggingMetricsConsumer implements IMetricsConsumer {
  prepare(): void {}
  handleDataPoints(taskInfo: TaskInfo, dataPoints: DataPoint[]): void {
    for (const p of dataPoints) {
      process.stderr.write(
        `${taskInfo.timestamp}\t${taskInfo.srcWorkerHost}:${taskInfo.srcWorkerPort}\t${taskInfo.srcTaskId}:${taskInfo.srcComponentId}\t${p.name}\t${JSON.stringify(p.value)}\n`,
      );
    }
  }
  cleanup(): void {}
}
