import type { Admin, Kafka, KafkaConfig, RetryOptions } from 'kafkajs';
import { ConnectorError, ConfigError, messageOf } from '../../errors.ts';
import { lazyRequire } from '../../lazy-require.ts';

/** kafkajs itself, loaded when a Kafka connector first needs it. */
export const kafkajs = lazyRequire<typeof import('kafkajs')>('kafkajs');

/** Connection settings shared by the Kafka source and sink. */
export interface KafkaConnectionOptions {
  /** Bootstrap servers, `host:port`. */
  brokers: string[];
  clientId?: string;
  /** Extra kafkajs client settings (ssl, sasl, timeouts...). */
  client?: Omit<KafkaConfig, 'brokers' | 'clientId' | 'logLevel' | 'logCreator'>;
  /** kafkajs log level; default none: failures surface as ConnectorErrors and in metrics, not as kafkajs log lines. */
  logLevel?: 'nothing' | 'error' | 'warn' | 'info' | 'debug';
}

const LEVELS = {
  nothing: 'NOTHING',
  error: 'ERROR',
  warn: 'WARN',
  info: 'INFO',
  debug: 'DEBUG',
} as const;

export function checkConnection(what: string, options: KafkaConnectionOptions): void {
  if (
    !Array.isArray(options.brokers) ||
    options.brokers.length === 0 ||
    options.brokers.some((b) => typeof b !== 'string' || !b.includes(':'))
  ) {
    throw new ConfigError(
      `${what}: 'brokers' must be a non-empty list of 'host:port', got ${JSON.stringify(options.brokers)}`,
    );
  }
}

export function createKafka(options: KafkaConnectionOptions, defaultClientId: string, retry?: RetryOptions): Kafka {
  // kafkajs warns about its v2 partitioner change on every producer; our sink picks partitions
  // itself or takes kafkajs's default knowingly, so the warning is noise.
  process.env.KAFKAJS_NO_PARTITIONER_WARNING ??= '1';
  const { Kafka: KafkaClient, logLevel } = kafkajs();
  return new KafkaClient({
    connectionTimeout: 3000,
    ...options.client,
    brokers: options.brokers,
    clientId: options.clientId ?? defaultClientId,
    logLevel: logLevel[LEVELS[options.logLevel ?? 'nothing']],
    ...(retry ? { retry: { ...options.client?.retry, ...retry } } : {}),
  });
}

/**
 * Connects an admin client with a short retry budget, so a wrong broker list fails the job at
 * start with a message that names it instead of retrying quietly for minutes.
 */
export async function connectAdmin(what: string, options: KafkaConnectionOptions): Promise<Admin> {
  // Quiet: a failure here becomes one ConnectorError instead of kafkajs's per-attempt log lines.
  const kafka = createKafka({ ...options, logLevel: 'nothing' }, 'stormshift-admin', {
    retries: 2,
    initialRetryTime: 200,
    maxRetryTime: 1000,
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
    // connect() is lazy on some paths; a metadata round trip proves a broker answers.
    await admin.listTopics();
  } catch (error) {
    await admin.disconnect().catch(() => {});
    throw new ConnectorError(
      'KAFKA_UNREACHABLE',
      `${what}: cannot reach Kafka brokers ${options.brokers.join(',')}: ${messageOf(error)}`,
      {
        cause: error,
        retriable: true,
      },
    );
  }
  return admin;
}

/** Resolves topic names or a pattern against the cluster; unknown names are a configuration error. */
export async function resolveTopics(
  what: string,
  admin: Admin,
  topics: string | readonly string[] | RegExp,
  brokers: string[],
): Promise<string[]> {
  // listTopics sends a Metadata request for all topics, which (unlike asking for one topic by
  // name) never auto-creates anything on a broker with auto.create.topics.enable.
  const existing = new Set(await admin.listTopics());
  if (topics instanceof RegExp) {
    const matched = [...existing].filter((t) => !t.startsWith('__') && matchesWhole(topics, t)).sort();
    if (matched.length === 0) {
      throw new ConnectorError(
        'KAFKA_UNKNOWN_TOPIC',
        `${what}: no topic on brokers ${brokers.join(',')} matches ${String(topics)}`,
        { retriable: false },
      );
    }
    return matched;
  }
  const names = typeof topics === 'string' ? [topics] : [...topics];
  if (names.length === 0) throw new ConfigError(`${what}: 'topics' is empty`);
  const missing = names.filter((t) => !existing.has(t));
  if (missing.length > 0) {
    throw new ConnectorError(
      'KAFKA_UNKNOWN_TOPIC',
      `${what}: topic${missing.length > 1 ? 's' : ''} ${missing.map((t) => `'${t}'`).join(', ')} not found on brokers ${brokers.join(',')}`,
      { retriable: false },
    );
  }
  return names;
}

function matchesWhole(pattern: RegExp, topic: string): boolean {
  const flags = pattern.flags.replace(/[gy]/g, '');
  return new RegExp(`^(?:${pattern.source})$`, flags).test(topic);
}

export { messageOf };

/** kafkajs marks transient failures `retriable`; anything else we do not retry. */
export function isKafkaRetriable(error: unknown): boolean {
  if (error === null || typeof error !== 'object') return false;
  const e = error as { retriable?: boolean; name?: string; originalError?: unknown };
  if (e.retriable === true) return true;
  if (
    e.name === 'KafkaJSNumberOfRetriesExceeded' ||
    e.name === 'KafkaJSConnectionError' ||
    e.name === 'KafkaJSRequestTimeoutError'
  )
    return true;
  if (e.originalError !== undefined) return isKafkaRetriable(e.originalError);
  return false;
}
