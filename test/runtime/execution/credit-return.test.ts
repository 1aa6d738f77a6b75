import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { BatchDecoder } from '../../../runtime/execution/record-codec.ts';
import {
  CREDIT_RETURN_GROUP,
  CreditReturn,
  INITIAL_CREDITS,
  Outbox,
  type WireBatch,
} from '../../../runtime/execution/remote-channel.ts';

/**
 * Two ends of a peer link over a real MessageChannel, wired as worker-main.ts wires them: each side
 * has an Outbox to the other and owes the other the buffers of the batches it processed.
 */
function link(port: MessagePort, onRecord: (value: unknown) => void) {
  const owed = new CreditReturn(port);
  const busy: boolean[] = [];
  const outbox = new Outbox(
    port,
    1,
    0,
    (_owner, b) => busy.push(b),
    (error) => {
      throw error;
    },
    owed,
  );
  const decoder = new BatchDecoder();
  let messages = 0;
  let creditMessages = 0;
  port.on('message', ([buffer, length, extras, credits]: WireBatch) => {
    messages++;
    if (credits !== undefined) outbox.onCredits(credits);
    if (buffer === null) {
      creditMessages++;
      return;
    }
    decoder.reset(buffer, length, extras);
    while (decoder.next()) onRecord(decoder.value);
    owed.owe(buffer);
  });
  return {
    outbox,
    busy,
    stats: () => ({ messages, creditMessages }),
    close: () => port.close(),
  };
}

describe('credits between two workers', () => {
  it('deliver every record one way without a reply batch to carry the credits, returning them in groups', async () => {
    const { port1, port2 } = new MessageChannel();
    const received: unknown[] = [];
    const total = INITIAL_CREDITS * 10;
    let allDone!: () => void;
    const allReceived = new Promise<void>((resolve) => (allDone = resolve));
    const b = link(port2, (value) => {
      received.push(value);
      if (received.length === total) allDone();
    });
    const a = link(port1, () => {});
    // One record per batch (batchItems 1): the sender runs out of credits many times over, so it
    // only finishes if grouped credits keep coming back.
    for (let i = 0; i < total; i++) a.outbox.pushRecord(0, 0, { i, word: `w${i}` }, i, 'a → b');
    await allReceived;
    expect(received).toEqual(Array.from({ length: total }, (_, i) => ({ i, word: `w${i}` })));
    // The receiver sent no data, so credits went back on messages of their own, a group at a time.
    const credits = a.stats().creditMessages;
    expect(credits).toBeGreaterThan(0);
    expect(credits).toBeLessThanOrEqual(Math.ceil(total / CREDIT_RETURN_GROUP));
    // The sender was paused for want of credits and resumed each time.
    expect(a.busy.at(-1)).toBe(false);
    a.close();
    b.close();
  });

  it('carry owed credits on data batches going the other way', async () => {
    const { port1, port2 } = new MessageChannel();
    let aGot = 0;
    let bGot = 0;
    const rounds = 40;
    let done!: () => void;
    const finished = new Promise<void>((resolve) => (done = resolve));
    const a: ReturnType<typeof link> = link(port1, () => {
      aGot++;
      if (aGot === rounds) done();
      else a.outbox.pushRecord(0, 0, aGot, 0, 'a → b');
    });
    const b = link(port2, () => {
      bGot++;
      b.outbox.pushRecord(0, 0, bGot, 0, 'b → a');
    });
    a.outbox.pushRecord(0, 0, 0, 0, 'a → b');
    await finished;
    // A ping-pong: every credit rides back on the reply, so no message carries credits alone.
    expect(a.stats().creditMessages + b.stats().creditMessages).toBe(0);
    expect(aGot).toBe(rounds);
    a.close();
    b.close();
  });
});
