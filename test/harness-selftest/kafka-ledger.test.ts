/**
 * The transaction ledger of the harness proxy, without a broker: librdkafka's mock draws producer
 * ids at random and may hand one out twice, which Kafka never does. The mock then treats the new
 * producer as the old one's (INVALID_PRODUCER_ID_MAPPING on its every request), and a ledger
 * keyed by producer id would mix the two producers' transactions. The ledger refuses a repeated
 * id (the proxy answers COORDINATOR_LOAD_IN_PROGRESS and the client asks again).
 */
import { describe, expect, it } from 'vitest';
import { TransactionLedger } from '../harness/kafka/index.ts';

describe('transaction ledger', () => {
  it('refuses a producer id handed out before, to any transactional id or to an idempotent producer', () => {
    const ledger = new TransactionLedger();
    expect(ledger.issue('tx-0-1', '1000')).toBe(true);
    expect(ledger.issue(null, '2000')).toBe(true);
    expect(ledger.issue('tx-0-2', '1000')).toBe(false);
    expect(ledger.issue('tx-0-1', '1000')).toBe(false);
    expect(ledger.issue('tx-0-3', '2000')).toBe(false);
    expect(ledger.reissued).toEqual([
      { producerId: '1000', transactionalId: 'tx-0-2' },
      { producerId: '1000', transactionalId: 'tx-0-1' },
      { producerId: '2000', transactionalId: 'tx-0-3' },
    ]);
  });

  it("a refused answer leaves the first holder's transaction alone", () => {
    const ledger = new TransactionLedger();
    ledger.issue('tx-0-1', '1000');
    ledger.produced('1000', 'out', 0, 0);
    // The same id again, then a new generation of another id: neither touches tx-0-1's transaction.
    ledger.issue('tx-0-2', '1000');
    ledger.issue('tx-0-2', '3000');
    expect(ledger.fenced('1000')).toBe(false);
    expect(ledger.openTransactions()).toEqual(['tx-0-1']);
    ledger.end('1000', 'committed');
    expect(ledger.statusOf('1000', 'out', 0, 0)).toBe('committed');
  });

  it('a new generation of a transactional id aborts the open transaction of the one before and fences it', () => {
    const ledger = new TransactionLedger();
    ledger.issue('tx-0-1', '1000');
    ledger.produced('1000', 'out', 0, 0);
    ledger.issue('tx-0-1', '4000');
    expect(ledger.statusOf('1000', 'out', 0, 0)).toBe('aborted');
    expect(ledger.fenced('1000')).toBe(true);
    expect(ledger.openTransactions()).toEqual([]);
  });
});
