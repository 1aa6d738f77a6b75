import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BatchDecoder,
  BatchEncoder,
  WIRE_BARRIER,
  WIRE_RECORD,
  WIRE_WATERMARK,
} from '../../../runtime/execution/record-codec.ts';
import { registerRecordCodec } from '../../../runtime/index.ts';

interface Item {
  kind: number;
  gate: number;
  channel: number;
  number: number;
  value: unknown;
}

/** Encodes items into one batch (starting from a deliberately tiny buffer, so it must grow) and decodes them. */
function roundTrip(items: Item[]): Item[] {
  const encoder = new BatchEncoder(new ArrayBuffer(8));
  for (const item of items) {
    if (item.kind === WIRE_RECORD) encoder.writeRecord(item.gate, item.channel, item.value, item.number);
    else encoder.writeControl(item.kind, item.gate, item.channel, item.number);
  }
  // What crosses threads is the buffer and the side array, so decode from copies of both.
  const buffer = structuredClone(encoder.buffer);
  const extras = encoder.extras === undefined ? undefined : structuredClone(encoder.extras);
  const decoder = new BatchDecoder();
  decoder.reset(buffer, encoder.pos, extras);
  const out: Item[] = [];
  while (decoder.next())
    out.push({
      kind: decoder.kind,
      gate: decoder.gate,
      channel: decoder.channel,
      number: decoder.number,
      value: decoder.value,
    });
  return out;
}

const plainValue = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.string({ unit: 'binary' }),
    fc.string({ unit: 'grapheme', maxLength: 80 }),
    fc.double(),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.constant(undefined),
    fc.bigInt(),
    fc.date({ noInvalidDate: true }),
    fc.array(tie('value'), { maxLength: 5 }),
    fc.dictionary(fc.string({ maxLength: 8 }), tie('value'), { maxKeys: 5 }),
  ),
})).value;

describe('record codec', () => {
  it('round-trips records of plain data, every control item, and whatever structured clone keeps', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            kind: fc.constantFrom(WIRE_RECORD, WIRE_RECORD, WIRE_WATERMARK, WIRE_BARRIER),
            // Few addresses, so runs of one address (sent once) and changes both occur.
            gate: fc.constantFrom(0, 1, 2 ** 32 - 1),
            channel: fc.nat({ max: 2 }),
            number: fc.oneof(fc.double(), fc.constant(-Infinity)),
            value: plainValue,
          }),
          { maxLength: 40 },
        ),
        (items) => {
          const expected = items.map((item) => (item.kind === WIRE_RECORD ? item : { ...item, value: undefined }));
          expect(roundTrip(items)).toEqual(expected);
        },
      ),
    );
  });

  it('keeps -0, NaN and large integers exactly', () => {
    const values = [
      -0,
      NaN,
      2 ** 31,
      -(2 ** 31) - 1,
      Number.MAX_SAFE_INTEGER,
      0.1,
      'ÿ€\u{1F600}',
      'x'.repeat(100) + 'é',
    ];
    const [decoded] = roundTrip([{ kind: WIRE_RECORD, gate: 1, channel: 2, number: 3, value: values }]);
    const out = decoded!.value as number[];
    expect(Object.is(out[0], -0)).toBe(true);
    expect(out.slice(1)).toEqual(values.slice(1));
    const [proto] = roundTrip([
      { kind: WIRE_RECORD, gate: 0, channel: 0, number: 0, value: JSON.parse('{"__proto__": {"polluted": 1}}') },
    ]);
    expect(Object.getPrototypeOf(proto!.value)).toBe(Object.prototype);
    expect(Object.keys(proto!.value as object)).toEqual(['__proto__']);
  });

  it('decodes repeated and distinct short strings exactly when one decoder reads many batches', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.string({ unit: 'binary-ascii', maxLength: 40 }), { maxLength: 60 }), { maxLength: 8 }),
        fc.array(fc.string({ maxLength: 6 }), { minLength: 1, maxLength: 5 }),
        (batches, repeated) => {
          const decoder = new BatchDecoder();
          for (const strings of batches) {
            const sent = strings.flatMap((s, i) => [s, repeated[i % repeated.length]!]);
            const encoder = new BatchEncoder(new ArrayBuffer(64));
            for (const s of sent) encoder.writeRecord(0, 0, s, 0);
            decoder.reset(structuredClone(encoder.buffer), encoder.pos, encoder.extras);
            const got: unknown[] = [];
            while (decoder.next()) got.push(decoder.value);
            expect(got).toEqual(sent);
          }
        },
      ),
    );
  });

  it('tells apart more same-length short strings than the decoder keeps', () => {
    const decoder = new BatchDecoder();
    const words = Array.from({ length: 6000 }, (_, i) => `w${String(i).padStart(5, '0')}`);
    for (let round = 0; round < 2; round++) {
      for (let from = 0; from < words.length; from += 500) {
        const sent = words.slice(from, from + 500);
        const encoder = new BatchEncoder(new ArrayBuffer(64));
        for (const w of sent) encoder.writeRecord(0, 0, w, 0);
        decoder.reset(encoder.buffer, encoder.pos, undefined);
        const got: unknown[] = [];
        while (decoder.next()) got.push(decoder.value);
        expect(got).toEqual(sent);
      }
    }
  });

  it('keeps bigints exactly, inside and beyond 64 bits', () => {
    const values = [0n, -1n, -(2n ** 63n), 2n ** 63n - 1n, 2n ** 63n, -(2n ** 63n) - 1n, 2n ** 100n + 7n];
    const [decoded] = roundTrip([{ kind: WIRE_RECORD, gate: 0, channel: 0, number: 0, value: values }]);
    expect(decoded!.value).toEqual(values);
  });

  it('carries built-in errors through structured clone, but not subclasses of them', () => {
    const [decoded] = roundTrip([
      { kind: WIRE_RECORD, gate: 0, channel: 0, number: 0, value: { e: new RangeError('out of range') } },
    ]);
    const e = (decoded!.value as { e: Error }).e;
    expect(e).toBeInstanceOf(RangeError);
    expect(e.message).toBe('out of range');
    class AppError extends Error {}
    expect(() => new BatchEncoder(new ArrayBuffer(64)).writeRecord(0, 0, new AppError('x'), 0)).toThrow(
      /class AppError/,
    );
  });

  it('refuses class instances, functions and symbols, leaving the batch as it was', () => {
    class Point {
      constructor(readonly x: number) {}
    }
    const encoder = new BatchEncoder(new ArrayBuffer(64));
    encoder.writeRecord(0, 0, 'kept', 1);
    const before = encoder.pos;
    expect(() => encoder.writeRecord(0, 0, { p: new Point(1) }, 2)).toThrow(/class Point.*prototype would be lost/);
    expect(() => encoder.writeRecord(0, 0, [1, () => 1], 2)).toThrow(/function/);
    expect(() => encoder.writeRecord(0, 0, new Map([['k', new Point(2)]]), 2)).toThrow(/class Point/);
    expect(() => encoder.writeRecord(0, 0, Symbol('s'), 2)).toThrow(/symbol/);
    expect(encoder.pos).toBe(before);
    expect(encoder.items).toBe(1);
    expect(encoder.extras ?? []).toEqual([]);
  });

  it('rebuilds instances of a class with a registered codec', () => {
    class Money {
      constructor(
        readonly cents: number,
        readonly currency: string,
      ) {}
    }
    registerRecordCodec(
      Money,
      { encode: (m) => [m.cents, m.currency], decode: (d) => new Money(...(d as [number, string])) },
      'test.Money',
    );
    const [decoded] = roundTrip([
      { kind: WIRE_RECORD, gate: 0, channel: 0, number: 0, value: { price: new Money(250, 'EUR') } },
    ]);
    const price = (decoded!.value as { price: Money }).price;
    expect(price).toBeInstanceOf(Money);
    expect(price).toEqual(new Money(250, 'EUR'));
  });

  it('rebuilds every instance of a batch, also after a refused record and in the next batch', () => {
    class Tagged {
      constructor(readonly tag: string) {}
    }
    class Fragile {
      constructor(readonly ok: boolean) {}
    }
    registerRecordCodec(Tagged, { encode: (t) => t.tag, decode: (d) => new Tagged(d as string) }, 'test.Tagged');
    registerRecordCodec(
      Fragile,
      {
        encode: (f) => {
          if (!f.ok) throw new Error('cannot encode');
          return 1;
        },
        decode: () => new Fragile(true),
      },
      'test.Fragile',
    );
    const encoder = new BatchEncoder(new ArrayBuffer(16));
    const decode = (): unknown[] => {
      const decoder = new BatchDecoder();
      decoder.reset(structuredClone(encoder.buffer), encoder.pos, encoder.extras);
      const out: unknown[] = [];
      while (decoder.next()) out.push(decoder.value);
      return out;
    };
    // The refused record names Tagged first; the records after it must not rely on that.
    expect(() => encoder.writeRecord(0, 0, [new Tagged('lost'), new Fragile(false)], 0)).toThrow(/cannot encode/);
    encoder.writeRecord(0, 0, new Fragile(true), 0);
    encoder.writeRecord(0, 0, [new Tagged('a'), new Tagged('b')], 0);
    encoder.writeRecord(0, 0, new Tagged('c'), 0);
    expect(decode()).toStrictEqual([new Fragile(true), [new Tagged('a'), new Tagged('b')], new Tagged('c')]);
    encoder.reset(new ArrayBuffer(16));
    encoder.writeRecord(0, 0, new Tagged('d'), 0);
    expect(decode()).toStrictEqual([new Tagged('d')]);
  });
});
