import { randomBytes } from 'node:crypto';

/** Something that yields random signed 64-bit ids: Java's `Random.nextLong()` shape, or a function. */
export type LongRandom = { nextLong(): bigint } | (() => bigint);

/**
 * A tuple's position in the XOR ack trees it belongs to (§6, §7): root id → XOR of this tuple's
 * edge ids. 64-bit ids are signed `bigint`s (R4). Immutable once built.
 */
export class MessageId {
  private readonly anchorsToIds: ReadonlyMap<bigint, bigint>;

  private constructor(anchorsToIds: Map<bigint, bigint>) {
    this.anchorsToIds = anchorsToIds;
  }

  /** A signed 64-bit random id; from `rng` if given, else from the CSPRNG. */
  static generateId(rng?: LongRandom): bigint {
    if (rng === undefined) return randomBytes(8).readBigInt64BE(0);
    const raw = typeof rng === 'function' ? rng() : rng.nextLong();
    return BigInt.asIntN(64, BigInt(raw));
  }

  static makeUnanchored(): MessageId {
    return UNANCHORED;
  }

  static makeRootId(id: bigint, val: bigint): MessageId {
    return new MessageId(new Map([[BigInt.asIntN(64, id), BigInt.asIntN(64, val)]]));
  }

  static makeId(anchorsToIds: ReadonlyMap<bigint, bigint>): MessageId {
    const copy = new Map<bigint, bigint>();
    for (const [k, v] of anchorsToIds) copy.set(BigInt.asIntN(64, BigInt(k)), BigInt.asIntN(64, BigInt(v)));
    return copy.size === 0 ? UNANCHORED : new MessageId(copy);
  }

  /** A copy: callers may not change a delivered tuple's ids. */
  getAnchorsToIds(): Map<bigint, bigint> {
    return new Map(this.anchorsToIds);
  }

  getAnchors(): Set<bigint> {
    return new Set(this.anchorsToIds.keys());
  }

  /** Read-only view without copying, for the acking hot path. */
  entries(): IterableIterator<[bigint, bigint]> {
    return this.anchorsToIds.entries();
  }

  /** Number of roots; 0 = unanchored (nothing to ack). */
  size(): number {
    return this.anchorsToIds.size;
  }

  equals(other: unknown): boolean {
    if (!(other instanceof MessageId) || other.anchorsToIds.size !== this.anchorsToIds.size) return false;
    for (const [k, v] of this.anchorsToIds) if (other.anchorsToIds.get(k) !== v) return false;
    return true;
  }

  toString(): string {
    return '{' + Array.from(this.anchorsToIds, ([k, v]) => `${k}=${v}`).join(', ') + '}';
  }
}

const UNANCHORED: MessageId = (() => {
  // Built through the private constructor once; shared because it is immutable.
  const Ctor = MessageId as unknown as new (m: Map<bigint, bigint>) => MessageId;
  return new Ctor(new Map());
})();
