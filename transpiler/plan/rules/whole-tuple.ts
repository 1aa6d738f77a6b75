/**
 * whole-tuple: uses of the input tuple as a whole that have a provable record counterpart. The
 * input record has the upstream's declared fields in declaration order, so `tuple.getValues()`
 * is those fields in that order and `tuple.size()` their number; emitting `tuple.getValues()` on
 * under the same output fields is the record itself. A tuple turned into text is the one change
 * in behaviour: the record prints as JSON, where Storm printed source, stream, message id and
 * values (reported as partial). Anything else (the tuple passed to a helper, stored, compared)
 * stays SS205 and leaves the file.
 */
import { Node, type Identifier } from 'ts-morph';
import type { ComponentClass } from '../../analyze/index.ts';
import { fieldAccess, propertyName, type Planner, type RecordShape, type RuleInfo } from '../planner.ts';

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
  if (input.fields.length === 0) return false;
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
