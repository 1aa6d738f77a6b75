import { describe, expect, it } from 'vitest';
import { parseProperties, substitute } from '../../../compat/index.ts';

describe('Flux property files and substitution', () => {
  it('reads Java .properties: =, :, whitespace separators, comments, continuations, escapes', () => {
    const props = parseProperties(
      '# comment\n! also\nkafka.bootstrap.hosts: localhost:9092\na=1\nb 2\nlong = one \\\n    two\nesc=tab\\there\n\n',
    );
    expect(props).toEqual({
      'kafka.bootstrap.hosts': 'localhost:9092',
      a: '1',
      b: '2',
      long: 'one two',
      esc: 'tab\there',
    });
  });

  it('replaces ${key}, ${list[i]} and, with the env filter only, ${ENV-NAME}; leaves unknown ones with a warning', () => {
    const warnings: string[] = [];
    const props = { host: 'h', hosts: '["a", "b"]' };
    const text = 'x: ${host}\ny: ${hosts[1]}\nz: ${ENV-HOME_X}\nw: ${missing}\n';
    expect(substitute(text, props, { envFilter: true, env: { HOME_X: '/x' }, warn: (m) => warnings.push(m) })).toBe(
      'x: h\ny: b\nz: /x\nw: ${missing}\n',
    );
    expect(warnings).toEqual(['Could not find replacement for property: missing']);
    expect(substitute('z: ${ENV-HOME_X}', props, { env: { HOME_X: '/x' } })).toBe('z: ${ENV-HOME_X}');
  });
});
