/**
 * Helper methods of a bolt that `execute` (or its tick branch) calls: a helper that emits through
 * the collector field, or calls one that does, gets the native collector as a last parameter and
 * every call passes it on; a helper parameter that only ever receives the input tuple becomes the
 * input record (its accessors turn into field access like execute's; for an abstract hook of a
 * template base, the subclasses' implementations are typed by bolt-function's template rule).
 * Provable only for private methods (or abstract hooks) called directly as `this.name(...)` from
 * execute or from other such helpers: a method
 * that escapes (passed as a value, called from prepare/cleanup/the constructor, overridable) keeps
 * the bolt left (SS208/SS205).
 */
import {
  Node,
  SyntaxKind,
  type CallExpression,
  type MethodDeclaration,
  type ParameterDeclaration,
  type PropertyAccessExpression,
} from 'ts-morph';
import type { ComponentClass } from '../../analyze/index.ts';
import type { Planner } from '../planner.ts';
import { descendantsWhere, identifiersIn, isThisMember } from '../../analyze/index.ts';

export interface HelperPlan {
  /** Helpers that take the collector as their new last parameter. */
  withCollector: Set<MethodDeclaration>;
  /** Helper parameters that receive only the input tuple (their type becomes the input record). */
  tupleParams: ParameterDeclaration[];
  /** `this.helper(...)` with the collector appended, for a call in text another rule moves (the tick branch). */
  callText(call: CallExpression): string | undefined;
}

const LIFECYCLE = new Set(['execute', 'prepare', 'cleanup', 'declareOutputFields', 'getComponentConfiguration']);

/** `this.name(...)` calling a method of this class: the method, else undefined. */
function calledHelper(call: CallExpression, helpers: Map<string, MethodDeclaration>): MethodDeclaration | undefined {
  const callee = call.getExpression();
  if (!Node.isPropertyAccessExpression(callee) || callee.getExpression().getKind() !== SyntaxKind.ThisKeyword)
    return undefined;
  return helpers.get(callee.getName());
}

/**
 * Plans the helpers of `comp`. `usesCollector(m)` says whether a method's own body touches the
 * collector; `block` reports a helper that cannot be rewritten safely (it does not return).
 */
export function planHelpers(
  p: Planner,
  comp: ComponentClass,
  execute: MethodDeclaration,
  tupleName: string,
  collectorName: string,
  collectorType: string,
  usesCollector: (m: MethodDeclaration) => boolean,
  block: (node: Node, reason: string) => never,
): HelperPlan {
  const cls = comp.decl;
  const helpers = new Map<string, MethodDeclaration>();
  // Abstract hooks count too: a template base bolt hands the tuple to what its subclasses implement.
  for (const m of cls.getInstanceMethods())
    if (!LIFECYCLE.has(m.getName()) && (m.getBody() || m.isAbstract())) helpers.set(m.getName(), m);
  // Every reference to a helper must be a direct call from execute or another helper.
  const callers = new Map<MethodDeclaration, MethodDeclaration[]>();
  const calls: CallExpression[] = [];
  for (const access of descendantsWhere<PropertyAccessExpression>(cls, isThisMember)) {
    const target = helpers.get(access.getName());
    if (!target || access.getExpression().getKind() !== SyntaxKind.ThisKeyword) continue;
    const call = access.getParent();
    const from = access.getFirstAncestorByKind(SyntaxKind.MethodDeclaration);
    const direct = call && Node.isCallExpression(call) && call.getExpression() === access;
    const list = callers.get(target) ?? [];
    if (direct && from) list.push(from);
    else list.push(undefined as never);
    callers.set(target, list);
    if (direct) calls.push(call);
  }
  const withCollector = new Set<MethodDeclaration>();
  for (const m of helpers.values()) if (usesCollector(m)) withCollector.add(m);
  // Callers of a collector-using helper need the collector too.
  for (let grew = true; grew; ) {
    grew = false;
    for (const m of [...withCollector]) {
      for (const from of callers.get(m) ?? []) {
        if (from && from !== execute && helpers.get(from.getName()) === from && !withCollector.has(from)) {
          withCollector.add(from);
          grew = true;
        }
      }
    }
  }
  const provable = (m: MethodDeclaration, what: string): void => {
    if (!m.hasModifier(SyntaxKind.PrivateKeyword) && !(m.isAbstract() && !withCollector.has(m)))
      block(m, `${what} ${m.getName()} is not private (a subclass or caller outside the class could reach it)`);
    if (m.isStatic()) block(m, `${what} ${m.getName()} is static`);
    for (const from of callers.get(m) ?? []) {
      if (!from || (from !== execute && !withCollector.has(from) && !tupleHelpers.has(from)))
        block(m, `${what} ${m.getName()} is referenced other than by a call from execute or a helper it calls`);
    }
  };
  const tupleHelpers = new Set<MethodDeclaration>();
  const tupleParams: ParameterDeclaration[] = [];
  // A helper parameter fed the tuple: every call passes execute's tuple at that position.
  for (const m of helpers.values()) {
    m.getParameters().forEach((param, i) => {
      if (param.getTypeNode()?.getText() !== 'Tuple') return;
      const sites = calls.filter((c) => calledHelper(c, helpers) === m);
      const fed =
        sites.length > 0 &&
        sites.every((c) => {
          const arg = c.getArguments()[i];
          return (
            arg !== undefined &&
            Node.isIdentifier(arg) &&
            arg.getText() === tupleName &&
            c.getFirstAncestorByKind(SyntaxKind.MethodDeclaration) === execute
          );
        });
      if (!fed) return;
      tupleParams.push(param);
      tupleHelpers.add(m);
    });
  }
  for (const m of withCollector) {
    provable(m, 'helper');
    if (
      m.getParameters().some((x) => x.getName() === collectorName) ||
      identifiersIn(m).some((id) => {
        const parent = id.getParent();
        const member = Node.isPropertyAccessExpression(parent) && parent.getNameNode() === id;
        return id.getText() === collectorName && !member;
      })
    )
      block(m, `helper ${m.getName()} already has a name '${collectorName}' (the collector's)`);
  }
  for (const m of tupleHelpers) provable(m, 'helper');

  const edits = p.edits;
  for (const m of withCollector) {
    const params = m.getParameters();
    const close = m
      .getSourceFile()
      .getFullText()
      .indexOf(')', params.at(-1)?.getEnd() ?? m.getNameNode().getEnd());
    edits.insert(close, `${params.length ? ', ' : ''}${collectorName}: ${collectorType}`, 'bolt-function');
  }
  const callText = (call: CallExpression): string | undefined => {
    const target = calledHelper(call, helpers);
    if (!target || !withCollector.has(target)) return undefined;
    const args = call.getArguments().map((a) => edits.textOf(a));
    return `${call.getExpression().getText()}(${[...args, collectorName].join(', ')})`;
  };
  for (const call of calls) {
    const target = calledHelper(call, helpers);
    if (!target || !withCollector.has(target)) continue;
    const args = call.getArguments();
    const close = call.getEnd() - 1;
    edits.insert(close, `${args.length ? ', ' : ''}${collectorName}`, 'bolt-function');
  }
  return { withCollector, tupleParams, callText };
}
