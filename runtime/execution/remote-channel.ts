import type { MessagePort } from 'node:worker_threads';
import { SerializationError, describeRecord, messageOf } from '../errors.ts';
import type { ChannelEndpoint } from './channels.ts';

/** Item kinds on the wire; items are flattened as [gate, channel, kind, a, b]. */
export const WIRE_RECORD = 0;
export const WIRE_WATERMARK = 1;
export const WIRE_BARRIER = 2;
export const WIRE_END = 3;
export const WIRE_ITEM_WIDTH = 5;

/** Batches a receiver may hold unacknowledged: the credit that bounds memory between two threads. */
export const INITIAL_CREDITS = 8;

/**
 * Everything one worker sends to one peer worker, multiplexed over a MessagePort. Records travel in
 * batches (one postMessage per batch, flushed when full or after the buffer timeout). Credit-based
 * flow control: each batch costs a credit the receiver returns once it processed the batch; with no
 * credit left the outbox declares itself busy, which pauses this worker's sources.
 */
export class Outbox {
  private items: unknown[] = [];
  private credits = INITIAL_CREDITS;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;

  constructor(
    private readonly port: MessagePort,
    private readonly batchItems: number,
    private readonly bufferTimeoutMs: number,
    private readonly setBusy: (owner: object, busy: boolean) => void,
    private readonly fail: (error: unknown) => void,
  ) {}

  push(gate: number, channel: number, kind: number, a: unknown, b: unknown): void {
    this.items.push(gate, channel, kind, a, b);
    if (kind === WIRE_BARRIER || kind === WIRE_END || this.items.length >= this.batchItems * WIRE_ITEM_WIDTH) this.flush();
    else if (this.timer === undefined) this.timer = setTimeout(() => this.flush(), this.bufferTimeoutMs);
  }

  flush(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.closed || this.items.length === 0) return;
    if (this.credits === 0) {
      this.setBusy(this, true);
      return;
    }
    const batch = this.items;
    this.items = [];
    this.credits--;
    try {
      this.port.postMessage(batch);
    } catch (error) {
      this.fail(this.explain(batch, error));
      return;
    }
    if (this.credits === 0) this.setBusy(this, true);
  }

  onCredit(): void {
    this.credits++;
    if (this.items.length > 0) this.flush();
    if (this.credits > 0) this.setBusy(this, false);
  }

  close(): void {
    this.closed = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
  }

  /** Finds the record that could not be cloned, so the error names it instead of a whole batch. */
  private explain(batch: unknown[], error: unknown): SerializationError {
    for (let i = 0; i < batch.length; i += WIRE_ITEM_WIDTH) {
      try {
        structuredClone(batch[i + 3]);
      } catch (cloneError) {
        return new SerializationError(
          `record ${describeRecord(batch[i + 3])} cannot cross threads (${messageOf(cloneError)}); records between workers must be structured-cloneable: no functions, symbols or class instances that need their prototype`,
          { cause: cloneError },
        );
      }
    }
    return new SerializationError(`a batch could not be sent to another worker: ${messageOf(error)}`, { cause: error });
  }
}

/** A consumer subtask's input channel living in another worker. */
export class RemoteChannel implements ChannelEndpoint {
  constructor(
    private readonly outbox: Outbox,
    private readonly gate: number,
    private readonly channel: number,
  ) {}
  pushRecord(value: unknown, timestamp: number): void {
    this.outbox.push(this.gate, this.channel, WIRE_RECORD, value, timestamp);
  }
  pushWatermark(watermark: number): void {
    this.outbox.push(this.gate, this.channel, WIRE_WATERMARK, watermark, 0);
  }
  pushBarrier(checkpointId: number): void {
    this.outbox.push(this.gate, this.channel, WIRE_BARRIER, checkpointId, 0);
  }
  pushEnd(): void {
    this.outbox.push(this.gate, this.channel, WIRE_END, 0, 0);
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
