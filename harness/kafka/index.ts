/**
 * Kafka for tests: a real Kafka-protocol broker on loopback, never a mock object.
 *
 * With KAFKA_BROKERS set, tests use that cluster. Otherwise the harness starts librdkafka's
 * mock cluster (a C launcher it compiles on first use) behind a protocol proxy that repairs
 * the mock's controller id; see README.md for what the mock can and cannot prove.
 */
import kafkajs from 'kafkajs';
import { MockClusterProcess, HOW_TO_GET_KAFKA } from './launcher.ts';
import { KafkaProtocolProxy } from './protocol-proxy.ts';
import type { HeldCommit, TransactionStatus } from './transactions.ts';

export type { HeldCommit, TransactionStatus } from './transactions.ts';
export { TransactionLedger } from './transactions.ts';

export { HOW_TO_GET_KAFKA } from './launcher.ts';
export { readTopic } from './read-topic.ts';

export interface KafkaTestCluster {
  /** Bootstrap addresses for clients (the proxy's, when the harness runs the mock). */
  brokers: string[];
  /** True when KAFKA_BROKERS named an external cluster; fault injection is then unavailable. */
  external: boolean;
  /**
   * The mock brokers' own addresses, bypassing the proxy (empty for an external cluster).
   * Only for tests that demonstrate the mock's quirks; clients should use `brokers`.
   */
  mockBrokers: string[];
  createTopic(name: string, partitions?: number): Promise<void>;
  /** Broker ids are 1..n; -1 means every broker. */
  brokerDown(brokerId: number): Promise<void>;
  brokerUp(brokerId: number): Promise<void>;
  /** Cluster-wide: the next `errors.length` requests with this api key fail with these codes. */
  pushRequestErrors(apiKey: number, errors: number[]): Promise<void>;
  setRtt(brokerId: number, ms: number): Promise<void>;
  /** Sends a raw launcher command (see mock-cluster.c), for faults the typed API lacks. */
  mockCommand(line: string): Promise<string>;
  /**
   * The next EndTxn that commits is swallowed by the proxy (never reaches the broker, never
   * answered); resolves with its transactional id once it arrived. A test kills its writer then:
   * a crash between "checkpoint durable" and "transaction committed", without timing.
   */
  holdNextCommit(idPrefix?: string): Promise<HeldCommit>;
  /** Transactional ids with an open transaction, as Kafka's coordinator would see them. */
  openTransactions(): Promise<string[]>;
  /** Transactions of ids starting with `prefix`, by outcome. */
  transactionOutcomes(prefix?: string): Promise<Record<TransactionStatus, number>>;
  /** InitProducerId answers per transactional id starting with `prefix` (a producer began, or the id was fenced). */
  initializations(prefix?: string): Promise<Record<string, number>>;
  /** InitProducerId answers that repeated a producer id the mock had handed out before (refused). */
  reissuedProducerIds(): Promise<Array<{ producerId: string; transactionalId: string | null }>>;
  stop(): Promise<void>;
}

export interface StartKafkaOptions {
  /** Number of mock brokers (ids 1..n). Ignored for an external cluster. Default 3. */
  brokers?: number;
}

/** Kafka protocol api keys, for pushRequestErrors. */
export const ApiKey = {
  Produce: 0,
  Fetch: 1,
  ListOffsets: 2,
  Metadata: 3,
  OffsetCommit: 8,
  OffsetFetch: 9,
  FindCoordinator: 10,
  JoinGroup: 11,
  Heartbeat: 12,
  LeaveGroup: 13,
  SyncGroup: 14,
  ApiVersions: 18,
  InitProducerId: 22,
  AddPartitionsToTxn: 24,
  AddOffsetsToTxn: 25,
  EndTxn: 26,
  TxnOffsetCommit: 28,
} as const;

/** Kafka protocol error codes commonly injected in tests. */
export const KafkaError = {
  NotLeaderForPartition: 6,
  RequestTimedOut: 7,
  NetworkException: 13,
  CoordinatorLoadInProgress: 14,
  CoordinatorNotAvailable: 15,
  NotCoordinator: 16,
  NotEnoughReplicas: 19,
  /** librdkafka's local code: the mock broker drops the connection instead of answering. */
  Transport: -195,
} as const;

export async function startKafkaCluster(options: StartKafkaOptions = {}): Promise<KafkaTestCluster> {
  const external = process.env.KAFKA_BROKERS?.trim();
  if (external)
    return externalCluster(
      external
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    );
  return mockCluster(options.brokers ?? 3);
}

async function mockCluster(brokerCount: number): Promise<KafkaTestCluster> {
  if (!Number.isInteger(brokerCount) || brokerCount < 1) {
    throw new Error(`startKafkaCluster: brokers must be a positive integer, got ${brokerCount}`);
  }
  let mock: MockClusterProcess;
  try {
    mock = await MockClusterProcess.start(brokerCount);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw new Error(message.includes('apt-get') ? message : `${message}\n${HOW_TO_GET_KAFKA}`, { cause: err });
  }
  let proxy: KafkaProtocolProxy;
  try {
    proxy = await KafkaProtocolProxy.start(
      mock.bootstrap.map((address, i) => {
        const [host = '127.0.0.1', port = '0'] = address.split(':');
        return { nodeId: i + 1, host, port: Number(port) };
      }),
    );
  } catch (err) {
    await mock.stop();
    throw err;
  }

  const checkBroker = (id: number): void => {
    if (!Number.isInteger(id) || id === 0 || id < -1 || id > brokerCount) {
      throw new Error(`mock cluster has brokers 1..${brokerCount} (-1 = all); no broker ${id}`);
    }
  };
  const allIds = Array.from({ length: brokerCount }, (_, i) => i + 1);
  let stopped = false;

  return {
    brokers: proxy.addresses,
    external: false,
    mockBrokers: [...mock.bootstrap],
    async createTopic(name, partitions = 1) {
      if (!/^[A-Za-z0-9._-]+$/.test(name)) throw new Error(`invalid topic name '${name}'`);
      await mock.command(`topic ${name} ${partitions} ${Math.min(brokerCount, 3)}`);
    },
    async brokerDown(id) {
      checkBroker(id);
      await mock.command(`down ${id}`);
      for (const b of id === -1 ? allIds : [id]) proxy.setBrokerDown(b, true);
    },
    async brokerUp(id) {
      checkBroker(id);
      await mock.command(`up ${id}`);
      for (const b of id === -1 ? allIds : [id]) proxy.setBrokerDown(b, false);
    },
    async pushRequestErrors(apiKey, errors) {
      if (errors.length === 0) return;
      await mock.command(`errors ${apiKey} ${errors.join(' ')}`);
    },
    async setRtt(id, ms) {
      checkBroker(id);
      await mock.command(`rtt ${id} ${Math.round(ms)}`);
    },
    mockCommand: (line) => mock.command(line),
    holdNextCommit: (idPrefix) => proxy.transactions.holdNextCommit(idPrefix),
    openTransactions: async () => proxy.transactions.openTransactions(),
    transactionOutcomes: async (prefix) => proxy.transactions.outcomes(prefix),
    reissuedProducerIds: async () => [...proxy.transactions.reissued],
    initializations: async (prefix) => proxy.transactions.initializations(prefix),
    async stop() {
      if (stopped) return;
      stopped = true;
      await proxy.close();
      await mock.stop();
    },
  };
}

function externalCluster(brokers: string[]): KafkaTestCluster {
  const unsupported = (what: string) => async (): Promise<never> => {
    throw new Error(
      `${what} is not supported on an external cluster (KAFKA_BROKERS=${brokers.join(',')}); ` +
        'unset KAFKA_BROKERS to run this test against the librdkafka mock cluster.',
    );
  };
  return {
    brokers,
    external: true,
    mockBrokers: [],
    async createTopic(name, partitions = 1) {
      const admin = new kafkajs.Kafka({
        brokers,
        clientId: 'stormshift-test-harness',
        logLevel: kafkajs.logLevel.ERROR,
      }).admin();
      await admin.connect();
      try {
        // createTopics resolves false when the topic already exists, which is fine for tests.
        await admin.createTopics({
          topics: [{ topic: name, numPartitions: partitions }],
          waitForLeaders: true,
        });
      } finally {
        await admin.disconnect();
      }
    },
    brokerDown: unsupported('brokerDown'),
    brokerUp: unsupported('brokerUp'),
    pushRequestErrors: unsupported('pushRequestErrors'),
    setRtt: unsupported('setRtt'),
    mockCommand: unsupported('mockCommand'),
    holdNextCommit: unsupported('holdNextCommit'),
    openTransactions: unsupported('openTransactions'),
    transactionOutcomes: unsupported('transactionOutcomes'),
    reissuedProducerIds: unsupported('reissuedProducerIds'),
    initializations: unsupported('initializations'),
    async stop() {},
  };
}
