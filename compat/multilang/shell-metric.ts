/** Storm's `IShellMetric`: a metric a multilang process updates with a `metrics` message (§11). */
import type { IMetric } from '../component/interfaces.ts';

export interface IShellMetric extends IMetric {
  /** Called with the message's `params`, as sent by the process. */
  updateMetricFromRPC(params: unknown): void;
}

export function isShellMetric(m: unknown): m is IShellMetric {
  return m !== null && typeof m === 'object' && typeof (m as IShellMetric).updateMetricFromRPC === 'function';
}
