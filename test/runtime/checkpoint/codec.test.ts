import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeSnapshot, encodeSnapshot, SNAPSHOT_HEADER_BYTES } from '../../../runtime/checkpoint/codec.ts';
import { CheckpointError } from '../../../runtime/errors.ts';

function errorOf(fn: () => unknown): CheckpointError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(CheckpointError);
    return e as CheckpointError;
  }
  throw new Error('expected a CheckpointError');
}

describe('snapshot codec', () => {
  it('round-trips the values keyed state holds, including ones JSON loses', () => {
    const value = {
      map: new Map<unknown, unknown>([
        ['a', 1],
        [2, [3n]],
      ]),
      set: new Set(['x', 'y']),
      date: new Date(1_700_000_000_000),
      big: 2n ** 70n,
      bytes: new Uint8Array([1, 2, 3]),
      missing: undefined,
      nested: { list: [1, 'two', null] },
    };
    expect(decodeSnapshot(encodeSnapshot(value))).toEqual(value);
  });

  it('round-trips arbitrary structured data', () => {
    fc.assert(
      fc.property(
        fc.anything({ withBigInt: true, withDate: true, withMap: true, withSet: true, withTypedArray: true }),
        (v) => {
          expect(decodeSnapshot(encodeSnapshot(v))).toEqual(v);
        },
      ),
    );
  });

  it('names the path and the problem for a file that is not a snapshot', () => {
    const e = errorOf(() => decodeSnapshot(Buffer.from('{"id": 3}'), '/ckpt/chk-000000003.snap'));
    expect(e.path).toBe('/ckpt/chk-000000003.snap');
    expect(e.message).toContain('/ckpt/chk-000000003.snap');
    expect(e.message).toMatch(/bad magic/);
    expect(e.retriable).toBe(false);
  });

  it('detects truncation', () => {
    const buf = encodeSnapshot({ a: 'x'.repeat(100) });
    expect(errorOf(() => decodeSnapshot(buf.subarray(0, buf.length - 1), 'p')).message).toMatch(/truncated/);
    expect(errorOf(() => decodeSnapshot(buf.subarray(0, 20), 'p')).message).toMatch(/truncated/);
    expect(errorOf(() => decodeSnapshot(Buffer.alloc(0), 'p')).message).toMatch(/truncated/);
  });

  it('detects a flipped payload byte as a checksum mismatch', () => {
    const buf = Buffer.from(encodeSnapshot({ count: 42 }));
    buf[buf.length - 2]! ^= 0x01;
    expect(errorOf(() => decodeSnapshot(buf, 'p')).message).toMatch(/checksum mismatch/);
  });

  it('refuses a format version it does not know', () => {
    const buf = Buffer.from(encodeSnapshot(1));
    buf.writeUInt16BE(99, 8);
    expect(errorOf(() => decodeSnapshot(buf, 'p')).message).toMatch(/unsupported format version 99/);
  });

  it('never returns a wrong value when any byte is changed', () => {
    fc.assert(
      fc.property(
        fc.anything({ withMap: true, withBigInt: true }),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        (value, at, xor) => {
          const buf = Buffer.from(encodeSnapshot(value));
          const i = at % buf.length;
          buf[i] = buf[i]! ^ xor;
          expect(() => decodeSnapshot(buf, 'x')).toThrow(CheckpointError);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('refuses state it cannot serialize with a CheckpointError', () => {
    expect(() => encodeSnapshot({ handler: () => 1 })).toThrow(CheckpointError);
  });

  it('rejects appended bytes', () => {
    const buf = encodeSnapshot([1, 2, 3]);
    expect(() => decodeSnapshot(Buffer.concat([buf, Buffer.from([0])]))).toThrow(/trailing bytes/);
    expect(buf.length).toBeGreaterThan(SNAPSHOT_HEADER_BYTES);
  });
});
