/**
 * `reportError` (§5.5): recorded for the cluster and logged, throttled per task to
 * `topology.max.error.report.per.interval` per `topology.error.throttle.interval.secs`; the
 * excess is only logged. It fails nothing.
 */
import { CONFIG_KEYS } from '../component/config-keys.ts';
import { confInt, type Conf } from '../component/config.ts';
import type { TopologyRun } from '../translate/topology-run.ts';

export function describeError(error: unknown): string {
  if (error instanceof Error) return error.stack ?? `${error.name}: ${error.message}`;
  return String(error);
}

/**
 * Stacks already logged (by message and the frame that threw), per topology run. A crash that recurs after every restart logs Storm's
 * message each time but its stack once: the stack says nothing new, and nine lines per restart
 * buried everything else in the log.
 */
const loggedStacks = new WeakMap<TopologyRun, Set<string>>();

function describeOnce(run: TopologyRun, error: unknown): string {
  if (!(error instanceof Error) || error.stack === undefined) return describeError(error);
  let seen = loggedStacks.get(run);
  if (seen === undefined) loggedStacks.set(run, (seen = new Set()));
  // Keyed by the message and the frame that threw: the frames below it differ with the path the
  // runtime took to call the component (a first poll, a poll after an idle wait), not the error.
  const at = error.stack.indexOf('\n    at ');
  const next = at < 0 ? -1 : error.stack.indexOf('\n', at + 1);
  const key = at < 0 ? error.stack : error.stack.slice(0, next < 0 ? undefined : next);
  if (!seen.has(key)) {
    seen.add(key);
    return error.stack;
  }
  return `${error.name}: ${error.message} (stack as logged before)`;
}

export class ErrorReporter {
  private readonly maxPerInterval: number;
  private readonly intervalMs: number;
  private windowStart = 0;
  private inWindow = 0;

  constructor(
    private readonly run: TopologyRun,
    private readonly componentId: string,
    private readonly taskId: number,
    conf: Conf,
  ) {
    this.maxPerInterval = confInt(conf, CONFIG_KEYS.TOPOLOGY_MAX_ERROR_REPORT_PER_INTERVAL, 5);
    this.intervalMs = confInt(conf, CONFIG_KEYS.TOPOLOGY_ERROR_THROTTLE_INTERVAL_SECS, 10) * 1000;
  }

  report(error: unknown): void {
    const now = this.run.clock.now();
    if (now - this.windowStart >= this.intervalMs) {
      this.windowStart = now;
      this.inWindow = 0;
    }
    const where = `${this.run.name}/${this.componentId}:${this.taskId}`;
    if (this.inWindow >= this.maxPerInterval) {
      this.run.log('warn', `${where} error (throttled, not reported): ${describeOnce(this.run, error)}`);
      return;
    }
    this.inWindow++;
    this.run.recordError(this.componentId, this.taskId, error);
    this.run.log('error', `${where} reported error: ${describeOnce(this.run, error)}`);
  }
}
