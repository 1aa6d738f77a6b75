import type { MessagePort } from 'node:worker_threads';
import { SerializationError, messageOf } from '../errors.ts';
import type { ChannelEndpoint } from './channels.ts';
import { BatchEncoder, WIRE_BARRIER, WIRE_END, WIRE_WATERMARK, unencodableError } from './record-codec.ts';

export { WIRE_BARRIER, WIRE_END, WIRE_RECORD, WIRE_WATERMARK } from './record-codec.ts';

/** Batches a receiver may hold unacknowledged: the credit that bounds memory between two threads. */
export const INITIAL_CREDITS = 8;

/** A batch is sent once its encoding reaches this size, whatever the item count. */
const MAX_BATCH_BYTES = 256 * 1024;
const FIRST_BUFFER_BYTES = 64 * 1024;

/**
 * Processed batches a receiver owes back before it returns them on a message of their own. Each
 * credit message wakes the sender's thread (~20-50 µs of CPU on both sides on a VM), so credits
 * ride on the receiver's own data batches to that peer and otherwise go back in groups. Returning
 * at INITIAL_CREDITS / 2 cannot deadlock: a sender out of credits has all 8 either in flight (they
 * will be processed and owed) or owed, and at 4 owed they go back.
 */
export const CREDIT_RETURN_GROUP = INITIAL_CREDITS / 2;

/**
 * One message on a peer port: a batch (its bytes, transferred and later handed back as the
 * credit, and what structured clone carries) and the credits this side owes the receiver.
 * A credit-only message has no buffer.
 */
export type WireBatch = [
  buffer: ArrayBuffer | null,
  length: number,
  extras: unknown[] | undefined,
  credits: ArrayBuffer[] | undefined,
];

/** The buffers of processed batches one worker owes one peer (see CREDIT_RETURN_GROUP). */
export class CreditReturn {
  private owed: ArrayBuffer[] = [];

  constructor(private readonly port: MessagePort) {}

  owe(buffer: ArrayBuffer): void {
    if (this.owed.push(buffer) >= CREDIT_RETURN_GROUP) {
      const credits = this.take()!;
      this.port.postMessage([null, 0, undefined, credits] satisfies WireBatch, credits);
    }
  }

  /** Everything owed so far, to ride on an outgoing batch; undefined when nothing is. */
  take(): ArrayBuffer[] | undefined {
    if (this.owed.length === 0) return undefined;
    const credits = this.owed;
    this.owed = [];
    return credits;
  }
}

/**
 * Everything one worker sends to one peer worker, multiplexed over a MessagePort. Records are
 * encoded as they are pushed (record-codec.ts) into an ArrayBuffer that is transferred, not copied;
 * the receiver hands the buffer back as its credit, so buffers are recycled rather than allocated.
 *
 * Batching adapts to the rate: a partly filled batch leaves at the end of the current event-loop
 * turn (or after `bufferTimeoutMs` when that is set above 0), so at low rates a record waits for
 * nothing; at high rates a turn fills batches up to `batchItems`, and once the credits (batches in
 * flight) are used up, records collect into one larger batch until a credit returns. With no credit
 * left the outbox declares itself busy, which pauses this worker's sources.
 */
export class Outbox {
  private readonly encoder: BatchEncoder;
  private readonly pool: ArrayBuffer[] = [];
  private credits = INITIAL_CREDITS;
  private scheduled = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;
  private readonly flushNow = (): void => {
    this.scheduled = false;
    this.flush();
  };

  constructor(
    private readonly port: MessagePort,
    private readonly batchItems: number,
    private readonly bufferTimeoutMs: number,
    private readonly setBusy: (owner: object, busy: boolean) => void,
    private readonly fail: (error: unknown) => void,
    /** Credits owed to the same peer: they leave with each batch. */
    private readonly owed?: CreditReturn,
  ) {
    this.encoder = new BatchEncoder(new ArrayBuffer(FIRST_BUFFER_BYTES));
  }

  pushRecord(gate: number, channel: number, value: unknown, timestamp: number, edge: string): void {
    const encoder = this.encoder;
    try {
      encoder.writeRecord(gate, channel, value, timestamp);
    } catch (error) {
      throw unencodableError(edge, value, error);
    }
    if (encoder.items >= this.batchItems || encoder.pos >= MAX_BATCH_BYTES) this.flush();
    else if (!this.scheduled) this.schedule();
  }

  pushControl(gate: number, channel: number, kind: number, number: number): void {
    this.encoder.writeControl(kind, gate, channel, number);
    // Barriers and end-of-input leave at once: a checkpoint or the job's end waits on them.
    if (kind === WIRE_BARRIER || kind === WIRE_END) this.flush();
    else if (!this.scheduled) this.schedule();
  }

  private schedule(): void {
    this.scheduled = true;
    if (this.bufferTimeoutMs > 0) this.timer = setTimeout(this.flushNow, this.bufferTimeoutMs);
    else setImmediate(this.flushNow);
  }

  flush(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
      this.scheduled = false;
    }
    const encoder = this.encoder;
    if (this.closed || encoder.items === 0) return;
    if (this.credits === 0) {
      this.setBusy(this, true);
      return;
    }
    const buffer = encoder.buffer;
    const credits = this.owed?.take();
    const batch: WireBatch = [buffer, encoder.pos, encoder.extras, credits];
    encoder.reset(
      this.pool.pop() ??
        new ArrayBuffer(Math.max(FIRST_BUFFER_BYTES, Math.min(buffer.byteLength, MAX_BATCH_BYTES * 2))),
    );
    this.credits--;
    try {
      this.port.postMessage(batch, credits === undefined ? [buffer] : [buffer, ...credits]);
    } catch (error) {
      // Only the side array is structured-cloned; the encoder already refused what it can tell.
      this.fail(
        new SerializationError(`a batch could not be sent to another worker: ${messageOf(error)}`, { cause: error }),
      );
      return;
    }
    if (this.credits === 0) this.setBusy(this, true);
  }

  /** The receiver processed batches and returns their buffers. */
  onCredits(buffers: ArrayBuffer[]): void {
    for (const buffer of buffers) {
      this.credits++;
      if (this.pool.length < INITIAL_CREDITS && buffer.byteLength <= MAX_BATCH_BYTES * 2) this.pool.push(buffer);
    }
    if (this.encoder.items > 0) this.flush();
    if (this.credits > 0) this.setBusy(this, false);
  }

  close(): void {
    this.closed = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
  }
}

/** A consumer subtask's input channel living in another worker. */
export class RemoteChannel implements ChannelEndpoint {
  constructor(
    private readonly outbox: Outbox,
    private readonly gate: number,
    private readonly channel: number,
    /** Names the edge in errors: `'producer' → 'consumer' (worker a → b)`. */
    private readonly edge: string,
  ) {}
  pushRecord(value: unknown, timestamp: number): void {
    this.outbox.pushRecord(this.gate, this.channel, value, timestamp, this.edge);
  }
  pushWatermark(watermark: number): void {
    this.outbox.pushControl(this.gate, this.channel, WIRE_WATERMARK, watermark);
  }
  pushBarrier(checkpointId: number): void {
    this.outbox.pushControl(this.gate, this.channel, WIRE_BARRIER, checkpointId);
  }
  pushEnd(): void {
    this.outbox.pushControl(this.gate, this.channel, WIRE_END, 0);
  }
}

/** A gate's address on the wire: chain id and subtask index packed into one number. */
export function gateAddress(chainId: number, subtaskIndex: number): number {
  return chainId * 65536 + subtaskIndex;
}

/** Which worker runs subtask `index` (of any chain). */
export function workerOf(subtaskIndex: number, workers: number): number {
  return subtaskIndex % workers;
}
