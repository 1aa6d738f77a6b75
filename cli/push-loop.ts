import { pushMetrics, type RuntimeMetrics } from '../runtime/index.ts';

/**
 * Pushes every `intervalMs` and once more at stop. A failed push is reported (once per run of
 * failures, and again when pushes recover) instead of being dropped: a Pushgateway answering 400
 * otherwise looks exactly like a healthy one on the dashboards, which just stop moving.
 */
export function startPushLoop(
  metrics: RuntimeMetrics,
  options: { gatewayUrl: string; job: string; intervalMs?: number; warn: (message: string) => void },
): { stop(): Promise<void> } {
  let failing = false;
  const push = async (): Promise<void> => {
    try {
      await pushMetrics(metrics, { gatewayUrl: options.gatewayUrl, job: options.job });
      if (failing) options.warn(`metrics push to ${options.gatewayUrl} works again`);
      failing = false;
    } catch (error) {
      if (!failing)
        options.warn(`${(error as Error).message} (further failures are not repeated until a push succeeds)`);
      failing = true;
    }
  };
  const timer = setInterval(() => void push(), options.intervalMs ?? 10_000);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await push();
    },
  };
}
