import { describe, expect, it } from 'vitest';
import { runtimeSpecifier } from '../../transpiler/plan/index.ts';
import type { Finding } from '../../transpiler/report/types.ts';
import { addTodoMarkers, applyEdits, detectStyle, remainingCompatNames } from '../../transpiler/rewrite/index.ts';
import { compatImportOf, importedTargets } from '../../transpiler/discover.ts';

describe('rewrite helpers', () => {
  it('detects quotes, semicolons and indentation', () => {
    expect(detectStyle("import { a } from './a.ts';\nclass X {\n  m() {\n    return 1;\n  }\n}\n")).toMatchObject({
      quote: "'",
      semicolon: true,
      indent: '  ',
    });
    expect(detectStyle('import { a } from "./a.ts"\nclass X {\n    m() {\n        return 1\n    }\n}\n')).toMatchObject(
      { quote: '"', semicolon: false, indent: '    ' },
    );
  });

  it('applies edits from the end, drops edits inside a replaced range, refuses partial overlaps', () => {
    expect(
      applyEdits('abcdef', [
        { start: 1, end: 2, text: 'B', rule: 'r' },
        { start: 4, end: 5, text: 'E', rule: 'r' },
      ]),
    ).toBe('aBcdEf');
    expect(
      applyEdits('abcdef', [
        { start: 1, end: 5, text: 'X', rule: 'outer' },
        { start: 2, end: 3, text: 'Y', rule: 'inner' },
      ]),
    ).toBe('aXf');
    expect(() =>
      applyEdits('abcdef', [
        { start: 1, end: 3, text: 'X', rule: 'a' },
        { start: 2, end: 5, text: 'Y', rule: 'b' },
      ]),
    ).toThrow(/overlapping edits from rules a and b/);
  });

  it('--todo markers go above the construct, once however often the tool runs', () => {
    const finding: Finding = {
      code: 'SS306',
      rule: 'groupings',
      status: 'left',
      file: 'a.ts',
      line: 2,
      column: 3,
      construct: 'direct',
      reason: 'directGrouping(...)',
      manualStep: 'use partitionDirect',
    };
    const text = 'const b = new TopologyBuilder();\n  b.setBolt("x", new X()).directGrouping("s");\n';
    const once = addTodoMarkers(text, [finding], detectStyle(text));
    expect(once).toBe(
      'const b = new TopologyBuilder();\n  // TODO(stormshift-migrate SS306): directGrouping(...) — use partitionDirect\n  b.setBolt("x", new X()).directGrouping("s");\n',
    );
    expect(addTodoMarkers(once, [{ ...finding, line: 3 }], detectStyle(once))).toBe(once);
  });

  it('finds compat names left in an output, ignoring property names', () => {
    expect(remainingCompatNames('const v = new Values(1);\nx.Values = 1;\n', ['Values', 'Fields'])).toEqual([
      { name: 'Values', line: 1 },
    ]);
  });

  it('maps compat specifiers to the runtime, and the text gate accepts only compat imports', () => {
    expect(runtimeSpecifier('stormshift/compat')).toBe('stormshift/runtime');
    expect(runtimeSpecifier('../../compat/index.ts')).toBe('../../runtime/index.ts');
    expect(runtimeSpecifier('../compat')).toBe('../runtime');
    expect(compatImportOf('/r/src/a.ts', "import { Values } from 'stormshift/compat';", undefined)).toBe(
      'stormshift/compat',
    );
    expect(compatImportOf('/r/src/a.ts', "import { x } from '../compat/index.ts';", undefined)).toBe(
      '../compat/index.ts',
    );
    expect(
      compatImportOf('/r/src/a.ts', "import { x } from './compatibility.ts'; // compat", undefined),
    ).toBeUndefined();
  });

  it('finds the importers of a component module, however the import is spelled', () => {
    const target = '/r/src/lib/log-bolt.ts';
    const importsOf = (file: string, text: string) => importedTargets(file, text, [target]);
    expect(importsOf('/r/src/a.ts', "import { LogBolt } from './lib/log-bolt.ts';")).toEqual([target]);
    expect(importsOf('/r/src/b/c.ts', "export { LogBolt } from '../lib/log-bolt.js';")).toEqual([target]);
    expect(importsOf('/r/src/d.ts', "const m = await import('./lib/log-bolt');")).toEqual([target]);
    expect(importsOf('/r/test/e.ts', "import '../src/lib/log-bolt.ts';")).toEqual([target]);
    // A path alias is taken for an import of the module: it must not be rewritten under it.
    expect(importsOf('/r/test/f.ts', "import { LogBolt } from '@app/lib/log-bolt';")).toEqual([target]);
    expect(importsOf('/r/src/g.ts', "import { x } from './log-bolt.ts'; // log-bolt")).toEqual([]);
    expect(importsOf('/r/src/h.ts', "import { x } from './lib/log-bolt-extra.ts';")).toEqual([]);
  });
});
