/**
 * whole-tuple: uses of the input tuple as a whole that have a provable record counterpart. The
 * input record has the upstream's declared fields in declaration order, so `tuple.getValues()`
 * is those fields in that order and `tuple.size()` their number; emitting `tuple.getValues()` on
 * under the same output fields is the record itself. A tuple turned into text is the one change
 * in behaviour: the record prints as JSON, where Storm printed source, stream, message id and
 * values (reported as partial). Anything else (the tuple passed to a helper, stored, compared)
 * stays SS205 and leaves the file.
 */
import { Node, SyntaxKind, type Identifier } from 'ts-morph';
import type { ComponentClass } from '../../analyze/index.ts';
import { fieldAccess, propertyName, type Planner, type RecordShape, type RuleInfo } from '../planner.ts';
import { identifiersIn } from '../../analyze/index.ts';

export const rule: RuleInfo = {
  name: 'whole-tuple',
  description:
    'tuple.getValues()/size() become the input record’s fields in declared order; printing the tuple prints the record.',
  codes: {
    SS220: {
      status: 'partial',
      title:
        'the tuple turned into text (String(tuple), a template, toString()) now prints the record as JSON; Storm printed source, stream, message id and values',
      manualStep: 'change the format by hand if something reads the printed lines',
    },
    SS222: {
      status: 'partial',
      title:
        "the tuple passed to a function of this file that only reads its values (getValues()): the function takes the values array (readonly unknown[]) and the call passes the record's fields in declared order",
      manualStep: 'callers outside this file must pass the values array instead of a Tuple',
    },
    SS221: {
      status: 'converted',
      title:
        'tuple.getValues()/size() → the input record’s fields in declared order; emitting them on under the same fields → the record',
    },
  },
};

const NAME = rule.name;

/** Emit arguments that are `tuple.getValues()` (possibly cast): the record they stand for. */
const EMITTED = new WeakMap<Node, { fields: string[]; text: string }>();

function outermost(node: Node): Node {
  let n = node;
  for (let parent = n.getParent(); parent; parent = n.getParent()) {
    if (Node.isAsExpression(parent) || Node.isParenthesizedExpression(parent) || Node.isNonNullExpression(parent))
      n = parent;
    else break;
  }
  return n;
}

/** Rewrites one whole use of the tuple `id` when provable; false leaves it to SS205. */
export function wholeTupleUse(p: Planner, comp: ComponentClass, id: Identifier, input: RecordShape): boolean {
  const name = id.getText();
  const parent = id.getParent();
  const asText = `JSON.stringify(${name})`;
  const printed = (node: Node, how: string): true => {
    p.edits.replace(node, asText, NAME);
    p.finding(
      NAME,
      'SS220',
      'partial',
      node,
      comp.name,
      `\`${how}\` prints the record as JSON`,
      rule.codes.SS220!.manualStep,
    );
    return true;
  };
  if (!parent) return false;
  if (
    Node.isCallExpression(parent) &&
    parent.getExpression().getText() === 'String' &&
    parent.getArguments().length === 1
  )
    return printed(parent, parent.getText());
  if (Node.isTemplateSpan(parent) && parent.getExpression() === id) return printed(id, `\${${name}}`);
  if (Node.isCallExpression(parent) && parent.getArguments().includes(id)) return valuesArgument(p, id, input);
  const call = parent.getParent();
  if (
    !Node.isPropertyAccessExpression(parent) ||
    parent.getExpression() !== id ||
    !call ||
    !Node.isCallExpression(call) ||
    call.getExpression() !== parent ||
    call.getArguments().length !== 0
  )
    return false;
  const method = parent.getName();
  if (method === 'toString') return printed(call, call.getText());
  if (input.fields.length === 0 || input.narrowed) return false;
  if (method === 'size') {
    p.edits.replace(call, String(input.fields.length), NAME);
  } else if (method === 'getValues') {
    p.edits.replace(call, `[${input.fields.map((f) => fieldAccess(name, f)).join(', ')}]`, NAME);
    EMITTED.set(outermost(call), {
      fields: input.fields,
      text: `{ ${input.fields.map((f) => (f === name ? f : `${propertyName(f)}: ${fieldAccess(name, f)}`)).join(', ')} }`,
    });
  } else return false;
  p.finding(
    NAME,
    'SS221',
    'converted',
    call,
    comp.name,
    `\`${call.getText()}\` → the record's fields (${input.fields.join(', ')})`,
  );
  return true;
}

/** The record an emit argument stands for when it is `tuple.getValues()` and the output fields are the input's. */
export function emittedWhole(values: Node, fields: string[]): string | undefined {
  const whole = EMITTED.get(values);
  return whole && whole.fields.join('\0') === fields.join('\0') ? whole.text : undefined;
}

function unwrap(node: Node): Node {
  let n = node;
  while (Node.isAsExpression(n) || Node.isParenthesizedExpression(n) || Node.isNonNullExpression(n))
    n = n.getExpression();
  return n;
}

/**
 * The output shape of a bolt that only passes its input on (every emit is `tuple.getValues()`,
 * no `new Values`) under the input's field names: the input's field types, which the declared
 * fields alone do not give.
 */
export function passThroughTypes(comp: ComponentClass, input: RecordShape, output: RecordShape): RecordShape {
  if (input.narrowed || output.fields.join('\0') !== input.fields.join('\0')) return output;
  const cls = comp.decl;
  if (cls.getDescendantsOfKind(SyntaxKind.NewExpression).some((n) => n.getExpression().getText() === 'Values'))
    return output;
  const emits = cls
    .getDescendantsOfKind(SyntaxKind.CallExpression)
    .filter((c) => /\.emit$/.test(c.getExpression().getText()));
  const passes = (c: import('ts-morph').CallExpression): boolean => {
    const last = c.getArguments().at(-1);
    const inner = last && unwrap(last);
    return (
      inner !== undefined &&
      Node.isCallExpression(inner) &&
      inner.getArguments().length === 0 &&
      /\.getValues$/.test(inner.getExpression().getText())
    );
  };
  if (emits.length === 0 || !emits.every(passes)) return output;
  return { fields: output.fields, types: new Map(input.types) };
}

/** Functions whose Tuple parameter already became a values array (one edit per declaration). */
const VALUES_PARAMS = new WeakSet<Node>();

/**
 * `f(tuple)` where `f` is a function or method declared in this file whose parameter is typed
 * Tuple and read only as `param.getValues()`: the parameter becomes `readonly unknown[]` (its
 * `getValues()` reads the array itself) and the call passes the record's fields in declared order,
 * which is what getValues() returned.
 */
function valuesArgument(p: Planner, id: Identifier, input: RecordShape): boolean {
  if (input.fields.length === 0 || input.narrowed) return false;
  const call = id.getParentIfKind(SyntaxKind.CallExpression);
  if (!call) return false;
  const index = call.getArguments().indexOf(id);
  const decl = call.getExpression().getSymbol()?.getDeclarations()[0];
  if (
    !decl ||
    decl.getSourceFile() !== id.getSourceFile() ||
    !(Node.isMethodDeclaration(decl) || Node.isFunctionDeclaration(decl)) ||
    !decl.getBody()
  )
    return false;
  const param = decl.getParameters()[index];
  if (!param || param.isRestParameter() || param.getTypeNode()?.getText() !== 'Tuple') return false;
  const symbol = param.getNameNode().getSymbol();
  const reads = identifiersIn(decl).filter(
    (u) => u !== param.getNameNode() && u.getText() === param.getName() && u.getSymbol() === symbol,
  );
  const getValues = reads.map((u) => {
    const access = u.getParentIfKind(SyntaxKind.PropertyAccessExpression);
    const inner = access?.getParentIfKind(SyntaxKind.CallExpression);
    return access?.getName() === 'getValues' && inner?.getExpression() === access && inner.getArguments().length === 0
      ? inner
      : undefined;
  });
  if (getValues.some((g) => g === undefined)) return false;
  if (!VALUES_PARAMS.has(decl)) {
    VALUES_PARAMS.add(decl);
    p.edits.replace(param.getTypeNode()!, 'readonly unknown[]', NAME);
    for (const g of getValues) p.edits.replace(g!, param.getName(), NAME);
    const name = Node.isMethodDeclaration(decl)
      ? `${decl.getParentIfKind(SyntaxKind.ClassDeclaration)?.getName() ?? ''}.${decl.getName()}`
      : decl.getName();
    p.finding(
      NAME,
      'SS222',
      'partial',
      param,
      name ?? '<function>',
      `${name}(${param.getName()}) reads only ${param.getName()}.getValues(): it takes the values array now`,
      rule.codes.SS222!.manualStep,
    );
  }
  p.edits.replace(id, `[${input.fields.map((f) => fieldAccess(id.getText(), f)).join(', ')}]`, NAME);
  return true;
}
