/**
 * bolt → process function. `execute` becomes `processElement`; tuple accessors become field access
 * on the input record; `collector.emit(new Values(...))` becomes `collect({ ...fields })`; anchors
 * and acks are removed (checkpoints replace them). What has no safe native counterpart — fail,
 * reportError, emitDirect, named streams, the tuple used as a whole — leaves the file unchanged.
 */
import {
  Node,
  SyntaxKind,
  ts,
  type CallExpression,
  type ClassDeclaration,
  type MethodDeclaration,
  type NewExpression,
  type PropertyAccessExpression,
} from 'ts-morph';
import type { ComponentClass } from '../../analyze/index.ts';
import {
  fieldAccess,
  isNewValues,
  propertyName,
  recordType,
  type Planner,
  type RecordShape,
  type RuleInfo,
} from '../planner.ts';
import type { Finding } from '../../report/index.ts';
import { planKeyValueState, planState } from './state.ts';
import { planHelpers } from './helpers.ts';
import { planTicks } from './ticks.ts';
import { emittedWhole, wholeTupleUse } from './whole-tuple.ts';
import { descendantsOfKind, descendantsWhere, identifiersIn, isMemberCall, isThisMember } from '../../analyze/index.ts';

export const rule: RuleInfo = {
  name: 'bolt-function',
  description: 'Basic and rich bolts become native process functions over plain-object records.',
  codes: {
    SS201: {
      status: 'converted',
      title: 'bolt converted to a process function (shape: map, filter, flatMap or sink, from what execute emits)',
    },
    SS202: { status: 'converted', title: 'tuple accessors became field access on the input record' },
    SS203: { status: 'converted', title: 'anchors and acks removed: checkpoints give the same guarantee' },
    SS204: {
      status: 'left',
      title: 'fail, reportError, emitDirect or a named-stream emit',
      manualStep: 'throw to fail the record, or route the stream through a side output (OutputTag) by hand',
    },
    SS205: {
      status: 'left',
      title: 'the tuple is used as a whole (getValues, toString, passed on, source component)',
      manualStep: 'rewrite the use over the input record',
    },
    SS206: {
      status: 'left',
      title: 'prepare/cleanup use Storm configuration or context APIs without a native counterpart',
      manualStep: 'move the set-up into open(context) by hand',
    },
    SS207: {
      status: 'partial',
      title:
        'terminal bolt (emits nothing) kept as a process function at the end of the stream: its side effects are at-least-once on restore',
      manualStep: 'turn it into a Sink with two-phase commit if exactly-once output matters',
    },
    SS208: {
      status: 'left',
      title:
        'bolt kind without a native conversion here (IRichBolt implementation, library bolt, inherited through a user class)',
      manualStep: 'convert the bolt by hand',
    },
    SS209: {
      status: 'left',
      title: 'execute awaits I/O',
      manualStep:
        'move the awaited call into asyncMap (capacity, timeoutMs, ordered) and keep the rest in a process function',
    },
    SS211: {
      status: 'converted',
      title:
        'an awaiting, map-shaped execute that cannot reach the instance became asyncMap (ordered, capacity 1, timeout = the message timeout, 30 s by default)',
      manualStep: 'raise capacity where the awaited call has no side effects; add cache where the lookup key is pure',
    },
    SS210: { status: 'converted', title: 'prepare() became open(context); task ids became subtask indexes' },
    SS214: {
      status: 'converted',
      title:
        'template bolts: an abstract user bolt became a generic process function (key K, input IN); each subclass that only implements its hooks extends it with its own key and input record types',
    },
    SS212: {
      status: 'converted',
      title:
        'private helper methods that emit (called only from execute or from each other) take the collector as a last parameter',
    },
    SS213: {
      status: 'converted',
      title: 'a private helper parameter that only ever receives the input tuple takes the input record instead',
    },
  },
};

const NAME = rule.name;

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

/** `new Values(a, b)` → `{ f1: a, f2: b }`. */
export function emitRecord(
  p: Planner,
  ruleName: string,
  code: string,
  construct: string,
  values: Node,
  fields: string[],
): string {
  const whole = emittedWhole(values, fields);
  if (whole) return whole;
  const problem = emitRecordProblem(values, fields);
  if (problem) p.block(ruleName, code, values, construct, problem.reason, problem.manualStep);
  const args = (values as import('ts-morph').NewExpression).getArguments();
  return `{ ${fields
    .map((f, i) => {
      const text = p.edits.textOf(args[i]!);
      return text === f ? f : `${propertyName(f)}: ${text}`;
    })
    .join(', ')} }`;
}

/** Why `emitRecord` cannot build a record from `values`, checked without planning anything; undefined when it can. */
export function emitRecordProblem(values: Node, fields: string[]): { reason: string; manualStep: string } | undefined {
  if (emittedWhole(values, fields)) return undefined;
  if (!Node.isNewExpression(values) || values.getExpression().getText() !== 'Values')
    return {
      reason: `emits \`${values.getText().slice(0, 60)}\`, not new Values(...)`,
      manualStep: 'emit new Values(...) or convert by hand',
    };
  const args = values.getArguments();
  if (args.length !== fields.length || args.some((a) => Node.isSpreadElement(a)))
    return {
      reason: `emits ${args.length} values where ${fields.length} fields are declared`,
      manualStep: 'make the emit match declareOutputFields',
    };
  return undefined;
}

export interface BoltPlan {
  /** Abstract hooks execute hands the input to (a template base): method name and parameter index. */
  hooks?: Array<{ method: string; index: number }>;
  recordType: string;
  keyedFunction: boolean;
  shape: 'map' | 'filter' | 'flatMap' | 'sink' | 'process';
  /** Set when the class became a map/filter/flatMap function (an arrow property of that name). */
  function?: 'map' | 'filter' | 'flatMap' | 'asyncMap';
}

function hasAwait(method: MethodDeclaration): boolean {
  return method.isAsync() || method.getDescendantsOfKind(SyntaxKind.AwaitExpression).length > 0;
}

export function boltOutputShape(p: Planner, comp: ComponentClass): RecordShape {
  const declare = comp.decl.getInstanceMethod('declareOutputFields');
  const declares =
    declare
      ?.getDescendantsOfKind(SyntaxKind.CallExpression)
      .some((c) => /\.declare(Stream)?$/.test(c.getExpression().getText())) ?? false;
  if (declares && !comp.outputFields)
    p.block(
      NAME,
      'SS204',
      declare!,
      comp.name,
      'declareOutputFields does not declare literal fields on the default stream',
      rule.codes.SS204!.manualStep!,
    );
  const fields = comp.outputFields ?? [];
  const types = new Map<string, Set<string>>();
  for (const call of descendantsWhere<NewExpression>(comp.decl, isNewValues)) {
    if (call.getExpression().getText() !== 'Values') continue;
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

/** Statements of execute other than rich-collector acks (removed by the conversion). */
function bodyStatements(execute: MethodDeclaration, collectorExpr: string): Node[] {
  return execute
    .getStatements()
    .filter(
      (s) =>
        !(
          Node.isExpressionStatement(s) &&
          new RegExp(`^${collectorExpr.replace('.', '\\.')}\\.ack\\(`).test(s.getText())
        ),
    );
}

/** `x.emit(...)` on the compiler node: lets a walk wrap only the calls `isEmitCall` then looks at. */
function isEmitShaped(node: ts.Node): boolean {
  return (
    ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && node.expression.name.text === 'emit'
  );
}

function isEmitCall(node: Node, collectorExpr: string): node is import('ts-morph').CallExpression {
  if (!Node.isCallExpression(node)) return false;
  const callee = node.getExpression();
  return (
    Node.isPropertyAccessExpression(callee) &&
    callee.getName() === 'emit' &&
    callee.getExpression().getText() === collectorExpr
  );
}

/** `tuple.getX(i)` / `tuple.getXByField('f')` reading input field `field`. */
function readsField(node: Node, tupleName: string, field: string, index: number): boolean {
  if (!Node.isCallExpression(node) || node.getArguments().length !== 1) return false;
  const callee = node.getExpression();
  if (!Node.isPropertyAccessExpression(callee) || callee.getExpression().getText() !== tupleName) return false;
  const method = callee.getName();
  const arg = node.getArguments()[0]!;
  if (method.endsWith('ByField'))
    return (
      GETTERS[method.slice(0, -'ByField'.length)] !== undefined &&
      Node.isStringLiteral(arg) &&
      arg.getLiteralValue() === field
    );
  return GETTERS[method] !== undefined && Node.isNumericLiteral(arg) && Number(arg.getLiteralValue()) === index;
}

export type FunctionShape =
  | { kind: 'map'; emit: Node }
  | { kind: 'filter'; statement: import('ts-morph').IfStatement; emit: Node }
  | { kind: 'flatMap' };

/**
 * The shape execute provably has, or undefined (it stays a process function). Only a bolt whose
 * execute cannot reach the instance (no `this` but the collector, no prepare/cleanup/ticks) is a
 * candidate: map/filter/flatMap functions are shared by every subtask and have no open/close.
 *  map: the one emit is a top-level statement of execute with only acks after it and no return
 *    in execute, so every path that completes emits exactly once;
 *  filter: the last statement is `if (cond) emit(the input fields, unchanged, in order)` without
 *    else, nothing else emits and nothing returns;
 *  flatMap: every emit is directly in execute (not in a nested function) on the default stream;
 *    `return;` keeps its meaning in the arrow function.
 */
export function functionShape(
  comp: ComponentClass,
  execute: MethodDeclaration,
  basic: boolean,
  collectorExpr: string,
  tupleName: string,
  input: RecordShape,
  output: RecordShape,
): FunctionShape | undefined {
  const cls = comp.decl;
  if (output.fields.length === 0) return undefined;
  if (cls.getInstanceMethod('cleanup') || cls.getInstanceMethod('getComponentConfiguration')) return undefined;
  if (cls.getInstanceMethods().some((m) => !['execute', 'prepare', 'declareOutputFields'].includes(m.getName())))
    return undefined;
  const prepare = cls.getInstanceMethod('prepare');
  if (
    prepare &&
    (basic ||
      prepare.getStatements().length !== 1 ||
      !new RegExp(`^${collectorExpr.replace('.', '\\.')}\\s*=`).test(prepare.getStatements()[0]!.getText()))
  )
    return undefined;
  if (/\bisTick\b/.test(execute.getText())) return undefined;
  if (cls.getInstanceProperties().some((m) => basic || `this.${m.getName()}` !== collectorExpr)) return undefined;
  for (const t of descendantsOfKind(execute, SyntaxKind.ThisKeyword)) {
    const access = t.getParent();
    if (basic || !access || access.getText() !== collectorExpr) return undefined;
    const call = access.getParent()?.getParent();
    if (
      !call ||
      !Node.isCallExpression(call) ||
      !['emit', 'ack'].includes((access.getParent() as never as { getName(): string }).getName?.() ?? '')
    )
      return undefined;
  }
  const returns = execute
    .getDescendantsOfKind(SyntaxKind.ReturnStatement)
    .some((r) => r.getFirstAncestor((a) => Node.isFunctionLikeDeclaration(a)) === execute);
  const emits = descendantsWhere<CallExpression>(execute, isEmitShaped).filter((c) => isEmitCall(c, collectorExpr));
  if (emits.length === 0) return undefined;
  if (emits.some((e) => e.getFirstAncestor((a) => Node.isFunctionLikeDeclaration(a)) !== execute)) return undefined;
  if (basic) {
    // The collector itself must only be the target of emits (never passed on or stored).
    const name = execute.getParameters()[1]?.getName();
    for (const id of identifiersIn(execute)) {
      if (id.getText() !== name || Node.isParameterDeclaration(id.getParent())) continue;
      const access = id.getParent();
      if (
        !Node.isPropertyAccessExpression(access) ||
        access.getName() !== 'emit' ||
        !isEmitCall(access.getParent()!, collectorExpr)
      )
        return undefined;
    }
  }
  const statements = bodyStatements(execute, collectorExpr);
  // A return (execute returns void) may skip the emit: neither map nor filter, still a flatMap.
  if (emits.length === 1 && !returns) {
    const emit = emits[0]!;
    const last = statements.at(-1);
    if (last && Node.isExpressionStatement(last) && last.getExpression() === emit) return { kind: 'map', emit };
    if (last && Node.isIfStatement(last) && !last.getElseStatement() && output.fields.join() === input.fields.join()) {
      const then = last.getThenStatement();
      const inner = Node.isBlock(then) && then.getStatements().length === 1 ? then.getStatements()[0]! : then;
      const values = emit.getArguments().at(-1);
      // A comment in the dropped branch would be lost: such a filter stays a flatMap.
      const commented = last.getExpression().getEnd() < then.getStart() && /\/[/*]/.test(then.getFullText());
      if (
        !commented &&
        Node.isExpressionStatement(inner) &&
        inner.getExpression() === emit &&
        values &&
        Node.isNewExpression(values)
      ) {
        const args = values.getArguments();
        if (args.length === input.fields.length && args.every((a, i) => readsField(a, tupleName, input.fields[i]!, i)))
          return { kind: 'filter', statement: last, emit };
      }
    }
  }
  return { kind: 'flatMap' };
}

export function convertBolt(
  p: Planner,
  comp: ComponentClass,
  input: RecordShape,
  output: RecordShape,
  key: { fields: string[]; type: string } | undefined,
  /** Set when converting the abstract base of template subclasses: generic over key `K` and input `IN`. */
  template?: boolean,
): BoltPlan {
  const cls: ClassDeclaration = comp.decl;
  const edits = p.edits;
  if (template) {
    if (cls.getTypeParameters().length > 0)
      p.block(
        NAME,
        'SS208',
        cls,
        comp.name,
        'the template base bolt has type parameters',
        rule.codes.SS208!.manualStep!,
      );
    edits.insert(cls.getNameNode()!.getEnd(), '<K, IN>', NAME);
  }
  if (
    comp.compatBase === 'BaseWindowedBolt' ||
    comp.compatBase === 'BaseStatefulWindowedBolt' ||
    comp.compatBase === 'JoinBolt'
  ) {
    p.block(
      'windows',
      comp.compatBase === 'JoinBolt' ? 'SS602' : 'SS601',
      cls,
      comp.name,
      `${comp.compatBase}: native windows are not generated yet`,
      'rewrite with keyBy(...).countWindow(...) or .window(...) and a window function',
    );
  }
  if (comp.compatBase === 'IStatefulBolt') {
    p.block(
      'state',
      'SS403',
      cls,
      comp.name,
      'IStatefulBolt implemented directly',
      'move the KeyValueState into keyed ValueState/MapState under keyBy, or into a custom operator with operator state',
    );
  }
  const stateful = comp.compatBase === 'BaseStatefulBolt';
  const basic = comp.compatBase === 'BaseBasicBolt';
  if ((!basic && comp.compatBase !== 'BaseRichBolt' && !stateful) || comp.viaUserClass) {
    p.block(
      NAME,
      'SS208',
      cls,
      comp.name,
      comp.viaUserClass ? 'derives from a user class' : `derives from ${comp.compatBase}`,
      rule.codes.SS208!.manualStep!,
    );
  }
  if (comp.namedStreams.length)
    p.block(
      NAME,
      'SS204',
      cls,
      comp.name,
      `declares streams ${comp.namedStreams.join(', ')}`,
      rule.codes.SS204!.manualStep!,
    );
  const execute = cls.getInstanceMethod('execute');
  if (!execute) p.block(NAME, 'SS208', cls, comp.name, 'no execute method', rule.codes.SS208!.manualStep!);
  const params = execute!.getParameters();
  const tupleParam = params[0];
  if (!tupleParam) p.block(NAME, 'SS205', execute!, comp.name, 'execute takes no tuple', rule.codes.SS205!.manualStep!);
  const tupleName = tupleParam!.getName();
  const tupleSymbol = tupleParam!.getNameNode().getSymbol();
  const inType = recordType(input);
  const outType = recordType(output);

  // The collector: a parameter (basic bolts) or a field prepare() stores it in (rich bolts).
  let collectorName: string;
  let collectorField: string | undefined;
  const prepare = cls.getInstanceMethod('prepare');
  if (basic) {
    collectorName = params[1]?.getName() ?? 'collector';
  } else {
    const pp = prepare?.getParameters()[2]?.getName();
    for (const s of prepare?.getStatements() ?? []) {
      const m = /^this\.(\w+)\s*=\s*(\w+);?$/.exec(s.getText());
      if (m && m[2] === pp) collectorField = m[1];
    }
    if (!collectorField)
      p.block(
        NAME,
        'SS208',
        prepare ?? cls,
        comp.name,
        'the output collector is not kept in a field by prepare()',
        rule.codes.SS208!.manualStep!,
      );
    const bodyText = execute!.getBody()!.getText();
    collectorName = /(?<!\.)\bcollector\b/.test(bodyText) ? 'out' : 'collector';
  }
  const collectorUses = (m: MethodDeclaration): boolean =>
    !basic &&
    descendantsWhere<PropertyAccessExpression>(m, isThisMember).some((u) => {
      if (u.getText() !== `this.${collectorField}`) return false;
      // An ack is removed with the conversion: a helper that only acks needs no collector.
      const member = u.getParent();
      return !(Node.isPropertyAccessExpression(member) && member.getName() === 'ack');
    });
  const helpers = planHelpers(
    p,
    comp,
    execute!,
    tupleName,
    collectorName,
    `Collector<${outType}>`,
    collectorUses,
    (node, reason) =>
      p.block(NAME, 'SS208', node, comp.name, reason, 'pass the Collector from processElement to the helper by hand'),
  );
  if (!basic) {
    for (const use of descendantsWhere<PropertyAccessExpression>(cls, isThisMember)) {
      if (use.getText() !== `this.${collectorField}`) continue;
      const method = use.getFirstAncestorByKind(SyntaxKind.MethodDeclaration);
      if (method === execute || method === prepare || (method && helpers.withCollector.has(method))) continue;
      const member = use.getParent();
      if (Node.isPropertyAccessExpression(member) && member.getName() === 'ack') continue;
      if (!Node.isPropertyDeclaration(use.getParent())) {
        p.block(
          NAME,
          'SS208',
          use,
          comp.name,
          `the collector is used outside execute (${method?.getName() ?? 'a field'})`,
          'pass the Collector from processElement to the helper by hand',
        );
      }
    }
  }
  if (helpers.withCollector.size > 0)
    p.finding(
      NAME,
      'SS212',
      'converted',
      [...helpers.withCollector][0]!,
      comp.name,
      `the collector is passed to helper(s) ${[...helpers.withCollector].map((m) => m.getName()).join(', ')}`,
    );

  const collectorExpr0 = basic ? collectorName : `this.${collectorField}`;
  const fnShape = functionShape(comp, execute!, basic, collectorExpr0, tupleName, input, output);
  // An awaiting execute: map-shaped and unable to reach the instance → asyncMap; anything else is left.
  const awaits = hasAwait(execute!);
  if (awaits && fnShape?.kind !== 'map') {
    p.block(
      NAME,
      'SS209',
      execute!,
      comp.name,
      fnShape
        ? `execute awaits and is ${fnShape.kind}-shaped (asyncMap needs exactly one emit on every path)`
        : 'execute awaits and reaches the instance (prepare set-up, fields, ticks) or emits other than once',
      rule.codes.SS209!.manualStep!,
    );
  }
  const fnKind = awaits ? 'asyncMap' : fnShape?.kind;

  // Ticks, then tuple accesses and emits in what is left of execute.
  const ticks = p.timed('ticks', () =>
    planTicks(
      p,
      comp,
      execute!,
      tupleName,
      collectorName,
      outType,
      key,
      (call) => {
        const target = call.getExpression();
        if (
          !Node.isPropertyAccessExpression(target) ||
          target.getExpression().getText() !== (basic ? collectorName : `this.${collectorField}`)
        )
          return undefined;
        const args = call.getArguments();
        if (args.length !== 1) return undefined;
        return `${collectorName}.collect(${emitRecord(p, NAME, 'SS204', comp.name, args[0]!, output.fields)})`;
      },
      helpers.callText,
    ),
  );

  let accessors = 0;
  const tupleUses: Array<{ id: import('ts-morph').Identifier; name: string }> = [];
  for (const id of identifiersIn(execute!)) {
    if (id.getText() !== tupleName || id === tupleParam!.getNameNode()) continue;
    if (tupleSymbol && id.getSymbol() !== tupleSymbol) continue;
    if (ticks.removed.some((r) => r.getStart() <= id.getStart() && id.getEnd() <= r.getEnd())) continue;
    const site = id.getParent();
    if (
      site &&
      Node.isCallExpression(site) &&
      helpers.tupleParams.some((t) => {
        const m = t.getParentIfKind(SyntaxKind.MethodDeclaration);
        return (
          site.getExpression().getText() === `this.${m?.getName()}` &&
          site.getArguments()[m!.getParameters().indexOf(t)] === id
        );
      })
    )
      continue;
    tupleUses.push({ id, name: tupleName });
  }
  for (const param of helpers.tupleParams) {
    edits.replace(param.getTypeNode()!, inType, NAME);
    const symbol = param.getNameNode().getSymbol();
    const method = param.getParentIfKindOrThrow(SyntaxKind.MethodDeclaration);
    for (const id of identifiersIn(method)) {
      if (id === param.getNameNode() || id.getText() !== param.getName() || id.getSymbol() !== symbol) continue;
      tupleUses.push({ id, name: param.getName() });
    }
  }
  if (helpers.tupleParams.length > 0)
    p.finding(
      NAME,
      'SS213',
      'converted',
      helpers.tupleParams[0]!,
      comp.name,
      `helper(s) ${helpers.tupleParams.map((t) => t.getParentIfKindOrThrow(SyntaxKind.MethodDeclaration).getName()).join(', ')} take the input record instead of the tuple`,
    );
  // Any call on a rich collector taking the tuple (emit and ack anchor it; fail...) is left to the
  // emit checks below, which report it once.
  const tupleRewrite = rewriteTupleUses(p, comp, tupleUses, input, basic ? [] : [`this.${collectorField}`]);
  accessors += tupleRewrite.accessors;
  const accessorBlocker = tupleRewrite.blocker;
  if (accessors)
    p.finding(NAME, 'SS202', 'converted', execute!, comp.name, `${accessors} accessor(s) became field access`);

  // Instance state: a stateful bolt's KeyValueState first (keyed by the grouping key, or left). Planned
  // before the emits, which take the text of their arguments with the state reads in it already rewritten.
  const kvPlan = stateful
    ? p.timed('state', () => planKeyValueState(p, comp, execute!, input, key, tupleName))
    : undefined;
  const state = p.timed('state', () =>
    planState(
      p,
      comp,
      execute!,
      input,
      key,
      tupleName,
      collectorField,
      kvPlan && [kvPlan.field, ...(kvPlan.derived ?? [])],
    ),
  );
  if (
    kvPlan &&
    (state.members ||
      (prepare &&
        !prepare
          .getStatements()
          .every((s) => collectorField && new RegExp(`^this\\.${collectorField}\\s*=`).test(s.getText()))))
  ) {
    p.block(
      'state',
      'SS403',
      cls,
      comp.name,
      'the KeyValueState would share open() with other state or prepare() set-up',
      rule.codes.SS206!.manualStep!,
    );
  }
  if (kvPlan) {
    const ind = p.indentOf(cls.getMembers()[0]!);
    state.members = [
      '',
      `${ind}open(context: KeyedRuntimeContext): void {`,
      `${ind}${p.style.indent}${kvPlan.apply()}`,
      `${ind}}`,
      '',
    ].join('\n');
    state.keyed = true;
  }

  let emits = 0;
  let acks = 0;
  let conditional = false;
  let looped = false;
  const collectorExpr = basic ? collectorName : `this.${collectorField}`;
  const emitBlocker = p.checkEach(descendantsWhere<CallExpression>(cls, isMemberCall), (call) => {
    const callee = call.getExpression();
    if (!Node.isPropertyAccessExpression(callee) || callee.getExpression().getText() !== collectorExpr) return;
    if (ticks.removed.some((r) => r.getStart() <= call.getStart() && call.getEnd() <= r.getEnd())) return;
    const inMethod = call.getFirstAncestorByKind(SyntaxKind.MethodDeclaration);
    const inExecute = inMethod === execute || (inMethod !== undefined && helpers.withCollector.has(inMethod));
    const method = callee.getName();
    if (method === 'ack' && !basic) {
      const statement = call.getParent();
      if (!statement || !Node.isExpressionStatement(statement))
        p.block(NAME, 'SS204', call, comp.name, 'ack used as a value', rule.codes.SS204!.manualStep!);
      edits.remove(statement!, NAME);
      acks++;
      return;
    }
    if (method !== 'emit')
      p.block(NAME, 'SS204', call, comp.name, `collector.${method}(...)`, rule.codes.SS204!.manualStep!);
    const args = call.getArguments();
    if (args.length === 0 || Node.isStringLiteral(args[0]!))
      p.block(NAME, 'SS204', call, comp.name, 'emit on a named stream', rule.codes.SS204!.manualStep!);
    if (!basic && args.length === 2) {
      const anchor = args[0]!;
      if (!(Node.isIdentifier(anchor) && anchor.getText() === tupleName) && !Node.isArrayLiteralExpression(anchor)) {
        p.block(NAME, 'SS205', anchor, comp.name, `anchored on \`${anchor.getText()}\``, rule.codes.SS205!.manualStep!);
      }
    }
    if (args.length > (basic ? 1 : 2))
      p.block(NAME, 'SS204', call, comp.name, 'emit with a stream id', rule.codes.SS204!.manualStep!);
    const record = emitRecord(p, NAME, 'SS204', comp.name, args[args.length - 1]!, output.fields);
    const target = inExecute ? collectorName : `this.${collectorField}`;
    emits++;
    if (fnShape?.kind === 'map') {
      edits.replace(call.getParent()!, `return ${record};`, NAME);
      return;
    }
    if (fnShape?.kind === 'filter') return;
    edits.replace(
      call,
      fnShape?.kind === 'flatMap' ? `${collectorName}(${record})` : `${target}.collect(${record})`,
      NAME,
    );
    if (call.getFirstAncestor((a) => Node.isIfStatement(a) || Node.isConditionalExpression(a))) conditional = true;
    if (
      call.getFirstAncestor(
        (a) =>
          Node.isForOfStatement(a) || Node.isForStatement(a) || Node.isWhileStatement(a) || Node.isForInStatement(a),
      )
    )
      looped = true;
  });
  // Every accessor and emit was checked: a component with several blockers reports them all.
  p.stop(accessorBlocker, emitBlocker);
  if (
    acks ||
    (!basic &&
      execute!
        .getDescendantsOfKind(SyntaxKind.CallExpression)
        .some((c) => c.getExpression().getText() === `this.${collectorField}.emit` && c.getArguments().length === 2))
  ) {
    p.finding(NAME, 'SS203', 'converted', execute!, comp.name, `${acks} ack(s) and the emit anchors removed`);
  }

  // Collector field and prepare().
  if (collectorField) {
    const prop = cls.getInstanceProperty(collectorField);
    if (prop) edits.remove(prop, NAME);
  }
  let usesOpenContext = false;
  if (prepare) {
    const contextParam = prepare.getParameters()[1]?.getName();
    const confParam = prepare.getParameters()[0]?.getName();
    const keep = prepare
      .getStatements()
      .filter((s) => !(collectorField && new RegExp(`^this\\.${collectorField}\\s*=`).test(s.getText())));
    if (keep.length === 0 && !ticks.armInOpen) edits.remove(prepare, NAME);
    else {
      for (const id of identifiersIn(prepare)) {
        if (id.getText() === confParam && id.getParent() !== prepare.getParameters()[0])
          p.block(
            NAME,
            'SS206',
            id,
            comp.name,
            'prepare() reads the topology configuration',
            rule.codes.SS206!.manualStep!,
          );
        if (id.getText() !== contextParam || Node.isParameterDeclaration(id.getParent())) continue;
        const access = id.getParent();
        const call = access?.getParent();
        if (
          !access ||
          !Node.isPropertyAccessExpression(access) ||
          !call ||
          !Node.isCallExpression(call) ||
          call.getArguments().length
        ) {
          p.block(NAME, 'SS206', id, comp.name, `\`${(access ?? id).getText()}\``, rule.codes.SS206!.manualStep!);
        }
        const replacement = (
          {
            getThisTaskId: 'subtaskIndex',
            getThisTaskIndex: 'subtaskIndex',
            getThisComponentId: 'operatorName',
          } as Record<string, string>
        )[access.getName()];
        if (!replacement)
          p.block(NAME, 'SS206', call!, comp.name, `\`${call!.getText()}\``, rule.codes.SS206!.manualStep!);
        edits.replace(call!, `${contextParam}.${replacement}`, NAME);
        usesOpenContext = true;
      }
      for (const s of prepare.getStatements()) if (!keep.includes(s)) edits.remove(s, NAME);
      const close = prepare.getParameters().at(-1)!.getEnd();
      const closeParen = prepare.getSourceFile().getFullText().indexOf(')', close);
      const ctxType = ticks.keyed || key ? 'KeyedRuntimeContext' : 'RuntimeContext';
      p.runtimeImports.add(`type ${ctxType}`);
      const openContext = usesOpenContext || ticks.armInOpen ? (contextParam ?? 'context') : '_context';
      edits.replaceRange(prepare.getNameNode().getStart(), closeParen + 1, `open(${openContext}: ${ctxType})`, NAME);
      const body = prepare.getBody();
      if (ticks.armInOpen && body)
        edits.insert(
          body.getStart() + 1,
          `\n${ticks.armInOpen(openContext, p.indentOf(prepare) + p.style.indent)}`,
          'ticks',
        );
      p.finding(
        NAME,
        'SS210',
        'converted',
        prepare,
        comp.name,
        usesOpenContext ? 'task ids are now subtask indexes (0-based per operator)' : 'prepare() kept as open()',
      );
    }
  }
  const cleanup = cls.getInstanceMethod('cleanup');
  if (cleanup) edits.replace(cleanup.getNameNode(), 'close', NAME);

  if (fnShape) {
    if (ticks.members || state.members || ticks.keyed || state.keyed)
      throw new Error(`${comp.name}: a ${fnShape.kind} candidate got state or timers`);
    const body = execute!.getBody()!;
    const signature = awaits
      ? `async (${tupleName}: ${inType}, _signal: AbortSignal): Promise<${outType}>`
      : fnShape.kind === 'map'
        ? `(${tupleName}: ${inType}): ${outType}`
        : fnShape.kind === 'filter'
          ? `(${tupleName}: ${inType}): boolean`
          : `(${tupleName}: ${inType}, ${collectorName}: (value: ${outType}) => void): void`;
    edits.replaceRange(execute!.getStart(), body.getStart() + 1, `readonly ${fnKind} = ${signature} => {`, NAME);
    edits.replaceRange(body.getEnd() - 1, body.getEnd(), '};', NAME);
    if (fnShape.kind === 'filter') {
      const st = fnShape.statement;
      edits.replaceRange(st.getStart(), st.getExpression().getStart(), 'return ', NAME);
      edits.replaceRange(st.getExpression().getEnd(), st.getEnd(), ';', NAME);
    }
    const clauses = cls.getHeritageClauses();
    if (clauses.length) edits.replaceRange(cls.getNameNode()!.getEnd(), clauses.at(-1)!.getEnd(), '', NAME);
    const declare = cls.getInstanceMethod('declareOutputFields');
    if (declare) edits.remove(declare, NAME);
    p.stripOverrideAndSuper(cls, NAME);
    if (awaits) {
      p.finding(
        NAME,
        'SS211',
        'converted',
        execute!,
        comp.name,
        "awaiting execute → asyncMap, ordered, capacity 1 (Storm runs one execute at a time per task), timeout = the topology's message timeout (Storm's default 30 s; a timeout fails the job, which restores and replays as a timed-out tuple was replayed)",
        rule.codes.SS211!.manualStep,
      );
    } else {
      p.finding(
        NAME,
        'SS201',
        'converted',
        cls,
        comp.name,
        `${fnShape.kind} function (${emits} emit site(s)): execute cannot reach the instance`,
      );
    }
    return { recordType: outType, keyedFunction: false, shape: fnShape.kind, function: fnKind };
  }

  // Signature and header.
  const keyedFunction = ticks.keyed || state.keyed || template === true;
  const contextType = keyedFunction ? `KeyedProcessContext<${key!.type}>` : 'ProcessContext';
  const closeParen = execute!
    .getSourceFile()
    .getFullText()
    .indexOf(')', (params.at(-1) ?? tupleParam!).getEnd());
  edits.replaceRange(
    execute!.getNameNode().getStart(),
    closeParen + 1,
    `processElement(${tupleName}: ${inType}, ${ticks.usesContext ? 'context' : '_context'}: ${contextType}, ${collectorName}: Collector<${outType}>)`,
    NAME,
  );
  p.runtimeImports.add('type Collector');
  p.runtimeImports.add(`type ${keyedFunction ? 'KeyedProcessContext' : 'ProcessContext'}`);
  const fnType = keyedFunction
    ? `KeyedProcessFunction<${key!.type}, ${inType}, ${outType}>`
    : `ProcessFunction<${inType}, ${outType}>`;
  p.runtimeImports.add(`type ${keyedFunction ? 'KeyedProcessFunction' : 'ProcessFunction'}`);
  p.convertHeader(cls, `implements ${fnType}`, NAME);
  const declare = cls.getInstanceMethod('declareOutputFields');
  if (declare) edits.remove(declare, NAME);
  const conf = cls.getInstanceMethod('getComponentConfiguration');
  if (conf && !ticks.removed.includes(conf))
    p.block(
      NAME,
      'SS206',
      conf,
      comp.name,
      'getComponentConfiguration sets more than the tick frequency',
      rule.codes.SS206!.manualStep!,
    );
  p.stripOverrideAndSuper(cls, NAME);
  if (ticks.armInOpen && !prepare) {
    const indent = p.indentOf(execute!);
    p.runtimeImports.add('type KeyedRuntimeContext');
    edits.insert(
      p.classEndInsertPos(cls),
      p.styled(
        [
          '',
          `${indent}open(context: KeyedRuntimeContext): void {`,
          ticks.armInOpen('context', indent + p.style.indent),
          `${indent}}`,
          '',
        ].join('\n'),
      ),
      'ticks',
    );
  }
  if (ticks.members) edits.insert(p.classEndInsertPos(cls), p.styled(ticks.members), 'ticks');
  if (state.members) edits.insert(p.classEndInsertPos(cls), p.styled(state.members), 'state');

  emits += ticks.emits;
  const shape: BoltPlan['shape'] =
    output.fields.length === 0
      ? 'sink'
      : emits === 0
        ? 'sink'
        : looped
          ? 'flatMap'
          : conditional
            ? output.fields.join() === input.fields.join()
              ? 'filter'
              : 'flatMap'
            : 'map';
  if (output.fields.length === 0 || emits === 0) {
    p.finding(
      NAME,
      'SS207',
      'partial',
      cls,
      comp.name,
      'emits nothing: kept as the last process function of its stream',
      rule.codes.SS207!.manualStep!,
    );
  }
  p.finding(NAME, 'SS201', 'converted', cls, comp.name, `${shape}-shaped process function (${emits} emit site(s))`);
  const hooks = helpers.tupleParams
    .map((t) => ({ method: t.getParentIfKindOrThrow(SyntaxKind.MethodDeclaration), param: t }))
    .filter(({ method }) => method.isAbstract())
    .map(({ method, param }) => ({ method: method.getName(), index: method.getParameters().indexOf(param) }));
  return { recordType: outType, keyedFunction, shape, hooks };
}

/**
 * Rewrites uses of the input tuple (`uses`: identifiers naming it) over the input record: accessors
 * become field access, provable whole uses go to whole-tuple; anything else leaves the file
 * (SS205). `anchors` are callees the tuple may be passed to (emit anchors, acks: removed elsewhere).
 * Returns the number of accessors rewritten.
 */
export function rewriteTupleUses(
  p: Planner,
  comp: ComponentClass,
  uses: ReadonlyArray<{ id: import('ts-morph').Identifier; name: string }>,
  input: RecordShape,
  collectors: readonly string[],
): { accessors: number; blocker: Finding | undefined } {
  let accessors = 0;
  // Every use is checked, so a component with several blockers reports them all.
  const blocker = p.checkEach(uses, ({ id, name: tupleName }) => {
    const parent = id.getParent()!;
    const call = parent.getParent();
    if (wholeTupleUse(p, comp, id, input)) return;
    if (
      Node.isPropertyAccessExpression(parent) &&
      parent.getExpression() === id &&
      call &&
      Node.isCallExpression(call) &&
      call.getExpression() === parent
    ) {
      const method = parent.getName();
      const byField = method.endsWith('ByField');
      const getter = byField ? method.slice(0, -'ByField'.length) : method;
      const want = GETTERS[getter];
      const arg = call.getArguments()[0];
      let field: string | undefined;
      if (want && arg && byField && Node.isStringLiteral(arg)) field = arg.getLiteralValue();
      else if (want && arg && !byField && Node.isNumericLiteral(arg))
        field = input.fields[Number(arg.getLiteralValue())];
      if (!want || field === undefined || !input.fields.includes(field) || call.getArguments().length !== 1) {
        p.block(
          NAME,
          'SS205',
          call,
          comp.name,
          `\`${call.getText().slice(0, 60)}\` (input fields: ${input.fields.join(', ') || 'none'})`,
          rule.codes.SS205!.manualStep!,
        );
      }
      const have = input.types.get(field!) ?? 'unknown';
      let text = fieldAccess(tupleName, field!);
      if (want !== 'unknown' && have !== want) {
        if (have !== 'unknown')
          p.block(
            NAME,
            'SS205',
            call,
            comp.name,
            `reads field '${field}' (${have}) as ${want}`,
            'fix the accessor or the upstream type',
          );
        text = `(${text} as ${want})`;
      }
      p.edits.replace(call, text, NAME);
      accessors++;
      return;
    }
    if (Node.isCallExpression(parent)) {
      const callee = parent.getExpression().getText();
      if (collectors.some((c) => callee.startsWith(`${c}.`))) return;
    }
    p.block(NAME, 'SS205', parent, comp.name, `\`${parent.getText().slice(0, 60)}\``, rule.codes.SS205!.manualStep!);
  });
  return { accessors, blocker };
}

/**
 * A template subclass: a bolt whose base is an abstract user bolt (converted generically, over key
 * `K` and input `IN`) and that only implements the base's hooks. It extends the converted base with
 * its own key and input record types; a hook's tuple parameter becomes the input record, its
 * accessors field access. Anything a subclass adds of Storm's (execute, prepare, declared outputs,
 * a component configuration) keeps the file left.
 */
export function convertTemplateSubclass(
  p: Planner,
  comp: ComponentClass,
  base: ComponentClass,
  hooks: ReadonlyArray<{ method: string; index: number }>,
  input: RecordShape,
  key: { fields: string[]; type: string } | undefined,
): void {
  const cls = comp.decl;
  if (!key)
    p.block(
      NAME,
      'SS208',
      cls,
      comp.name,
      `subclass of ${base.name} on a stream that is not keyed`,
      rule.codes.SS208!.manualStep!,
    );
  for (const own of ['execute', 'prepare', 'cleanup', 'declareOutputFields', 'getComponentConfiguration'])
    if (cls.getInstanceMethod(own))
      p.block(
        NAME,
        'SS208',
        cls.getInstanceMethod(own)!,
        comp.name,
        `subclass of ${base.name} overrides ${own}`,
        rule.codes.SS208!.manualStep!,
      );
  const heritage = cls.getExtends()!;
  if (heritage.getTypeArguments().length > 0)
    p.block(
      NAME,
      'SS208',
      heritage,
      comp.name,
      `extends ${heritage.getText()} with type arguments`,
      rule.codes.SS208!.manualStep!,
    );
  const inType = recordType(input);
  p.edits.insert(heritage.getEnd(), `<${key!.type}, ${inType}>`, NAME);
  let accessors = 0;
  for (const hook of hooks) {
    const method = cls.getInstanceMethod(hook.method);
    const param = method?.getParameters()[hook.index];
    if (!method || !param) continue;
    if (param.getTypeNode()?.getText() !== 'Tuple')
      p.block(
        NAME,
        'SS205',
        param,
        comp.name,
        `${hook.method} takes \`${param.getText()}\`, not the Tuple`,
        rule.codes.SS205!.manualStep!,
      );
    p.edits.replace(param.getTypeNode()!, inType, NAME);
    const symbol = param.getNameNode().getSymbol();
    const uses = identifiersIn(method)
      .filter((id) => id !== param.getNameNode() && id.getText() === param.getName() && id.getSymbol() === symbol)
      .map((id) => ({ id, name: param.getName() }));
    const rewritten = rewriteTupleUses(p, comp, uses, input, []);
    p.stop(rewritten.blocker);
    accessors += rewritten.accessors;
  }
  p.finding(
    NAME,
    'SS214',
    'converted',
    cls,
    comp.name,
    `extends the converted ${base.name}<${key!.type}, …>${accessors ? `; ${accessors} accessor(s) in its hooks became field access` : ''}`,
  );
}
