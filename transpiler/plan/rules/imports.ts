/**
 * imports: the compat imports are replaced by one import of the runtime names the rewrite uses,
 * from `stormshift/runtime` or the matching relative path to runtime/index.ts.
 */
import type { Planner, RuleInfo } from '../planner.ts';

export const rule: RuleInfo = {
  name: 'imports',
  description: 'Compat imports become runtime imports.',
  codes: {
    SS801: { status: 'converted', title: 'compat import replaced by the runtime import' },
  },
};

const NAME = rule.name;

export function runtimeSpecifier(compat: string): string {
  if (compat === 'stormshift/compat') return 'stormshift/runtime';
  return compat.replace(
    /compat(\/index(\.ts|\.js)?)?$/,
    (_m, index: string | undefined, ext: string | undefined) => `runtime${index ? `/index${ext ?? ''}` : ''}`,
  );
}

export function planImports(p: Planner): void {
  const decls = p.facts.compatImports;
  if (decls.length === 0) return;
  const values = [...p.runtimeImports].filter((n) => !n.startsWith('type ')).sort((a, b) => a.localeCompare(b));
  const types = [...p.runtimeImports]
    .filter((n) => n.startsWith('type '))
    .sort((a, b) => a.slice(5).localeCompare(b.slice(5)));
  const names = [...values, ...types];
  const spec = runtimeSpecifier(p.facts.compatSpecifier);
  const first = decls[0]!;
  const multiline = first.getText().includes('\n');
  const single = `import { ${names.join(', ')} } from '${spec}';`;
  const text =
    multiline || single.length > 120
      ? `import {\n${names.map((n) => `${p.style.indent}${n},`).join('\n')}\n} from '${spec}';`
      : single;
  p.edits.replace(first, p.styled(text), NAME);
  for (const d of decls.slice(1)) p.edits.remove(d, NAME);
  p.finding(NAME, 'SS801', 'converted', first, p.facts.compatSpecifier, `→ ${spec}`);
}
