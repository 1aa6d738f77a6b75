/**
 * Descendant searches over the compiler's nodes that wrap only what they return. ts-morph's
 * `getDescendantsOfKind` walks token kinds (identifiers) through `getChildren`, which scans every
 * token and parses comments into nodes of each node it passes, and wraps every match; on a
 * 2,000-file run those walks and the wrappers they create (and later forget) were a fifth of the
 * planning time.
 */
import { type Identifier, type KindToNodeMappings, type Node, ts } from 'ts-morph';

interface Wrapping {
  _getNodeFromCompilerNode(node: ts.Node): Node;
}

/**
 * Pushes the descendants of `node` that pass `test`, in the order `getDescendantsOfKind` yields them:
 * pre-order, a node's JSDoc before its children (as `getChildren` puts it). Syntax lists, tokens
 * and ts-morph's comment nodes are left out: none of them is an identifier or any other node kind
 * searched for here.
 */
function collect(node: ts.Node, test: (node: ts.Node) => boolean, found: ts.Node[]): void {
  const jsDoc = (node as { jsDoc?: ts.Node[] }).jsDoc;
  if (jsDoc) for (const doc of jsDoc) collectFrom(doc, test, found);
  // An anonymous callback: tsx names every named closure it creates (a cost per call).
  node.forEachChild((child) => {
    collectFrom(child, test, found);
  });
}

function collectFrom(node: ts.Node, test: (node: ts.Node) => boolean, found: ts.Node[]): void {
  if (test(node)) found.push(node);
  collect(node, test, found);
}

/** The descendants of `node` of one kind, as `node.getDescendantsOfKind(kind)` returns them. */
export function descendantsOfKind<K extends ts.SyntaxKind>(node: Node, kind: K): KindToNodeMappings[K][] {
  return descendantsWhere<KindToNodeMappings[K]>(node, (c) => c.kind === kind);
}

/** The descendants for which `test` holds on the compiler node; only those are wrapped. */
export function descendantsWhere<T extends Node>(node: Node, test: (compilerNode: ts.Node) => boolean): T[] {
  const found: ts.Node[] = [];
  collect(node.compilerNode, test, found);
  const wrapping = node as unknown as Wrapping;
  return found.map((c) => wrapping._getNodeFromCompilerNode(c) as T);
}

/** `this.x` on the compiler node. */
export function isThisMember(node: ts.Node): boolean {
  return ts.isPropertyAccessExpression(node) && node.expression.kind === ts.SyntaxKind.ThisKeyword;
}

/** `a.b(...)` on the compiler node: a call whose callee is a property access. */
export function isMemberCall(node: ts.Node): boolean {
  return ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression);
}

/** The identifiers under `node` (`getDescendantsOfKind(SyntaxKind.Identifier)`). */
export function identifiersIn(node: Node): Identifier[] {
  return descendantsOfKind(node, ts.SyntaxKind.Identifier);
}
