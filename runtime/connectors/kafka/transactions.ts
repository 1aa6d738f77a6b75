/**
 * The two transaction calls kafkajs's public API lacks, made through its protocol layer:
 * committing a transaction that another producer session (a crashed incarnation) opened, by the
 * producer id and epoch kept in the checkpoint (Flink's resume), and InitProducerId on an id to
 * abort whatever a crashed incarnation left open under it. Plus the producer id and epoch of a
 * kafkajs transactional producer, which kafkajs keeps private: its Broker's InitProducerId is
 * observed (result unchanged) and the result kept by transactional id.
 */
import { createRequire } from 'node:module';
import type { Kafka } from 'kafkajs';
import { systemClock, type Clock } from '../../time/clock.ts';

export interface ProducerIdentity {
  producerId: string;
  producerEpoch: number;
}

interface InternalBroker {
  initProducerId(request: { transactionalId?: string; transactionTimeout?: number }): Promise<{
    producerId: string | number;
    producerEpoch: number;
  }>;
  endTxn(request: {
    transactionalId: string;
    producerId: string;
    producerEpoch: number;
    transactionResult: boolean;
  }): Promise<unknown>;
}

interface InternalCluster {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  findGroupCoordinator(request: { groupId: string; coordinatorType: number }): Promise<InternalBroker>;
}

const COORDINATOR_TRANSACTION = 1;
const issued = new Map<string, ProducerIdentity>();
let watching = false;

function watchInitProducerId(): void {
  if (watching) return;
  watching = true;
  // The same module instance kafkajs's own producers use (one CommonJS cache entry).
  const require = createRequire(import.meta.url);
  const Broker = require('kafkajs/src/broker/index.js') as { prototype: InternalBroker };
  const original = Broker.prototype.initProducerId;
  Broker.prototype.initProducerId = async function (this: InternalBroker, request) {
    const result = await original.call(this, request);
    if (request.transactionalId)
      issued.set(request.transactionalId, {
        producerId: String(result.producerId),
        producerEpoch: result.producerEpoch,
      });
    return result;
  };
}

/** Call before a transactional producer initialises; then `issuedIdentity` gives its id and epoch. */
export function observeProducerIds(): void {
  watchInitProducerId();
}

export function issuedIdentity(transactionalId: string): ProducerIdentity | undefined {
  const identity = issued.get(transactionalId);
  issued.delete(transactionalId);
  return identity;
}

function clusterOf(kafka: Kafka): InternalCluster {
  const symbol = Object.getOwnPropertySymbols(kafka).find((s) => s.description === 'private:Kafka:createCluster');
  if (!symbol) throw new Error('kafkajs internals changed: no cluster factory on the Kafka client');
  const create = (kafka as unknown as Record<symbol, (o: object) => InternalCluster>)[symbol]!;
  return create({ allowAutoTopicCreation: false });
}

/** Errors the coordinator answers while it is busy or moving; anything else is final. */
function retriable(error: unknown): boolean {
  return (error as { retriable?: boolean }).retriable === true;
}

/** Finds the id's coordinator and makes the call, retrying while the coordinator is busy or moving. */
async function onCoordinator<R>(
  cluster: InternalCluster,
  transactionalId: string,
  clock: Clock,
  call: (broker: InternalBroker) => Promise<R>,
): Promise<R> {
  let delay = 100;
  for (let attempt = 1; ; attempt++) {
    try {
      const broker = await cluster.findGroupCoordinator({
        groupId: transactionalId,
        coordinatorType: COORDINATOR_TRANSACTION,
      });
      return await call(broker);
    } catch (error) {
      if (!retriable(error) || attempt >= 8) throw error;
      await new Promise<void>((resolve) => clock.setTimer(clock.now() + delay, resolve));
      delay = Math.min(delay * 2, 2000);
    }
  }
}

async function withCoordinator<R>(
  kafka: Kafka,
  transactionalId: string,
  call: (broker: InternalBroker) => Promise<R>,
  clock: Clock,
): Promise<R> {
  const cluster = clusterOf(kafka);
  try {
    await cluster.connect();
    return await onCoordinator(cluster, transactionalId, clock, call);
  } finally {
    await cluster.disconnect().catch(() => {});
  }
}

/**
 * Commits the transaction a producer session opened under `transactionalId`, with the producer
 * id and epoch it had. Kafka's coordinator treats a commit of an already committed transaction
 * as a retry (success); a transaction it already aborted (timeout, or the id re-initialised)
 * fails with a fencing or state error, and its records are gone.
 */
export function resumeCommit(
  kafka: Kafka,
  transactionalId: string,
  identity: ProducerIdentity,
  clock: Clock = systemClock,
): Promise<void> {
  return withCoordinator(
    kafka,
    transactionalId,
    async (broker) => {
      await broker.endTxn({
        transactionalId,
        producerId: identity.producerId,
        producerEpoch: identity.producerEpoch,
        transactionResult: true,
      });
    },
    clock,
  );
}

/**
 * InitProducerId on each id: the coordinator aborts the transaction left open under it and fences
 * the producer that opened it. One cluster connection for all of them (a restore from an old
 * checkpoint may re-initialise hundreds), a few at a time. Rejects with the first id that failed.
 */
export async function abortOpenTransactions(
  kafka: Kafka,
  transactionalIds: readonly string[],
  timeoutMs: number,
  clock: Clock = systemClock,
  concurrency = 4,
): Promise<void> {
  if (transactionalIds.length === 0) return;
  const cluster = clusterOf(kafka);
  let next = 0;
  let failed: { transactionalId: string; error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (failed === undefined && next < transactionalIds.length) {
      const transactionalId = transactionalIds[next++]!;
      try {
        await onCoordinator(cluster, transactionalId, clock, async (broker) => {
          await broker.initProducerId({ transactionalId, transactionTimeout: timeoutMs });
        });
      } catch (error) {
        failed ??= { transactionalId, error };
      }
    }
  };
  try {
    await cluster.connect();
    await Promise.all(Array.from({ length: Math.min(concurrency, transactionalIds.length) }, worker));
  } finally {
    await cluster.disconnect().catch(() => {});
  }
  if (failed) throw new AbortFailed(failed.transactionalId, failed.error);
}

/** Which id could not be re-initialised, with the broker's answer as the cause. */
export class AbortFailed extends Error {
  constructor(
    readonly transactionalId: string,
    cause: unknown,
  ) {
    super(`InitProducerId for '${transactionalId}' failed: ${(cause as Error)?.message ?? String(cause)}`, { cause });
  }
}
