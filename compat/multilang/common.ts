/** Shared by ShellBolt and ShellSpout: conf reading, the child's cwd, logging and message fields. */
import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { confInt, type Conf } from '../component/config.ts';
import type { TopologyContext } from '../component/context.ts';
import { RuntimeException } from '../component/exceptions.ts';
import { Utils } from '../component/utils.ts';
import type { ShellLog } from './shell-process.ts';
import { quoteBytes } from './serializer.ts';
import { isShellMetric } from './shell-metric.ts';

/** stormshift key: how often the heartbeat is sent and checked (Storm: every second). */
export const HEARTBEAT_INTERVAL_CONF = 'stormshift.multilang.heartbeat.interval.ms';

export function heartbeatIntervalMs(conf: Conf): number {
  return Math.max(1, confInt(conf, HEARTBEAT_INTERVAL_CONF, 1000));
}

/** `topology.subprocess.timeout.secs`, else `supervisor.worker.timeout.secs` (default 30). */
export function subprocessTimeoutMs(conf: Conf): number {
  const own = conf['topology.subprocess.timeout.secs'];
  const secs =
    own !== undefined && own !== null
      ? confInt(conf, 'topology.subprocess.timeout.secs', 30)
      : confInt(conf, 'supervisor.worker.timeout.secs', 30);
  return secs * 1000;
}

/** stormshift key: how long the process may take to answer the handshake (default: the subprocess timeout). */
export const HANDSHAKE_TIMEOUT_CONF = 'stormshift.multilang.handshake.timeout.secs';

export function handshakeTimeoutMs(conf: Conf): number {
  const v = conf[HANDSHAKE_TIMEOUT_CONF];
  return v === undefined || v === null ? subprocessTimeoutMs(conf) : confInt(conf, HANDSHAKE_TIMEOUT_CONF, 30) * 1000;
}

/** The child's working directory: the code dir unless `changeChildCWD(false)`; it must exist. */
export function childCwd(kind: string, context: TopologyContext, changeDirectory: boolean): string | undefined {
  if (!changeDirectory) return undefined;
  const dir = context.getCodeDir();
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new RuntimeException(
      `${kind} '${context.getThisComponentId()}': the multilang code directory ${dir} does not exist ` +
        `(put the scripts in resources/ next to the topology, or set stormshift.multilang.code.dir)`,
    );
  }
  return dir;
}

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error'] as const;

/** Storm's log levels 0–4 (TRACE…ERROR); absent or unknown ⇒ INFO. */
export function logLevel(level: unknown): (typeof LEVELS)[number] {
  return typeof level === 'number' && Number.isInteger(level) && level >= 0 && level < LEVELS.length
    ? LEVELS[level]!
    : 'info';
}

/** Default sink for a component without a task logger: stderr, TRACE and DEBUG dropped. */
export function defaultShellLog(prefix: string): ShellLog {
  return (level, message) => {
    if (level === 'trace' || level === 'debug') return;
    process.stderr.write(`[stormshift] ${level}: ${prefix}: ${message}\n`);
  };
}

export function streamOf(msg: Record<string, unknown>): string {
  const s = msg.stream;
  return typeof s === 'string' ? s : Utils.DEFAULT_STREAM_ID;
}

/** `task` absent or 0 ⇒ regular emit; else the direct target. */
export function directTaskOf(msg: Record<string, unknown>): number {
  const t = msg.task;
  if (t === undefined || t === null) return 0;
  if (typeof t !== 'number' || !Number.isInteger(t))
    throw new RuntimeException(`emit with a non-integer task: ${quoteBytes(JSON.stringify(msg))}`);
  return t;
}

export function tupleOf(msg: Record<string, unknown>): unknown[] {
  const t = msg.tuple;
  if (!Array.isArray(t)) throw new RuntimeException(`emit without a "tuple" list: ${quoteBytes(JSON.stringify(msg))}`);
  return t;
}

export function needTaskIds(msg: Record<string, unknown>): boolean {
  return msg.need_task_ids === undefined || msg.need_task_ids === null || msg.need_task_ids === true;
}

export function handleMetrics(context: TopologyContext, msg: Record<string, unknown>): void {
  const name = typeof msg.name === 'string' ? msg.name : '';
  if (name === '') throw new RuntimeException('Receive Metrics name is empty');
  const metric = context.getRegisteredMetricByName(name);
  if (metric === null) throw new RuntimeException(`Could not find metric by name[${name}] `);
  if (!isShellMetric(metric)) throw new RuntimeException(`Metric[${name}] is not IShellMetric, can not call by RPC`);
  metric.updateMetricFromRPC(msg.params);
}

export function describeMsg(msg: Record<string, unknown>): string {
  return quoteBytes(JSON.stringify(msg));
}

/** Own non-enumerable slot: per-task runtime state that R9 clones and checkpoints must not see. */
export function hidden<T extends object, V>(obj: T, key: symbol, value: V): V {
  Object.defineProperty(obj, key, { value, enumerable: false, configurable: true, writable: true });
  return value;
}

/**
 * Where a topology file's multilang scripts live, as in a Storm jar: `resources/` next to the
 * file when it exists, else the file's own folder.
 */
export function codeDirFor(topologyFile: string): string {
  const dir = dirname(resolve(topologyFile));
  const resources = join(dir, 'resources');
  return existsSync(resources) && statSync(resources).isDirectory() ? resources : dir;
}
