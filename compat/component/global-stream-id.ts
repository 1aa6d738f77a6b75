/**
 * A (component, stream) pair with value equality (§6). JS `Map` compares object keys by
 * identity, so maps keyed by it use `GlobalStreamIdMap`, which compares by value (R3).
 */
export class GlobalStreamId {
  readonly componentId: string;
  readonly streamId: string;

  constructor(componentId: string, streamId: string) {
    this.componentId = componentId;
    this.streamId = streamId;
    Object.freeze(this);
  }

  get_componentId(): string {
    return this.componentId;
  }

  get_streamId(): string {
    return this.streamId;
  }

  equals(other: unknown): boolean {
    return (
      other instanceof GlobalStreamId && other.componentId === this.componentId && other.streamId === this.streamId
    );
  }

  /** A string unique per (component, stream); the length prefix keeps "a:b"+"c" ≠ "a"+"b:c". */
  key(): string {
    return streamKey(this.componentId, this.streamId);
  }

  toString(): string {
    return `GlobalStreamId(componentId:${this.componentId}, streamId:${this.streamId})`;
  }
}

export function streamKey(componentId: string, streamId: string): string {
  return `${componentId.length}:${componentId}${streamId}`;
}

function keyOf(k: unknown): string | undefined {
  if (k instanceof GlobalStreamId) return k.key();
  // Accept structurally equal objects (another copy of the class, a test fake).
  if (k !== null && typeof k === 'object') {
    const o = k as { get_componentId?: unknown; get_streamId?: unknown };
    if (typeof o.get_componentId === 'function' && typeof o.get_streamId === 'function') {
      return streamKey(String(o.get_componentId()), String(o.get_streamId()));
    }
  }
  return undefined;
}

/**
 * A real `Map<GlobalStreamId, V>` whose keys compare by value: `get(new GlobalStreamId("a",
 * "default"))` finds an entry set with another instance. The first key object inserted for a
 * value is the one iteration yields.
 */
export class GlobalStreamIdMap<V> extends Map<GlobalStreamId, V> {
  // Lazily created: Map's constructor calls `set` before subclass fields are initialised.
  private canon?: Map<string, GlobalStreamId>;

  constructor(entries?: Iterable<readonly [GlobalStreamId, V]> | null) {
    super();
    if (entries) for (const [k, v] of entries) this.set(k, v);
  }

  private canonical(k: unknown): GlobalStreamId | undefined {
    const key = keyOf(k);
    return key === undefined ? undefined : this.canon?.get(key);
  }

  override get(k: GlobalStreamId): V | undefined {
    const c = this.canonical(k);
    return c === undefined ? undefined : super.get(c);
  }

  override has(k: GlobalStreamId): boolean {
    return this.canonical(k) !== undefined;
  }

  override set(k: GlobalStreamId, v: V): this {
    const key = keyOf(k);
    if (key === undefined) throw new TypeError('GlobalStreamIdMap keys must be GlobalStreamId');
    this.canon ??= new Map();
    let c = this.canon.get(key);
    if (c === undefined) {
      if (!(k instanceof GlobalStreamId)) {
        const o = k as { get_componentId(): string; get_streamId(): string };
        c = new GlobalStreamId(String(o.get_componentId()), String(o.get_streamId()));
      } else {
        c = k;
      }
      this.canon.set(key, c);
    }
    super.set(c, v);
    return this;
  }

  override delete(k: GlobalStreamId): boolean {
    const key = keyOf(k);
    const c = key === undefined ? undefined : this.canon?.get(key);
    if (c === undefined) return false;
    this.canon!.delete(key!);
    return super.delete(c);
  }

  override clear(): void {
    this.canon?.clear();
    super.clear();
  }
}
