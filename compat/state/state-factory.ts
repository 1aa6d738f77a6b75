import { CONFIG_KEYS as K } from '../component/config-keys.ts';
import { InMemoryKeyValueState } from './in-memory-key-value-state.ts';

export const DEFAULT_STATE_PROVIDER = 'org.apache.storm.state.InMemoryKeyValueStateProvider';

/** Provider class names Storm users configure; all of them map onto the runtime's checkpointed store (§10, §13). */
export const KNOWN_STATE_PROVIDERS: readonly string[] = Object.freeze([
  DEFAULT_STATE_PROVIDER,
  'org.apache.storm.redis.state.RedisKeyValueStateProvider',
  'org.apache.storm.hbase.state.HBaseKeyValueStateProvider',
]);

export interface StateProviderInfo {
  /** The configured provider class name (default if unset). */
  readonly provider: string;
  /** False for a name stormshift does not know; it is mapped the same way, with a warning. */
  readonly known: boolean;
  /** `topology.state.provider.config` parsed from JSON (stored, ignored); the raw value if not JSON. */
  readonly providerConfig: unknown;
}

export interface StateFactoryOptions {
  /** Where warnings go; `console.warn` by default. */
  warn?: (message: string) => void;
}

/**
 * Storm's StateFactory. Every provider name yields an `InMemoryKeyValueState` whose content the
 * runtime checkpoints and restores (stormshift keeps state across restarts, §13). The namespace is
 * `"<componentId>-<taskId>"`, as in Storm; it keys the checkpoint, not the object.
 */
export class StateFactory {
  private constructor() {}

  static resolveProvider(topoConf: Record<string, unknown>, options: StateFactoryOptions = {}): StateProviderInfo {
    const warn = options.warn ?? ((m: string) => console.warn(m));
    const raw = topoConf[K.TOPOLOGY_STATE_PROVIDER];
    const provider = raw == null ? DEFAULT_STATE_PROVIDER : String(raw);
    const known = KNOWN_STATE_PROVIDERS.includes(provider);
    if (!known) {
      warn(
        `Unknown state provider '${provider}' (${K.TOPOLOGY_STATE_PROVIDER}); using the runtime's checkpointed in-memory key-value state`,
      );
    }
    let providerConfig: unknown = topoConf[K.TOPOLOGY_STATE_PROVIDER_CONFIG] ?? null;
    if (typeof providerConfig === 'string') {
      try {
        providerConfig = JSON.parse(providerConfig);
      } catch {
        warn(`${K.TOPOLOGY_STATE_PROVIDER_CONFIG} is not valid JSON; it is ignored anyway`);
      }
    }
    return { provider, known, providerConfig };
  }

  /** A fresh state for `namespace`; the runtime restores its checkpointed content before `initState`. */
  static getState<Key = unknown, Val = unknown>(
    _namespace: string,
    topoConf: Record<string, unknown>,
    _context?: unknown,
    options: StateFactoryOptions = {},
  ): InMemoryKeyValueState<Key, Val> {
    StateFactory.resolveProvider(topoConf, options);
    return new InMemoryKeyValueState<Key, Val>();
  }

  /** Storm's namespace for a stateful bolt task's state. */
  static namespace(componentId: string, taskId: number): string {
    return `${componentId}-${taskId}`;
  }
}
