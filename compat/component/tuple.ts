import { IllegalArgumentException } from './exceptions.ts';
import type { Fields } from './fields.ts';
import { GlobalStreamId } from './global-stream-id.ts';
import { javaToString } from './java-format.ts';
import { MessageId } from './message-id.ts';
import { hiOf, loOf, pairToBigInt } from './id64.ts';

/** What a tuple needs from its context: the declared fields of its source stream. */
export interface TupleSchemaSource {
  getComponentOutputFields(componentId: string, streamId: string): Fields;
}

/**
 * Storm's `Tuple` (§6). Typed getters check the JS type (R4); a stored null/undefined makes them
 * return null although the signatures omit `| null`, as Java's boxed getters do.
 */
export interface Tuple {
  size(): number;
  contains(field: string): boolean;
  getFields(): Fields;
  fieldIndex(field: string): number;
  select(selector: Fields): unknown[];
  getValues(): readonly unknown[];
  getValue(i: number): unknown;
  getString(i: number): string;
  getInteger(i: number): number;
  getLong(i: number): number;
  getShort(i: number): number;
  getByte(i: number): number;
  getDouble(i: number): number;
  getFloat(i: number): number;
  getBoolean(i: number): boolean;
  getBinary(i: number): Uint8Array;
  getBigInt(i: number): bigint;
  getValueByField(field: string): unknown;
  getStringByField(field: string): string;
  getIntegerByField(field: string): number;
  getLongByField(field: string): number;
  getShortByField(field: string): number;
  getByteByField(field: string): number;
  getDoubleByField(field: string): number;
  getFloatByField(field: string): number;
  getBooleanByField(field: string): boolean;
  getBinaryByField(field: string): Uint8Array;
  getBigIntByField(field: string): bigint;
  getSourceGlobalStreamId(): GlobalStreamId;
  getSourceComponent(): string;
  getSourceTask(): number;
  getSourceStreamId(): string;
  getMessageId(): MessageId;
  getContext(): TupleSchemaSource;
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * @internal What every tuple one task sends on one stream shares. The executor builds one per
 * output edge and its tuples point at it, instead of each carrying five fields of its own.
 */
export class TupleOrigin {
  constructor(
    readonly context: TupleSchemaSource,
    readonly srcComponent: string,
    readonly taskId: number,
    readonly streamId: string,
    readonly fields: Fields,
    /** The executor's side-output tag of the edge (one class for every origin keeps tuple reads monomorphic). */
    readonly tag: string = '',
  ) {}
}

/** Tuple fields check: thrown by every emit path and by `TupleImpl` (§3.5). */
export function checkFieldCount(expected: number, got: number): void {
  if (expected !== got) {
    throw new IllegalArgumentException(
      `Tuple created with wrong number of fields. Expected ${expected} fields but got ${got} fields`,
    );
  }
}

export class TupleImpl implements Tuple {
  private readonly values: readonly unknown[];
  private readonly origin: TupleOrigin;
  /** null while the ids are the single pair below (executor-built tuples skip the MessageId object). */
  private id: MessageId | null;
  private soleIdRoot = 0n;
  // The sole edge and outAckVal as int32 halves (see id64.ts): no bigint per tuple or per XOR.
  private soleEdgeHi = 0;
  private soleEdgeLo = 0;
  /**
   * XOR of the edge ids this tuple's emits created (§7 step 3). Mutable bookkeeping for the acker,
   * not user-visible state; `updateAckVal`/`getAckVal` mirror Storm's TupleImpl.
   */
  private outAckHi = 0;
  private outAckLo = 0;

  /**
   * `values` is shallow-copied and frozen (§3.5): element objects stay shared, the list cannot
   * change after emit. Throws the wrong-field-count error like Storm's sanity check, always.
   */
  constructor(
    /** @internal A {@link TupleOrigin} (executor only) stands for the context, source and fields. */
    context: TupleSchemaSource | TupleOrigin,
    values: readonly unknown[],
    srcComponent: string,
    taskId: number,
    streamId: string,
    id: MessageId = MessageId.makeUnanchored(),
    /**
     * @internal Executor only: the stream's fields it already resolved from `context` (one lookup
     * per stream, not per tuple). Passing them also hands over `values` as the executor's own
     * unshared copy, which is then frozen on first exposure instead of copied again.
     */
    fields?: Fields,
  ) {
    this.id = id;
    // An origin comes from the executor with the emit's own copy of the values, like `fields`.
    const own = fields !== undefined || context instanceof TupleOrigin;
    this.origin =
      context instanceof TupleOrigin
        ? context
        : new TupleOrigin(
            context,
            srcComponent,
            taskId,
            streamId,
            fields ?? context.getComponentOutputFields(srcComponent, streamId),
          );
    checkFieldCount(this.origin.fields.size(), values.length);
    // An emit copies once and shares the copy across targets (the executor passes `fields` with
    // it, and the copy is frozen on first exposure, see getValues); only copy foreign lists.
    this.values =
      own || (Object.isFrozen(values) && Object.getPrototypeOf(values) === Array.prototype)
        ? values
        : copyFrozen(values);
  }

  /**
   * @internal For the executor: this tuple's ids are `{root → edge}`; the MessageId is built only
   * if someone asks for it.
   */
  protected useSoleId(root: bigint, edge: bigint): void {
    this.useSolePair(root, hiOf(edge), loOf(edge));
  }

  /** @internal {@link useSoleId} with the edge as int32 halves. */
  protected useSolePair(root: bigint, edgeHi: number, edgeLo: number): void {
    this.id = null;
    this.soleIdRoot = root;
    this.soleEdgeHi = edgeHi;
    this.soleEdgeLo = edgeLo;
  }

  /** @internal Acking hot path: number of roots, without building the MessageId. */
  rootCount(): number {
    return this.id === null ? 1 : this.id.size();
  }

  /** @internal The root when {@link rootCount} is 1. */
  soleRoot(): bigint {
    return this.id === null ? this.soleIdRoot : this.id.soleRoot();
  }

  /** @internal The edge XOR when {@link rootCount} is 1. */
  soleValue(): bigint {
    return this.id === null ? pairToBigInt(this.soleEdgeHi, this.soleEdgeLo) : this.id.soleValue();
  }

  /** @internal High half of `soleValue() ^ getAckVal()`: what acking this tuple sends for its sole root. */
  soleAckHi(): number {
    return (this.id === null ? this.soleEdgeHi : hiOf(this.id.soleValue())) ^ this.outAckHi;
  }

  /** @internal Low half of `soleValue() ^ getAckVal()`. */
  soleAckLo(): number {
    return (this.id === null ? this.soleEdgeLo : loOf(this.id.soleValue())) ^ this.outAckLo;
  }

  updateAckVal(val: bigint): void {
    this.updateAckPair(hiOf(val), loOf(val));
  }

  /** @internal {@link updateAckVal} with the edge as int32 halves. */
  updateAckPair(hi: number, lo: number): void {
    this.outAckHi ^= hi;
    this.outAckLo ^= lo;
  }

  getAckVal(): bigint {
    return pairToBigInt(this.outAckHi, this.outAckLo);
  }

  size(): number {
    return this.values.length;
  }

  contains(field: string): boolean {
    return this.origin.fields.contains(field);
  }

  getFields(): Fields {
    return this.origin.fields;
  }

  fieldIndex(field: string): number {
    return this.origin.fields.fieldIndex(field);
  }

  select(selector: Fields): unknown[] {
    return this.origin.fields.select(selector, this.values);
  }

  getValues(): readonly unknown[] {
    const v = this.values;
    return Object.isFrozen(v) ? v : Object.freeze(v);
  }

  getValue(i: number): unknown {
    return this.at(i);
  }

  getString(i: number): string {
    return this.typed('getString', i, this.at(i), 'string') as string;
  }
  getInteger(i: number): number {
    return this.integer('getInteger', i, this.at(i));
  }
  getLong(i: number): number {
    return this.integer('getLong', i, this.at(i));
  }
  getShort(i: number): number {
    return this.integer('getShort', i, this.at(i));
  }
  getByte(i: number): number {
    return this.integer('getByte', i, this.at(i));
  }
  getDouble(i: number): number {
    return this.floating('getDouble', i, this.at(i));
  }
  getFloat(i: number): number {
    return this.floating('getFloat', i, this.at(i));
  }
  getBoolean(i: number): boolean {
    return this.typed('getBoolean', i, this.at(i), 'boolean') as boolean;
  }
  getBinary(i: number): Uint8Array {
    return this.binary('getBinary', i, this.at(i));
  }
  getBigInt(i: number): bigint {
    return this.bigint('getBigInt', i, this.at(i));
  }

  getValueByField(field: string): unknown {
    return this.values[this.fieldIndex(field)];
  }
  getStringByField(field: string): string {
    const i = this.fieldIndex(field);
    return this.typed('getStringByField', i, this.values[i], 'string') as string;
  }
  getIntegerByField(field: string): number {
    const i = this.fieldIndex(field);
    return this.integer('getIntegerByField', i, this.values[i]);
  }
  getLongByField(field: string): number {
    const i = this.fieldIndex(field);
    return this.integer('getLongByField', i, this.values[i]);
  }
  getShortByField(field: string): number {
    const i = this.fieldIndex(field);
    return this.integer('getShortByField', i, this.values[i]);
  }
  getByteByField(field: string): number {
    const i = this.fieldIndex(field);
    return this.integer('getByteByField', i, this.values[i]);
  }
  getDoubleByField(field: string): number {
    const i = this.fieldIndex(field);
    return this.floating('getDoubleByField', i, this.values[i]);
  }
  getFloatByField(field: string): number {
    const i = this.fieldIndex(field);
    return this.floating('getFloatByField', i, this.values[i]);
  }
  getBooleanByField(field: string): boolean {
    const i = this.fieldIndex(field);
    return this.typed('getBooleanByField', i, this.values[i], 'boolean') as boolean;
  }
  getBinaryByField(field: string): Uint8Array {
    const i = this.fieldIndex(field);
    return this.binary('getBinaryByField', i, this.values[i]);
  }
  getBigIntByField(field: string): bigint {
    const i = this.fieldIndex(field);
    return this.bigint('getBigIntByField', i, this.values[i]);
  }

  getSourceGlobalStreamId(): GlobalStreamId {
    return new GlobalStreamId(this.origin.srcComponent, this.origin.streamId);
  }
  getSourceComponent(): string {
    return this.origin.srcComponent;
  }
  getSourceTask(): number {
    return this.origin.taskId;
  }
  getSourceStreamId(): string {
    return this.origin.streamId;
  }
  getMessageId(): MessageId {
    return (this.id ??= MessageId.single(this.soleIdRoot, pairToBigInt(this.soleEdgeHi, this.soleEdgeLo)));
  }
  getContext(): TupleSchemaSource {
    return this.origin.context;
  }

  /** Identity, as in Storm (two emits of equal values are different tuples). */
  equals(other: unknown): boolean {
    return this === other;
  }

  toString(): string {
    return (
      `source: ${this.origin.srcComponent}:${this.origin.taskId}, stream: ${this.origin.streamId}, id: ${this.getMessageId().toString()}, ` +
      javaToString(this.values)
    );
  }

  private at(i: number): unknown {
    if (!Number.isInteger(i) || i < 0 || i >= this.values.length) {
      throw new RangeError(`Index ${i} out of bounds for length ${this.values.length}`);
    }
    return this.values[i];
  }

  private mismatch(accessor: string, i: number, actual: string, expected: string): TypeError {
    const name = i < this.origin.fields.size() ? this.origin.fields.get(i) : String(i);
    return new TypeError(
      `${accessor}: field '${name}' (index ${i}) of ${this.origin.srcComponent}:${this.origin.streamId} is ${actual}, expected ${expected}`,
    );
  }

  private typed(accessor: string, i: number, v: unknown, type: 'string' | 'boolean'): unknown {
    if (v === null || v === undefined) return null;
    if (typeof v !== type) throw this.mismatch(accessor, i, jsType(v), type);
    return v;
  }

  private integer(accessor: string, i: number, v: unknown): number {
    if (v === null || v === undefined) return null as unknown as number;
    if (typeof v === 'number') {
      if (Number.isInteger(v)) return v;
      throw this.mismatch(accessor, i, `non-integer number ${v}`, 'integer number or bigint');
    }
    if (typeof v === 'bigint') {
      if (v <= MAX_SAFE && v >= -MAX_SAFE) return Number(v);
      throw this.mismatch(accessor, i, 'bigint outside ±(2^53−1)', 'integer number or bigint');
    }
    throw this.mismatch(accessor, i, jsType(v), 'integer number or bigint');
  }

  private floating(accessor: string, i: number, v: unknown): number {
    if (v === null || v === undefined) return null as unknown as number;
    if (typeof v === 'number') return v;
    if (typeof v === 'bigint') return Number(v);
    throw this.mismatch(accessor, i, jsType(v), 'number or bigint');
  }

  private binary(accessor: string, i: number, v: unknown): Uint8Array {
    if (v === null || v === undefined) return null as unknown as Uint8Array;
    if (v instanceof Uint8Array) return v;
    throw this.mismatch(accessor, i, jsType(v), 'Uint8Array');
  }

  private bigint(accessor: string, i: number, v: unknown): bigint {
    if (v === null || v === undefined) return null as unknown as bigint;
    if (typeof v === 'bigint') return v;
    if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
    if (typeof v === 'number') throw this.mismatch(accessor, i, `non-integer number ${v}`, 'integer number or bigint');
    throw this.mismatch(accessor, i, jsType(v), 'integer number or bigint');
  }
}

function copyFrozen(values: readonly unknown[]): readonly unknown[] {
  const copy = new Array<unknown>(values.length);
  for (let i = 0; i < values.length; i++) copy[i] = values[i];
  return Object.freeze(copy);
}

/** The JS type named in getter errors: typeof, with null and arrays told apart. */
function jsType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (v instanceof Uint8Array) return 'Uint8Array';
  return typeof v;
}
