/**
 * spout → source. `nextTuple` becomes the body of a source reader's poll; the spout's own instance
 * fields are its position and go into the checkpoint, so a restored source replays exactly.
 * Message ids and the pending/ack/fail replay machinery are removed (checkpoints replace them) and
 * reported; `Utils.sleep` idling becomes source idling.
 */
import {
  Node,
  SyntaxKind,
  type CallExpression,
  type ClassDeclaration,
  type MethodDeclaration,
  type NewExpression,
  type Statement,
} from 'ts-morph';
import type { ComponentClass } from '../../analyze/index.ts';
import {
  fieldAccess,
  propertyName,
  isNewValues,
  recordType,
  thisMembers,
  type Planner,
  type RecordShape,
  type RuleInfo,
} from '../planner.ts';
import { emitRecord } from './bolt-function.ts';
import { descendantsWhere, identifiersIn, isMemberCall } from '../../analyze/index.ts';

export const rule: RuleInfo = {
  name: 'spout-source',
  description: 'Spouts become native source readers whose instance fields are checkpointed.',
  codes: {
    SS101: {
      status: 'converted',
      title: 'spout converted to a source reader; its instance fields are the checkpointed position',
    },
    SS102: {
      status: 'converted',
      title: 'message ids, pending maps and ack/fail replay removed: checkpoints replay instead',
    },
    SS103: { status: 'converted', title: 'Utils.sleep idling in nextTuple became source idling (idleBackoffMs)' },
    SS104: {
      status: 'left',
      title: 'spout emits on a named stream or directly',
      manualStep: 'split the stream into side outputs by hand',
    },
    SS105: {
      status: 'left',
      title: 'open() does more than keep the collector',
      manualStep: 'move the set-up into the source reader constructor or start()',
    },
    SS106: { status: 'converted', title: 'TestWordSpout became a generator source with the same words and pace' },
    SS107: {
      status: 'left',
      title: 'library spout without a native mapping here',
      manualStep: 'replace it with the matching native connector (e.g. kafkaSource)',
    },
    SS108: {
      status: 'left',
      title: 'nextTuple shape not understood (async, replay bookkeeping nested in control flow, sleeps elsewhere)',
      manualStep: 'write the source reader by hand',
    },
  },
};

const NAME = rule.name;

/** Shape of what a spout class emits on its default stream. */
export function shapeFromEmits(
  p: Planner,
  cls: ClassDeclaration,
  fields: string[],
  skip: readonly Node[] = [],
): RecordShape {
  const types = new Map<string, Set<string>>();
  for (const call of descendantsWhere<NewExpression>(cls, isNewValues)) {
    if (call.getExpression().getText() !== 'Values') continue;
    if (skip.some((s) => s.getStart() <= call.getStart() && call.getEnd() <= s.getEnd())) continue;
    const args = call.getArguments();
    if (args.length !== fields.length) continue;
    args.forEach((a, i) => {
      const set = types.get(fields[i]!) ?? new Set<string>();
      for (const t of p.typeText(a as never).split(' | ')) set.add(t);
      types.set(fields[i]!, set);
    });
  }
  const out = new Map<string, string>();
  for (const f of fields) {
    const set = types.get(f);
    out.set(f, set && !set.has('unknown') ? [...set].sort().join(' | ') : 'unknown');
  }
  return { fields, types: out };
}

function removeStatementsTouching(
  p: Planner,
  method: MethodDeclaration,
  replayFields: Set<string>,
  comp: ComponentClass,
): Statement[] {
  const body = method.getBody();
  if (!body || !Node.isBlock(body)) return [];
  const tainted = new Set<string>();
  const removed: Statement[] = [];
  const touches = (s: Node): boolean =>
    thisMembers(s).some((m) => replayFields.has((m as never as { getName(): string }).getName())) ||
    identifiersIn(s).some((id) => tainted.has(id.getText()) && !Node.isPropertyAccessExpression(id.getParent()!));
  for (const statement of body.getStatements()) {
    if (!touches(statement)) continue;
    if (Node.isVariableStatement(statement)) for (const d of statement.getDeclarations()) tainted.add(d.getName());
    else if (!Node.isIfStatement(statement) && !Node.isExpressionStatement(statement)) {
      p.block(
        NAME,
        'SS108',
        statement,
        comp.name,
        'replay bookkeeping inside a loop or other control flow',
        'remove the replay logic by hand',
      );
    }
    removed.push(statement);
  }
  return removed;
}

export interface SpoutPlan {
  recordType: string;
  shape: RecordShape;
}

export function convertSpout(p: Planner, comp: ComponentClass): SpoutPlan {
  const cls = comp.decl;
  const edits = p.edits;
  if (comp.compatBase !== 'BaseRichSpout' || comp.viaUserClass) {
    p.block(
      NAME,
      'SS108',
      cls,
      comp.name,
      `spouts deriving from ${comp.viaUserClass ? 'a user class' : comp.compatBase} are not converted`,
      'write the source reader by hand',
    );
  }
  if (comp.namedStreams.length)
    p.block(
      NAME,
      'SS104',
      cls,
      comp.name,
      `declares streams ${comp.namedStreams.join(', ')}`,
      rule.codes.SS104!.manualStep!,
    );
  const next = cls.getInstanceMethod('nextTuple');
  if (!next || next.isAsync())
    p.block(
      NAME,
      'SS108',
      next ?? cls,
      comp.name,
      next ? 'nextTuple is async' : 'no nextTuple method',
      rule.codes.SS108!.manualStep!,
    );
  if (!comp.outputFields)
    p.block(
      NAME,
      'SS108',
      comp.decl,
      comp.name,
      'declareOutputFields does not declare literal field names',
      'declare the fields with new Fields(...) literals',
    );

  // The collector: the field open() stores it in.
  const open = cls.getInstanceMethod('open');
  let collectorField: string | undefined;
  if (open) {
    const collectorParam = open.getParameters()[2]?.getName();
    const statements = open.getStatements();
    for (const s of statements) {
      const m = /^this\.(\w+)\s*=\s*(\w+);?$/.exec(s.getText());
      if (m && m[2] === collectorParam) collectorField = m[1];
      else
        p.block(
          NAME,
          'SS105',
          s,
          comp.name,
          `open() runs \`${s.getText().slice(0, 60)}\``,
          rule.codes.SS105!.manualStep!,
        );
    }
    edits.remove(open, NAME);
  }
  if (!collectorField)
    p.block(
      NAME,
      'SS105',
      cls,
      comp.name,
      'the collector is not kept in a field by open()',
      rule.codes.SS105!.manualStep!,
    );

  // Replay machinery: fields that ack/fail touch.
  const replayFields = new Set<string>();
  const removedMethods: string[] = [];
  for (const name of ['ack', 'fail']) {
    const m = cls.getInstanceMethod(name);
    if (!m) continue;
    for (const access of thisMembers(m)) replayFields.add((access as never as { getName(): string }).getName());
    edits.remove(m, NAME);
    removedMethods.push(name);
  }
  replayFields.delete(collectorField!);
  const removedStatements = removeStatementsTouching(p, next!, replayFields, comp);
  const removedSet = new Set<Node>(removedStatements);
  const shape = shapeFromEmits(p, cls, comp.outputFields!, [
    ...removedStatements,
    ...removedMethods.map((m) => cls.getInstanceMethod(m)!),
  ]);
  const rec = recordType(shape);
  for (const s of removedStatements) edits.remove(s, NAME);

  // Idling.
  let idleMs: string | undefined;
  for (const call of descendantsWhere<CallExpression>(cls, isMemberCall)) {
    if (call.getExpression().getText() !== 'Utils.sleep') continue;
    const statement = call.getFirstAncestorByKind(SyntaxKind.ExpressionStatement);
    if (!statement || statement.getParent()?.getParent() !== next || idleMs !== undefined) {
      p.block(
        NAME,
        'SS108',
        call,
        comp.name,
        'Utils.sleep outside the top level of nextTuple',
        rule.codes.SS108!.manualStep!,
      );
    }
    idleMs = call.getArguments()[0]?.getText() ?? '0';
    edits.remove(statement!, NAME);
    p.finding(
      NAME,
      'SS103',
      'converted',
      call,
      comp.name,
      `sleeps ${idleMs} ms per nextTuple: the reader emits once per poll and idles ${idleMs} ms`,
    );
  }

  // Emits.
  for (const call of descendantsWhere<CallExpression>(cls, isMemberCall)) {
    const callee = call.getExpression();
    if (!Node.isPropertyAccessExpression(callee)) continue;
    const target = callee.getExpression().getText();
    if (target !== `this.${collectorField}`) continue;
    if (removedStatements.some((s) => s.getStart() <= call.getStart() && call.getEnd() <= s.getEnd())) continue;
    const method = callee.getName();
    if (method !== 'emit')
      p.block(NAME, 'SS104', call, comp.name, `collector.${method}(...)`, rule.codes.SS104!.manualStep!);
    const args = call.getArguments();
    if (args[0] && (Node.isStringLiteral(args[0]) || !Node.isNewExpression(args[0]))) {
      p.block(
        NAME,
        'SS104',
        call,
        comp.name,
        'emit on a named stream or of a non-Values value',
        rule.codes.SS104!.manualStep!,
      );
    }
    const record = emitRecord(p, NAME, 'SS104', comp.name, args[0]!, shape.fields);
    edits.replace(call, `this.${collectorField}.collect(${record})`, NAME);
    if (args.length > 1) replayFields.add('<message id>');
  }

  // Fields: the collector gets the native output type, replay fields go, the rest is position.
  const position: Array<{ name: string; type: string; primitive: boolean }> = [];
  for (const prop of cls.getInstanceProperties()) {
    if (!Node.isPropertyDeclaration(prop)) continue;
    const name = prop.getName();
    if (name === collectorField) {
      const typeNode = prop.getTypeNode();
      if (typeNode) edits.replace(typeNode, `SourceOutput<${rec}>`, NAME);
      continue;
    }
    if (replayFields.has(name)) {
      edits.remove(prop, NAME);
      continue;
    }
    if (prop.isReadonly() || prop.isStatic()) continue;
    const type = prop.getTypeNode()?.getText() ?? p.typeText(prop.getInitializer() ?? (prop as never));
    const primitive = /^(number|string|boolean|bigint)$/.test(type);
    position.push({ name, type, primitive });
  }
  const leftover = thisMembers(cls).filter(
    (m) =>
      replayFields.has((m as never as { getName(): string }).getName()) &&
      ![...removedSet].some((s) => s.getStart() <= m.getStart() && m.getEnd() <= s.getEnd()) &&
      !removedMethods.some(
        (n) => cls.getInstanceMethod(n)!.getStart() <= m.getStart() && m.getEnd() <= cls.getInstanceMethod(n)!.getEnd(),
      ),
  );
  if (leftover.length)
    p.block(
      NAME,
      'SS108',
      leftover[0]!,
      comp.name,
      'replay state is used outside ack/fail and the top level of nextTuple',
      rule.codes.SS108!.manualStep!,
    );
  if (replayFields.size || removedMethods.length) {
    const what = [...replayFields].filter((f) => f !== '<message id>');
    p.finding(
      NAME,
      'SS102',
      'converted',
      cls,
      comp.name,
      `removed ${[...removedMethods.map((m) => `${m}()`), ...what.map((f) => `field ${f}`), ...(replayFields.has('<message id>') ? ['message ids'] : []), ...(removedStatements.length ? [`${removedStatements.length} replay statement(s) in nextTuple`] : [])].join(', ')}`,
    );
  }

  // Class header, members the runtime does not have, override modifiers, super().
  p.convertHeader(
    cls,
    `implements SourceReader<${rec}, ${position.length ? `{ ${position.map((f) => `${propertyName(f.name)}: ${f.type}`).join('; ')} }` : 'null'}>`,
    NAME,
  );
  const declare = cls.getInstanceMethod('declareOutputFields');
  if (declare) edits.remove(declare, NAME);
  for (const name of ['activate', 'deactivate', 'getComponentConfiguration']) {
    const m = cls.getInstanceMethod(name);
    if (!m) continue;
    const body = m.getBody();
    if (name !== 'getComponentConfiguration' && body && Node.isBlock(body) && body.getStatements().length) {
      p.block(NAME, 'SS108', m, comp.name, `${name}() has a body`, rule.codes.SS108!.manualStep!);
    }
    if (name === 'getComponentConfiguration')
      p.block(NAME, 'SS108', m, comp.name, 'component configuration on a spout', rule.codes.SS108!.manualStep!);
    edits.remove(m, NAME);
  }
  p.stripOverrideAndSuper(cls, NAME);

  const ind = p.indentOf(cls.getMembers()[0] ?? cls);
  const snapType = position.length
    ? `{ ${position.map((f) => `${propertyName(f.name)}: ${f.type}`).join('; ')} }`
    : 'null';
  const lines: string[] = [];
  if (idleMs !== undefined) lines.push(`readonly idleBackoffMs = ${idleMs};`, '');
  lines.push(`poll(output: SourceOutput<${rec}>, maxRecords: number): PollResult {`);
  if (idleMs !== undefined)
    lines.push(
      `  this.${collectorField} = output;`,
      '  void maxRecords;',
      '  this.nextTuple();',
      "  return 'idle';",
      '}',
    );
  else {
    // A nextTuple that emits nothing makes Storm back off; here the reader answers 'idle' instead of spinning.
    lines.push(
      '  let emitted = 0;',
      '  this.' + collectorField + ' = {',
      '    collect: (value, timestamp) => {',
      '      emitted++;',
      '      output.collect(value, timestamp);',
      '    },',
      '    emitWatermark: (watermark) => output.emitWatermark(watermark),',
      '  };',
      '  for (let i = 0; i < maxRecords; i++) {',
      '    const before = emitted;',
      '    this.nextTuple();',
      "    if (emitted === before) return emitted > 0 ? 'more' : 'idle';",
      '  }',
      "  return 'more';",
      '}',
    );
  }
  lines.push('', `snapshotState(): ${snapType} {`);
  lines.push(
    position.length
      ? `  return { ${position.map((f) => `${propertyName(f.name)}: ${f.primitive ? fieldAccess('this', f.name) : `structuredClone(${fieldAccess('this', f.name)})`}`).join(', ')} };`
      : '  return null;',
    '}',
  );
  if (position.length) {
    lines.push('', `restoreState(state: ${snapType}): void {`);
    for (const f of position) lines.push(`  ${fieldAccess('this', f.name)} = ${fieldAccess('state', f.name)};`);
    lines.push('}');
  }
  const text = lines
    .map((l) => (l ? ind + l.replace(/^((?: {2})+)/, (m) => p.style.indent.repeat(m.length / 2)) : l))
    .join('\n');
  edits.insert(p.classEndInsertPos(cls), p.styled(`\n${text}\n`), NAME);
  for (const name of ['SourceReader', 'SourceOutput', 'PollResult']) p.runtimeImports.add(`type ${name}`);
  p.finding(
    NAME,
    'SS101',
    'converted',
    cls,
    comp.name,
    position.length
      ? `checkpointed position: ${position.map((f) => f.name).join(', ')}`
      : 'no position fields: the reader has no state',
  );
  return { recordType: rec, shape };
}

export const TEST_WORDS = ['nathan', 'mike', 'jackson', 'golda', 'bertels'];
