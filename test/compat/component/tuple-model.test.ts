import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { IllegalArgumentException } from '../../../compat/component/exceptions.ts';
import { Fields } from '../../../compat/component/fields.ts';
import { GlobalStreamId, GlobalStreamIdMap } from '../../../compat/component/global-stream-id.ts';
import { MessageId } from '../../../compat/component/message-id.ts';
import { TupleImpl, type TupleSchemaSource } from '../../../compat/component/tuple.ts';
import { Values } from '../../../compat/component/values.ts';

describe('Fields', () => {
  it('accepts varargs or a list and keeps order', () => {
    expect(new Fields('a', 'b').toList()).toEqual(['a', 'b']);
    expect(new Fields(['a', 'b']).equals(new Fields('a', 'b'))).toBe(true);
    expect(new Fields('b', 'a').equals(new Fields('a', 'b'))).toBe(false);
    expect([...new Fields('x', 'y')]).toEqual(['x', 'y']);
    expect(new Fields('a', 'b').toString()).toBe('[a, b]');
    expect(new Fields().size()).toBe(0);
  });

  it("rejects duplicates with Storm's message", () => {
    expect(() => new Fields('a', 'b', 'a')).toThrow(new IllegalArgumentException("duplicate field 'a'"));
    expect(() => new Fields('a', 'a')).toThrow(IllegalArgumentException);
  });

  it('fieldIndex / select / contains / get', () => {
    const f = new Fields('word', 'count');
    expect(f.fieldIndex('count')).toBe(1);
    expect(f.contains('word')).toBe(true);
    expect(f.contains('nope')).toBe(false);
    expect(f.get(0)).toBe('word');
    expect(f.select(new Fields('count'), ['w', 3])).toEqual([3]);
    expect(() => f.fieldIndex('nope')).toThrow('nope does not exist');
    expect(() => f.select(new Fields('nope'), ['w', 3])).toThrow('nope does not exist');
    expect(() => f.get(2)).toThrow(RangeError);
  });

  it('toList returns a copy', () => {
    const f = new Fields('a');
    f.toList().push('b');
    expect(f.size()).toBe(1);
  });
});

describe('Values (R3)', () => {
  it('one numeric argument is an element, not a length', () => {
    const v = new Values(3);
    expect(v).toEqual([3]);
    expect(v.length).toBe(1);
    expect(Array.isArray(v)).toBe(true);
    expect(new Values()).toEqual([]);
  });

  it('is never sparse, whatever the arguments', () => {
    fc.assert(
      fc.property(fc.array(fc.anything()), (items) => {
        const v = new Values(...items);
        if (v.length !== items.length) return false;
        for (let i = 0; i < items.length; i++) if (!(i in v) || !Object.is(v[i], items[i])) return false;
        return true;
      }),
    );
  });

  it('derived arrays are plain Arrays (Symbol.species)', () => {
    const v = new Values(1, 2, 3);
    const m = v.map((x) => (x as number) * 2);
    expect(m).toEqual([2, 4, 6]);
    expect(Object.getPrototypeOf(v.filter(() => true))).toBe(Array.prototype);
    // Values are plain arrays (see values.ts for why), so any array passes `instanceof Values`.
    expect(v).toBeInstanceOf(Values);
    expect(v).toBeInstanceOf(Array);
    expect(v).toEqual([1, 2, 3]);
  });
});

describe('MessageId', () => {
  it('unanchored has no anchors', () => {
    const m = MessageId.makeUnanchored();
    expect(m.getAnchors().size).toBe(0);
    expect(m.toString()).toBe('{}');
  });

  it('root ids are signed 64-bit bigints', () => {
    const m = MessageId.makeRootId(2n ** 63n, 5n);
    expect([...m.getAnchorsToIds()]).toEqual([[-(2n ** 63n), 5n]]);
    fc.assert(
      fc.property(fc.constant(null), () => {
        const id = MessageId.generateId();
        return typeof id === 'bigint' && id >= -(2n ** 63n) && id < 2n ** 63n;
      }),
      { numRuns: 50 },
    );
    expect(MessageId.generateId({ nextLong: () => 7n })).toBe(7n);
    expect(MessageId.generateId(() => 2n ** 64n - 1n)).toBe(-1n);
  });

  it('makeId copies, equals compares by value, getters return copies', () => {
    const src = new Map([[1n, 2n]]);
    const m = MessageId.makeId(src);
    src.set(3n, 4n);
    expect(m.getAnchors()).toEqual(new Set([1n]));
    expect(m.equals(MessageId.makeRootId(1n, 2n))).toBe(true);
    m.getAnchorsToIds().set(9n, 9n);
    expect(m.getAnchors().size).toBe(1);
    expect(m.toString()).toBe('{1=2}');
  });
});

describe('GlobalStreamId', () => {
  it('has value equality and Thrift accessors', () => {
    const a = new GlobalStreamId('split', 'default');
    expect(a.get_componentId()).toBe('split');
    expect(a.get_streamId()).toBe('default');
    expect(a.equals(new GlobalStreamId('split', 'default'))).toBe(true);
    expect(a.equals(new GlobalStreamId('split', 'other'))).toBe(false);
  });

  it('GlobalStreamIdMap compares keys by value and is a real Map', () => {
    const m = new GlobalStreamIdMap<number>();
    m.set(new GlobalStreamId('a', 's'), 1);
    m.set(new GlobalStreamId('a', 's'), 2);
    expect(m.size).toBe(1);
    expect(m.get(new GlobalStreamId('a', 's'))).toBe(2);
    expect(m.has(new GlobalStreamId('a', 'x'))).toBe(false);
    expect(m).toBeInstanceOf(Map);
    // "a:b"+"c" and "a"+"b:c" must not collide.
    m.set(new GlobalStreamId('a:b', 'c'), 3);
    expect(m.get(new GlobalStreamId('a', 'b:c'))).toBeUndefined();
    expect(m.delete(new GlobalStreamId('a', 's'))).toBe(true);
    expect(m.size).toBe(1);
    const copy = new GlobalStreamIdMap(m);
    expect(copy.get(new GlobalStreamId('a:b', 'c'))).toBe(3);
  });
});

const schema = (fields: Record<string, string[]>): TupleSchemaSource => ({
  getComponentOutputFields(c: string, s: string): Fields {
    const f = fields[`${c}:${s}`];
    if (!f) throw new IllegalArgumentException(`No output fields defined for component:stream ${c}:${s}`);
    return new Fields(f);
  },
});

describe('TupleImpl (§6, R4)', () => {
  const ctx = schema({ 'split:default': ['word', 'count', 'ok', 'bin', 'ratio'] });
  const make = (values: unknown[]) => new TupleImpl(ctx, values, 'split', 7, 'default', MessageId.makeRootId(1n, 2n));

  it('exposes source, stream, fields and frozen values', () => {
    const src = ['w', 3, true, new Uint8Array([1]), 0.5];
    const t = make(src);
    expect(t.getSourceComponent()).toBe('split');
    expect(t.getSourceTask()).toBe(7);
    expect(t.getSourceStreamId()).toBe('default');
    expect(t.getSourceGlobalStreamId().equals(new GlobalStreamId('split', 'default'))).toBe(true);
    expect(t.getFields().toList()).toEqual(['word', 'count', 'ok', 'bin', 'ratio']);
    expect(t.size()).toBe(5);
    expect(Object.isFrozen(t.getValues())).toBe(true);
    src[0] = 'changed';
    expect(t.getValue(0)).toBe('w');
    expect(t.select(new Fields('count', 'word'))).toEqual([3, 'w']);
    expect(t.contains('ok')).toBe(true);
    expect(t.fieldIndex('ratio')).toBe(4);
    expect(t.equals(make(['w', 3, true, new Uint8Array([1]), 0.5]))).toBe(false);
  });

  it('typed getters accept the R4 types', () => {
    const t = make(['w', 5n, false, Buffer.from('x'), 3]);
    expect(t.getString(0)).toBe('w');
    expect(t.getLong(1)).toBe(5);
    expect(t.getInteger(1)).toBe(5);
    expect(t.getShortByField('count')).toBe(5);
    expect(t.getByteByField('count')).toBe(5);
    expect(t.getBoolean(2)).toBe(false);
    expect(t.getBinaryByField('bin')).toBeInstanceOf(Uint8Array);
    expect(t.getDouble(4)).toBe(3);
    expect(t.getFloat(1)).toBe(5);
    expect(t.getBigInt(4)).toBe(3n);
    expect(t.getBigIntByField('count')).toBe(5n);
    expect(t.getDoubleByField('ratio')).toBe(3);
  });

  it('stored null/undefined makes every getter return null', () => {
    const t = make([null, undefined, null, null, undefined]);
    expect(t.getString(0)).toBeNull();
    expect(t.getLong(1)).toBeNull();
    expect(t.getBooleanByField('ok')).toBeNull();
    expect(t.getBinary(3)).toBeNull();
    expect(t.getDouble(4)).toBeNull();
    expect(t.getBigInt(1)).toBeNull();
  });

  it('type mismatch throws TypeError in the contract format', () => {
    const t = make([1, 'seven', 'x', 'y', 'z']);
    expect(() => t.getLong(1)).toThrow(
      new TypeError("getLong: field 'count' (index 1) of split:default is string, expected integer number or bigint"),
    );
    expect(() => t.getLongByField('count')).toThrow(
      "getLongByField: field 'count' (index 1) of split:default is string, expected integer number or bigint",
    );
    expect(() => t.getString(0)).toThrow(
      "getString: field 'word' (index 0) of split:default is number, expected string",
    );
    expect(() => t.getDouble(4)).toThrow(
      "getDouble: field 'ratio' (index 4) of split:default is string, expected number or bigint",
    );
    expect(() => t.getBinary(3)).toThrow(
      "getBinary: field 'bin' (index 3) of split:default is string, expected Uint8Array",
    );
    expect(() => make(['w', 1.5, true, null, 0]).getInteger(1)).toThrow(TypeError);
    expect(() => make(['w', 2n ** 60n, true, null, 0]).getLong(1)).toThrow(TypeError);
  });

  it('unknown field and bad index', () => {
    const t = make(['w', 1, true, null, 0]);
    expect(() => t.getValueByField('nope')).toThrow(new IllegalArgumentException('nope does not exist'));
    expect(() => t.getValue(5)).toThrow(new RangeError('Index 5 out of bounds for length 5'));
  });

  it('checks the field count', () => {
    expect(() => new TupleImpl(ctx, ['w'], 'split', 1, 'default')).toThrow(
      new IllegalArgumentException('Tuple created with wrong number of fields. Expected 5 fields but got 1 fields'),
    );
  });

  it("toString matches Storm's format", () => {
    const t = new TupleImpl(
      schema({ 's:default': ['a', 'b'] }),
      ['x', 2],
      's',
      3,
      'default',
      MessageId.makeRootId(10n, 20n),
    );
    expect(t.toString()).toBe('source: s:3, stream: default, id: {10=20}, [x, 2]');
  });
});
