/**
 * Helpers the connector rules share: reading builder chains (`X.builder(...).setY(...).build()`),
 * resolving a const the wiring names once, and turning a mapper's tuple accessors into record
 * field access. Facts in, text out; decisions stay with the rules.
 */
import { Node, SyntaxKind, type Expression, type VariableStatement } from 'ts-morph';
import { applyEdits } from '../../rewrite/edits.ts';
import { fieldAccess, type Planner, type RecordShape } from '../planner.ts';
import { identifiersIn } from '../../analyze/index.ts';

export interface ChainCall {
  name: string;
  args: Expression[];
  node: Expression;
}

/** `root.a(x).b(y)` → root and the calls in order; undefined when a link is not a method call. */
export function readChain(expr: Expression): { root: Expression; calls: ChainCall[] } {
  const calls: ChainCall[] = [];
  let node: Expression = expr;
  while (Node.isCallExpression(node)) {
    const callee = node.getExpression();
    if (!Node.isPropertyAccessExpression(callee)) break;
    calls.unshift({ name: callee.getName(), args: node.getArguments() as Expression[], node });
    node = callee.getExpression();
  }
  return { root: node, calls };
}

/**
 * An identifier bound to a `const` of this file, used nowhere else: its initializer, and the
 * statement to remove with it. Anything else is returned as is.
 */
export function resolveOnce(
  p: Planner,
  expr: Expression,
): { expr: Expression; declaration: VariableStatement | undefined } {
  if (!Node.isIdentifier(expr)) return { expr, declaration: undefined };
  const decl = expr.getSymbol()?.getDeclarations()[0];
  if (!decl || !Node.isVariableDeclaration(decl) || decl.getSourceFile() !== p.facts.sourceFile)
    return { expr, declaration: undefined };
  const statement = decl.getVariableStatement();
  const init = decl.getInitializer();
  if (!statement || !init || statement.getDeclarations().length !== 1 || statement.isExported())
    return { expr, declaration: undefined };
  if (!/\bconst\b/.test(statement.getDeclarationList().getText().slice(0, 6))) return { expr, declaration: undefined };
  const uses = decl
    .getNameNode()
    .asKindOrThrow(SyntaxKind.Identifier)
    .findReferencesAsNodes()
    .filter((n) => n.getSourceFile() === p.facts.sourceFile);
  if (uses.length !== 1) return { expr, declaration: undefined };
  return { expr: init, declaration: statement };
}

/** `Enum.MEMBER` where Enum is the compat export `enumName`. */
export function compatEnumMember(p: Planner, expr: Node | undefined, enumName: string): string | undefined {
  if (!expr || !Node.isPropertyAccessExpression(expr)) return undefined;
  if (p.facts.compatNames.get(expr.getExpression().getText()) !== enumName) return undefined;
  return expr.getName();
}

export function isCompatName(p: Planner, node: Node | undefined, name: string): boolean {
  return node !== undefined && p.facts.compatNames.get(node.getText()) === name;
}

/** Source text that can stand as an operand (identifiers, calls, literals, property access), else parenthesized. */
export function operand(text: string): string {
  return /^[\w$.'"`[\]()]+$/.test(text) && !/^\(/.test(text) ? text : `(${text})`;
}

const GETTERS: Record<string, string> = {
  getValue: 'unknown',
  getString: 'string',
  getInteger: 'number',
  getLong: 'number',
  getShort: 'number',
  getByte: 'number',
  getDouble: 'number',
  getFloat: 'number',
  getBoolean: 'boolean',
};

/**
 * The text of `node` with every `tuple.getX('f')` / `tuple.getX(i)` of the parameter `tuple`
 * replaced by field access on `record`. Returns a reason instead when the tuple is used any other
 * way, a field is not in the input, or a getter reads a field of another known type.
 */
export function tupleToRecord(
  node: Node,
  tupleName: string,
  input: RecordShape,
  record = tupleName,
): { text: string } | { reason: string } {
  const start = node.getStart();
  const edits: Array<{ start: number; end: number; text: string; rule: string }> = [];
  for (const id of identifiersIn(node)) {
    if (id.getText() !== tupleName) continue;
    const access = id.getParent();
    if (Node.isParameterDeclaration(access) && access.getNameNode() === id) continue;
    if (Node.isPropertyAccessExpression(access) && access.getNameNode() === id) continue;
    const call = access?.getParent();
    if (
      !Node.isPropertyAccessExpression(access) ||
      access.getExpression() !== id ||
      !call ||
      !Node.isCallExpression(call) ||
      call.getExpression() !== access ||
      call.getArguments().length !== 1
    )
      return { reason: `\`${(access ?? id).getText().slice(0, 60)}\` uses the tuple other than by a field getter` };
    const method = access.getName();
    const byField = method.endsWith('ByField');
    const want = GETTERS[byField ? method.slice(0, -'ByField'.length) : method];
    const arg = call.getArguments()[0]!;
    let field: string | undefined;
    if (want && byField && Node.isStringLiteral(arg)) field = arg.getLiteralValue();
    else if (want && !byField && Node.isNumericLiteral(arg)) field = input.fields[Number(arg.getLiteralValue())];
    if (!want || field === undefined || !input.fields.includes(field))
      return { reason: `\`${call.getText().slice(0, 60)}\` (input fields: ${input.fields.join(', ') || 'none'})` };
    const have = input.types.get(field) ?? 'unknown';
    let text = fieldAccess(record, field);
    if (want !== 'unknown' && have !== want) {
      if (have !== 'unknown') return { reason: `reads field '${field}' (${have}) as ${want}` };
      text = `(${text} as ${want})`;
    }
    edits.push({ start: call.getStart() - start, end: call.getEnd() - start, text, rule: 'connectors' });
  }
  return { text: applyEdits(node.getText(), edits) };
}

/** The single `return <expr>;` of a method or arrow body, if that is all it has. */
export function singleReturn(body: Node | undefined): Expression | undefined {
  if (!body) return undefined;
  if (Node.isExpression(body) && !Node.isBlock(body)) return body;
  if (!Node.isBlock(body)) return undefined;
  const statements = body.getStatements();
  if (statements.length !== 1 || !Node.isReturnStatement(statements[0]!)) return undefined;
  return statements[0]!.getExpression();
}
