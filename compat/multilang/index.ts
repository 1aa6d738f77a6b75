/** Multilang (§11): Storm's ShellBolt, ShellSpout, IShellMetric and JSON serializer. */
export { ShellBolt } from './shell-bolt.ts';
export { ShellSpout } from './shell-spout.ts';
export type { IShellMetric } from './shell-metric.ts';
export { JSON_SERIALIZER, MULTILANG_SERIALIZER_KEY, MessageReader, frame } from './serializer.ts';
export { HEARTBEAT_INTERVAL_CONF, HANDSHAKE_TIMEOUT_CONF, codeDirFor } from './common.ts';
