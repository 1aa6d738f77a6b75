/**
 * exceptions: Storm's Java exceptions thrown by user code (argument checks in helper classes, most
 * often) become stormshift's one error hierarchy, which compat's exceptions already sit on:
 * `new IllegalArgumentException(msg)` → `new StormshiftError('STORM_RUNTIME_EXCEPTION', msg,
 * { retriable: true })`, the code and retriable flag compat gave it. The class name (`err.name`)
 * is the one difference, reported. A use other than `new X(message)` (instanceof, a catch by
 * class, a subclass, a cause argument) keeps the compat name, and the file is left (SS006).
 */
import { Node } from 'ts-morph';
import type { Planner, RuleInfo } from '../planner.ts';
import { identifiersIn } from '../../analyze/index.ts';

export const rule: RuleInfo = {
  name: 'exceptions',
  description: "Storm's Java exceptions constructed by user code become StormshiftError.",
  codes: {
    SS230: {
      status: 'converted',
      title:
        "new IllegalArgumentException(msg) (and the other Storm runtime exceptions) → new StormshiftError('STORM_RUNTIME_EXCEPTION', msg, { retriable: true }): same code and retriable flag; err.name is now StormshiftError",
      manualStep: 'check code that matches errors by name',
    },
  },
};

const NAME = rule.name;
const RUNTIME_EXCEPTIONS = new Set([
  'RuntimeException',
  'IllegalArgumentException',
  'IllegalStateException',
  'UnsupportedOperationException',
]);

export function planExceptions(p: Planner): void {
  const locals = new Map<string, string>();
  for (const [local, exported] of p.facts.compatNames)
    if (RUNTIME_EXCEPTIONS.has(exported)) locals.set(local, exported);
  if (locals.size === 0) return;
  let converted = 0;
  let first: Node | undefined;
  for (const id of identifiersIn(p.facts.sourceFile)) {
    if (!locals.has(id.getText())) continue;
    const created = id.getParent();
    if (!created || !Node.isNewExpression(created) || created.getExpression() !== id) continue;
    const args = created.getArguments();
    if (args.length > 1) continue;
    const message = args[0];
    const type = message?.getType();
    if (type && !type.isString() && !type.isStringLiteral() && !type.isTemplateLiteral()) continue;
    p.edits.replace(
      created,
      `new StormshiftError('STORM_RUNTIME_EXCEPTION', ${message ? p.edits.textOf(message) : "''"}, { retriable: true })`,
      NAME,
    );
    converted++;
    first ??= created;
  }
  if (!first) return;
  p.runtimeImports.add('StormshiftError');
  p.finding(
    NAME,
    'SS230',
    'converted',
    first,
    [...new Set(locals.values())].join(', '),
    `${converted} construction(s) → StormshiftError (code STORM_RUNTIME_EXCEPTION, retriable)`,
    rule.codes.SS230!.manualStep,
  );
}
