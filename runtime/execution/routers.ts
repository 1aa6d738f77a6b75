import type { Output } from '../api/operator.ts';
import { StormshiftError } from '../errors.ts';
import type { PartitionerSpec } from '../graph/partitioner.ts';
import { subtaskForKey } from '../state/index.ts';
import type { ChannelEndpoint } from './channels.ts';

/**
 * The producer side of one network edge for one producer subtask: picks the consumer subtask(s)
 * for each record. Watermarks, barriers and end-of-input go to every channel.
 */
export abstract class Router implements Output<unknown> {
  constructor(readonly channels: ChannelEndpoint[]) {}

  abstract collect(value: unknown, timestamp: number): void;

  /** The one channel every record of this producer goes to, if the edge has one. */
  get singleTarget(): ChannelEndpoint | undefined {
    return undefined;
  }

  collectSide(): void {
    // Routers are attached per output tag; a side record never reaches one.
  }

  emitWatermark(watermark: number): void {
    for (const channel of this.channels) channel.pushWatermark(watermark);
  }

  broadcastBarrier(checkpointId: number): void {
    for (const channel of this.channels) channel.pushBarrier(checkpointId);
  }

  broadcastEnd(): void {
    for (const channel of this.channels) channel.pushEnd();
  }
}

class ForwardRouter extends Router {
  private readonly target: ChannelEndpoint;
  constructor(channels: ChannelEndpoint[], producerIndex: number) {
    super(channels);
    this.target = channels[producerIndex]!;
  }
  collect(value: unknown, timestamp: number): void {
    this.target.pushRecord(value, timestamp);
  }
  override get singleTarget(): ChannelEndpoint {
    return this.target;
  }
}

class RebalanceRouter extends Router {
  private next: number;
  constructor(channels: ChannelEndpoint[], producerIndex: number) {
    super(channels);
    // Start each producer at a different consumer so small bursts spread out.
    this.next = producerIndex % channels.length;
  }
  collect(value: unknown, timestamp: number): void {
    const channel = this.channels[this.next]!;
    this.next = this.next + 1 === this.channels.length ? 0 : this.next + 1;
    channel.pushRecord(value, timestamp);
  }
}

/** Distinct string keys whose channel a hash router remembers; past it the memory starts over. */
const STRING_KEY_CACHE = 4096;

class HashRouter extends Router {
  /**
   * Channel per string key seen. Keys repeat (words, ids) and a Map lookup costs less than the
   * MurmurHash of the key in JS; V8 also keeps the string's own hash in the string, so the keyed
   * state lookup downstream of a local channel pays nothing more for it.
   */
  private readonly byString = new Map<string, number>();

  constructor(
    channels: ChannelEndpoint[],
    private readonly key: (value: unknown) => unknown,
    private readonly operatorName: string,
  ) {
    super(channels);
  }
  collect(value: unknown, timestamp: number): void {
    let key: unknown;
    try {
      key = this.key(value);
    } catch (error) {
      throw new StormshiftError(
        'KEY_SELECTOR_FAILED',
        `keyBy selector feeding '${this.operatorName}' threw: ${(error as Error)?.message ?? error}`,
        {
          cause: error,
          retriable: true,
        },
      );
    }
    let index: number | undefined;
    if (typeof key === 'string') {
      index = this.byString.get(key);
      if (index === undefined) {
        if (this.byString.size >= STRING_KEY_CACHE) this.byString.clear();
        index = subtaskForKey(key, this.channels.length);
        this.byString.set(key, index);
      }
    } else index = subtaskForKey(key, this.channels.length);
    this.channels[index]!.pushRecord(value, timestamp);
  }
}

class BroadcastRouter extends Router {
  collect(value: unknown, timestamp: number): void {
    for (const channel of this.channels) channel.pushRecord(value, timestamp);
  }
}

class GlobalRouter extends Router {
  collect(value: unknown, timestamp: number): void {
    this.channels[0]!.pushRecord(value, timestamp);
  }
  override get singleTarget(): ChannelEndpoint {
    return this.channels[0]!;
  }
}

class SelectingRouter extends Router {
  constructor(
    channels: ChannelEndpoint[],
    private readonly select: (value: unknown) => number,
    private readonly operatorName: string,
  ) {
    super(channels);
  }
  collect(value: unknown, timestamp: number): void {
    const index = this.select(value);
    const channel = this.channels[index];
    if (channel === undefined) {
      throw new StormshiftError(
        'PARTITION_OUT_OF_RANGE',
        `partitioner feeding '${this.operatorName}' chose subtask ${index}, but it has ${this.channels.length}`,
      );
    }
    channel.pushRecord(value, timestamp);
  }
}

export function createRouter(
  spec: PartitionerSpec,
  channels: ChannelEndpoint[],
  producerIndex: number,
  consumerName: string,
): Router {
  switch (spec.kind) {
    case 'forward':
      return new ForwardRouter(channels, producerIndex);
    case 'rebalance':
      return new RebalanceRouter(channels, producerIndex);
    case 'hash':
      // One consumer subtask owns every key: hashing would only cost time. The keyed operator still
      // computes the key itself (it needs it for its state), so key selector errors surface there.
      if (channels.length === 1) return new GlobalRouter(channels);
      return new HashRouter(channels, spec.key, consumerName);
    case 'broadcast':
      return new BroadcastRouter(channels);
    case 'global':
      return new GlobalRouter(channels);
    case 'custom': {
      const n = channels.length;
      return new SelectingRouter(channels, (value) => spec.partition(spec.key(value), n), consumerName);
    }
    case 'direct':
      return new SelectingRouter(channels, spec.select, consumerName);
  }
}
