import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MessageReader, frame } from '../../../compat/index.ts';

describe('multilang framing (§11)', () => {
  it('frames JSON then a line "end"', () => {
    expect(frame({ command: 'next', id: '' })).toBe('{"command":"next","id":""}\nend\n');
    expect(frame([3, 7])).toBe('[3,7]\nend\n');
  });

  it('reads messages split anywhere across chunks, multi-line JSON and CRLF included', () => {
    const messages = [{ command: 'emit', tuple: ['a\nb', 1] }, [1, 2], { pid: 42 }];
    const text = messages.map((m) => frame(m)).join('') + '{\r\n"command":\r\n"sync"}\r\nend\r\n';
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: text.length - 1 }), { maxLength: 8 }), (cuts) => {
        const points = [...new Set(cuts)].sort((a, b) => a - b);
        const reader = new MessageReader();
        const out: unknown[] = [];
        let prev = 0;
        for (const p of [...points, text.length]) {
          out.push(...reader.push(Buffer.from(text.slice(prev, p))));
          prev = p;
        }
        expect(out).toEqual([...messages, { command: 'sync' }]);
        expect(reader.pending()).toBe('');
      }),
    );
  });

  it('keeps a UTF-8 character split between chunks whole', () => {
    const bytes = Buffer.from(frame({ command: 'log', msg: 'naïve — ✓' }));
    const reader = new MessageReader();
    const out = [...reader.push(bytes.subarray(0, 27)), ...reader.push(bytes.subarray(27))];
    expect(out).toEqual([{ command: 'log', msg: 'naïve — ✓' }]);
  });

  it('a line that is not JSON is an error quoting the bytes', () => {
    const reader = new MessageReader();
    expect(() => reader.push('hello from print\nend\n')).toThrow(
      /malformed multilang message \(.*\): "hello from print"/,
    );
  });

  it('reports what was read of an unterminated message', () => {
    const reader = new MessageReader();
    reader.push('{"command":\n"emi');
    expect(reader.pending()).toBe('{"command":\n"emi');
  });
});
