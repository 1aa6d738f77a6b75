import { IllegalArgumentException } from './exceptions.ts';

/** An ordered list of field names with O(1) index lookup (§6). Immutable once built. */
export class Fields implements Iterable<string> {
  private readonly fields: readonly string[];
  private readonly index: ReadonlyMap<string, number>;

  constructor(...fields: string[]);
  constructor(fields: readonly string[]);
  constructor(...args: unknown[]) {
    const list = (args.length === 1 && Array.isArray(args[0]) ? args[0] : args) as unknown[];
    const copy: string[] = [];
    const index = new Map<string, number>();
    for (let i = 0; i < list.length; i++) {
      const f = list[i];
      if (typeof f !== 'string') {
        throw new TypeError(`Fields: field ${i} is ${f === null ? 'null' : typeof f}, expected string`);
      }
      if (index.has(f)) throw new IllegalArgumentException(`duplicate field '${f}'`);
      index.set(f, i);
      copy.push(f);
    }
    this.fields = Object.freeze(copy);
    this.index = index;
  }

  /** The values of `selector`'s fields, picked out of a tuple laid out like this `Fields`. */
  select(selector: Fields, tuple: readonly unknown[]): unknown[] {
    const out = new Array<unknown>(selector.size());
    for (let i = 0; i < selector.fields.length; i++) out[i] = tuple[this.fieldIndex(selector.fields[i]!)];
    return out;
  }

  toList(): string[] {
    return this.fields.slice();
  }

  size(): number {
    return this.fields.length;
  }

  get(index: number): string {
    const f = this.fields[index];
    if (f === undefined || !Number.isInteger(index)) {
      throw new RangeError(`Index ${index} out of bounds for length ${this.fields.length}`);
    }
    return f;
  }

  fieldIndex(field: string): number {
    const i = this.index.get(field);
    if (i === undefined) throw new IllegalArgumentException(`${field} does not exist`);
    return i;
  }

  contains(field: string): boolean {
    return this.index.has(field);
  }

  [Symbol.iterator](): Iterator<string> {
    return this.fields[Symbol.iterator]();
  }

  equals(other: unknown): boolean {
    if (this === other) return true;
    if (!(other instanceof Fields) || other.fields.length !== this.fields.length) return false;
    return this.fields.every((f, i) => other.fields[i] === f);
  }

  toString(): string {
    return '[' + this.fields.join(', ') + ']';
  }

  toJSON(): string[] {
    return this.fields.slice();
  }
}
