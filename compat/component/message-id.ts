import { randomBytes } from 'node:crypto';

/** Something that yields random signed 64-bit ids: Java's `Random.nextLong()` shape, or a function. */
export type LongRandom = { nextLong(): bigint } | (() => bigint);

/**
 * A tuple's position in the XOR ack trees it belongs to (§6, §7): root id → XOR of this tuple's
 * edge ids. 64-bit ids are signed `bigint`s (R4). Immutable once built.
 */
export class MessageId {
  // Almost every tuple has exactly one root, so that case keeps its pair in fields and no Map is
  // built per tuple (a Map per emitted tuple showed as GC time); `many` holds two or more roots.
  private readonly n: number;
  private readonly r0: bigint;
  private readonly v0: bigint;
  private readonly many: ReadonlyMap<bigint, bigint> | null;

  private constructor(n: number, r0: bigint, v0: bigint, many: ReadonlyMap<bigint, bigint> | null) {
    this.n = n;
    this.r0 = r0;
    this.v0 = v0;
    this.many = many;
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
    return new MessageId(1, BigInt.asIntN(64, id), BigInt.asIntN(64, val), null);
  }

  /**
   * For the executor: `root`/`edge` are already signed 64-bit (they come from rand64 or from
   * another MessageId), so the normalisation of {@link makeRootId} is skipped.
   */
  static single(root: bigint, edge: bigint): MessageId {
    return new MessageId(1, root, edge, null);
  }

  static makeId(anchorsToIds: ReadonlyMap<bigint, bigint>): MessageId {
    const copy = new Map<bigint, bigint>();
    for (const [k, v] of anchorsToIds) copy.set(BigInt.asIntN(64, BigInt(k)), BigInt.asIntN(64, BigInt(v)));
    return MessageId.owning(copy);
  }

  /** For the executor: takes `ids` (normalised, not shared) without copying. */
  static owning(ids: Map<bigint, bigint>): MessageId {
    if (ids.size === 0) return UNANCHORED;
    if (ids.size === 1) {
      for (const [k, v] of ids) return new MessageId(1, k, v, null);
    }
    return new MessageId(ids.size, 0n, 0n, ids);
  }

  /** A copy: callers may not change a delivered tuple's ids. */
  getAnchorsToIds(): Map<bigint, bigint> {
    if (this.many !== null) return new Map(this.many);
    const m = new Map<bigint, bigint>();
    if (this.n === 1) m.set(this.r0, this.v0);
    return m;
  }

  getAnchors(): Set<bigint> {
    if (this.many !== null) return new Set(this.many.keys());
    const s = new Set<bigint>();
    if (this.n === 1) s.add(this.r0);
    return s;
  }

  /** Read-only view without copying, for the acking hot path. */
  entries(): IterableIterator<[bigint, bigint]> {
    if (this.many !== null) return this.many.entries();
    const list: [bigint, bigint][] = this.n === 1 ? [[this.r0, this.v0]] : [];
    return list.values();
  }

  /** Number of roots; 0 = unanchored (nothing to ack). */
  size(): number {
    return this.n;
  }

  /** The root when {@link size} is 1 (hot paths read it without iterating). */
  soleRoot(): bigint {
    return this.r0;
  }

  /** The edge XOR when {@link size} is 1. */
  soleValue(): bigint {
    return this.v0;
  }

  /** The value for `root`, or undefined. */
  get(root: bigint): bigint | undefined {
    if (this.many !== null) return this.many.get(root);
    return this.n === 1 && this.r0 === root ? this.v0 : undefined;
  }

  equals(other: unknown): boolean {
    if (!(other instanceof MessageId) || other.n !== this.n) return false;
    for (const [k, v] of this.entries()) if (other.get(k) !== v) return false;
    return true;
  }

  toString(): string {
    return '{' + Array.from(this.entries(), ([k, v]) => `${k}=${v}`).join(', ') + '}';
  }
}

const UNANCHORED: MessageId = (() => {
  // Built through the private constructor once; shared because it is immutable.
  const Ctor = MessageId as unknown as new (n: number, r0: bigint, v0: bigint, many: null) => MessageId;
  return new Ctor(0, 0n, 0n, null);
})();
