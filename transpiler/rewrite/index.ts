/**
 * rewrite: applies a file's plan to its original text (minimal edits: every untouched byte
 * survives), then checks the result no longer names anything from compat. `--todo` markers go on
 * the line before each construct left for a person.
 */
import { ts } from 'ts-morph';
import type { Finding } from '../report/types.ts';
import { applyEdits } from './edits.ts';
import type { Style } from './style.ts';

export { applyEdits, EditSet, removalRange, type Edit } from './edits.ts';
export { detectStyle, styled, type Style } from './style.ts';

/** Names from `compatNames` still referenced in `text` (not as property names), with their line. */
export function remainingCompatNames(
  text: string,
  compatNames: Iterable<string>,
): Array<{ name: string; line: number }> {
  const names = new Set(compatNames);
  // Most rewritten files no longer mention any compat name at all: skip the second full parse then.
  const words = [...names].map((n) => n.replace(/[$]/g, '\\$&'));
  if (words.length === 0 || !new RegExp(`(?<![\\w$])(?:${words.join('|')})(?![\\w$])`).test(text)) return [];
  const source = ts.createSourceFile('out.ts', text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const found: Array<{ name: string; line: number }> = [];
  const visit = (node: ts.Node): void => {
    if (ts.isIdentifier(node) && names.has(node.text)) {
      const parent = node.parent;
      const isPropertyName =
        (ts.isPropertyAccessExpression(parent) && parent.name === node) ||
        (ts.isPropertyAssignment(parent) && parent.name === node) ||
        (ts.isMethodDeclaration(parent) && parent.name === node) ||
        (ts.isPropertyDeclaration(parent) && parent.name === node);
      if (!isPropertyName)
        found.push({ name: node.text, line: source.getLineAndCharacterOfPosition(node.getStart()).line + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

export const TODO_TAG = 'TODO(stormshift-migrate';

export function addTodoMarkers(text: string, findings: readonly Finding[], style: Style): string {
  const lines = text.split('\n');
  const byLine = new Map<number, Finding[]>();
  for (const f of findings)
    if (f.status === 'left' || f.status === 'partial') byLine.set(f.line, [...(byLine.get(f.line) ?? []), f]);
  for (const line of [...byLine.keys()].sort((a, b) => b - a)) {
    const target = lines[line - 1];
    if (target === undefined) continue;
    const indent = /^[ \t]*/.exec(target)![0];
    const markers = byLine
      .get(line)!
      .filter((f) => !(lines[line - 2] ?? '').includes(`${TODO_TAG} ${f.code})`))
      .map(
        (f) =>
          `${indent}// ${TODO_TAG} ${f.code}): ${f.reason}${f.manualStep ? ` — ${f.manualStep}` : ''}${style.newline === '\r\n' ? '\r' : ''}`,
      );
    lines.splice(line - 1, 0, ...markers);
  }
  return lines.join('\n');
}

export function rewriteText(text: string, edits: Parameters<typeof applyEdits>[1]): string {
  return applyEdits(text, edits);
}
