/**
 * windowed bolts → native count windows. A BaseWindowedBolt with a literal count window
 * (`withTumblingWindow(Count.of(n))`, `withWindow(Count.of(size), Count.of(slide))`) on one task
 * becomes `keyBy(() => 0).countWindow(size, slide).process(fn)`: compat fires every `slide` tuples
 * over the last `size` (count trigger, count eviction), and so does the native count window; one
 * task sees the whole stream, and so does the one key. Only `window.get()` has a counterpart (the
 * elements); getNew/getExpired, time windows, timestamps, lag, late streams and JoinBolt are left.
 */
import { Node, SyntaxKind } from 'ts-morph';
import type { ComponentClass } from '../../analyze/index.ts';
import { fieldAccess, recordType, type Planner, type RecordShape, type RuleInfo } from '../planner.ts';
import { emitRecord, emitRecordProblem } from './bolt-function.ts';
import { crossWindowField, isWindowAccess, reportDelta, windowSlice } from './windows-delta.ts';
import { identifiersIn } from '../../analyze/index.ts';

export const rule: RuleInfo = {
  name: 'windows',
  description:
    'Count-windowed bolts on one task become native count windows; other windowed bolts and JoinBolt are reported.',
  codes: {
    SS601: {
      status: 'left',
      title: 'windowed bolt (count/time window, event time, lag, late stream)',
      manualStep:
        'rewrite with keyBy(...).countWindow(size, slide) or .window(assigner) and a window function with the same triggers and eviction',
    },
    SS602: { status: 'left', title: 'JoinBolt', manualStep: 'rewrite as a windowed join over connect(...) by hand' },
    SS603: {
      status: 'converted',
      title: 'count-windowed bolt on one task became a native count window (same trigger and eviction)',
    },
  },
};

const NAME = rule.name;
const GETTERS = new Set([
  'getValue',
  'getString',
  'getInteger',
  'getLong',
  'getShort',
  'getByte',
  'getDouble',
  'getFloat',
  'getBoolean',
]);

export function convertCountWindowBolt(
  p: Planner,
  comp: ComponentClass,
  input: RecordShape,
  output: RecordShape,
  window: { size: number; slide: number },
  /** A time window (windows-time.ts): the function also gets the native TimeWindow; no getNew/getExpired. */
  time?: { lengthMs: number },
): { recordType: string; nativeSize: number } {
  const cls = comp.decl;
  // Every blocker is gathered before the first edit, so the report lists them all at once.
  const problems: Array<{ node: Node; reason: string }> = [];
  const left = (node: Node, why: string): void => {
    problems.push({ node, reason: why });
  };
  if (comp.viaUserClass) left(cls, 'derives from a user class: inherited members are not converted');
  const execute = cls.getInstanceMethod('execute');
  if (!execute) left(cls, 'no execute method');
  const allowed = new Set(['execute', 'prepare', 'declareOutputFields']);
  for (const m of cls.getInstanceMethods())
    if (!allowed.has(m.getName())) left(m, `${m.getName()}() has no counterpart in a window function`);
  if (output.fields.length === 0) left(cls, 'declares no output fields');
  // The collector: kept in a field by prepare(), which does nothing else.
  const prepare = cls.getInstanceMethod('prepare');
  const pp = prepare?.getParameters()[2]?.getName();
  const statements = prepare?.getStatements() ?? [];
  const keeps = (text: string): RegExpExecArray | null => /^this\.(\w+)\s*=\s*(\w+);?$/.exec(text);
  const m = statements.length === 1 ? keeps(statements[0]!.getText()) : null;
  if (!prepare || !m || m[2] !== pp) left(prepare ?? cls, 'prepare() does more than keep the collector');
  // A prepare() that does more may still keep the collector: its field is then no state to report.
  const collectorField =
    m?.[1] ??
    statements.map((st) => keeps(st.getText())).find((k) => k !== null && pp !== undefined && k[2] === pp)?.[1];
  const kept: string[] = [];
  for (const prop of cls.getInstanceProperties()) {
    if (prop.getName() === collectorField) continue;
    if (!crossWindowField(cls, prop)) left(prop, `field ${prop.getName()} is state across windows`);
    kept.push(prop.getName());
  }
  const windowParam = execute?.getParameters()[0];
  if (execute && (!windowParam || execute.getParameters().length !== 1))
    left(execute, 'execute does not take one window');
  const windowName = windowParam?.getName();

  // The window: `window.get()` (the elements); getNew()/getExpired() of a sliding window (windows-delta.ts).
  const delta = !time && window.slide <= window.size;
  const spanName = time && execute ? freeName(execute, 'span') : '_span';
  const bounds = (name: string): string | undefined =>
    !time
      ? undefined
      : name === 'getEndTimestamp'
        ? `(${spanName}.end - 1)`
        : name === 'getStartTimestamp'
          ? `(${spanName}.end - 1 - ${time.lengthMs})`
          : undefined;
  const spanEdits: Array<{ call: Node; text: string }> = [];
  const accesses: Array<{ call: Node; method: 'get' | 'getNew' | 'getExpired' }> = [];
  const fieldEdits: Array<{ call: Node; text: string }> = [];
  const emits: Array<{ call: import('ts-morph').CallExpression; values: Node }> = [];
  if (execute && windowParam) {
    for (const id of identifiersIn(execute)) {
      if (id.getText() !== windowName || id === windowParam.getNameNode()) continue;
      const access = id.getParent();
      const call = access?.getParent();
      if (
        Node.isPropertyAccessExpression(access) &&
        bounds(access.getName()) &&
        call &&
        Node.isCallExpression(call) &&
        call.getArguments().length === 0
      ) {
        // Storm's end is the reference time E of the window (E - length, E]; the native window is [E - length + 1, E + 1).
        spanEdits.push({ call, text: bounds(access.getName())! });
        continue;
      }
      if (
        !Node.isPropertyAccessExpression(access) ||
        !isWindowAccess(access.getName(), delta) ||
        !call ||
        !Node.isCallExpression(call) ||
        call.getArguments().length
      ) {
        // Quote the use itself: the call on the window, or the expression the window is passed to.
        const use = Node.isPropertyAccessExpression(access) && Node.isCallExpression(call) ? call : (access ?? id);
        left(
          access ?? id,
          `\`${use.getText().slice(0, 60)}\`: only ${windowName}.get() has a native counterpart (the window's elements)`,
        );
        continue;
      }
      accesses.push({ call, method: access.getName() as never });
    }
  }
  // Tuples of the window: accessors become field access, any other use is left.
  for (const id of execute ? identifiersIn(execute) : []) {
    if (id === windowParam?.getNameNode()) continue;
    const type = id.getType();
    if ((type.getSymbol() ?? type.getAliasSymbol())?.getName() !== 'Tuple' || !/compat/.test(type.getText())) continue;
    const parent = id.getParent();
    if (Node.isVariableDeclaration(parent) && parent.getNameNode() === id) continue;
    const call = parent?.getParent();
    if (
      Node.isPropertyAccessExpression(parent) &&
      parent.getExpression() === id &&
      call &&
      Node.isCallExpression(call) &&
      call.getExpression() === parent &&
      call.getArguments().length === 1
    ) {
      const method = parent.getName();
      const byField = method.endsWith('ByField');
      const getter = byField ? method.slice(0, -'ByField'.length) : method;
      const arg = call.getArguments()[0]!;
      const field =
        byField && Node.isStringLiteral(arg)
          ? arg.getLiteralValue()
          : !byField && Node.isNumericLiteral(arg)
            ? input.fields[Number(arg.getLiteralValue())]
            : undefined;
      if (GETTERS.has(getter) && field !== undefined && input.fields.includes(field)) {
        fieldEdits.push({ call, text: fieldAccess(id.getText(), field) });
        continue;
      }
    }
    left(
      parent ?? id,
      `\`${(parent ?? id).getText().slice(0, 60)}\`: the tuple is used other than by a field accessor`,
    );
  }
  // The instance: only emits on the collector (and the fields kept across windows) reach it.
  for (const t of execute?.getDescendantsOfKind(SyntaxKind.ThisKeyword) ?? []) {
    const access = t.getParent();
    const call = access?.getParent()?.getParent();
    if (Node.isPropertyAccessExpression(access) && kept.includes(access.getName())) continue;
    if (
      !Node.isPropertyAccessExpression(access) ||
      (collectorField !== undefined && access.getText() !== `this.${collectorField}`) ||
      !call ||
      !Node.isCallExpression(call) ||
      call.getExpression().getText() !== `${access.getText()}.emit`
    ) {
      left(t.getParent() ?? t, `\`${(t.getParent() ?? t).getText().slice(0, 60)}\`: only emits reach the instance`);
      continue;
    }
    const args = call.getArguments();
    if (args.length !== 1) {
      left(call, 'emit with an anchor or a stream');
      continue;
    }
    const problem = emitRecordProblem(args[0]!, output.fields);
    if (problem) left(args[0]!, problem.reason);
    emits.push({ call, values: args[0]! });
  }
  p.blockAll(NAME, 'SS601', comp.name, rule.codes.SS601!.manualStep!, problems);

  const exec = execute!;
  const collectorName = /(?<!\.)\bcollector\b/.test(exec.getBody()!.getText()) ? 'out' : 'collector';
  const inType = recordType(input);
  const outType = recordType(output);
  for (const { call, text } of spanEdits) p.edits.replace(call, text, NAME);
  const spanUsed = spanEdits.length > 0;
  const widened = accesses.some((a) => a.method !== 'get');
  const nativeSize = widened ? window.size + window.slide : window.size;
  for (const { call, method } of accesses)
    p.edits.replace(call, widened ? windowSlice(method, windowName!, window.size, window.slide) : windowName!, NAME);
  for (const { call, text } of fieldEdits) p.edits.replace(call, text, NAME);
  // Emits last: their records are built from the text with the window and field edits inside them applied.
  for (const { call, values } of emits)
    p.edits.replace(
      call,
      `${collectorName}.collect(${emitRecord(p, NAME, 'SS601', comp.name, values, output.fields)})`,
      NAME,
    );
  const body = exec.getBody()!;
  p.runtimeImports.add('type Collector');
  if (time) p.runtimeImports.add('type TimeWindow');
  p.edits.replaceRange(
    exec.getStart(),
    body.getStart() + 1,
    `readonly window = (_key: number, ${time ? `${spanUsed ? spanName : '_span'}: TimeWindow, ` : ''}${windowName}: ${inType}[], ${collectorName}: Collector<${outType}>): void => {`,
    NAME,
  );
  p.edits.replaceRange(body.getEnd() - 1, body.getEnd(), '};', NAME);
  const prop = cls.getInstanceProperty(collectorField!);
  if (prop) p.edits.remove(prop, NAME);
  p.edits.remove(prepare!, NAME);
  const declare = cls.getInstanceMethod('declareOutputFields');
  if (declare) p.edits.remove(declare, NAME);
  const clauses = cls.getHeritageClauses();
  if (clauses.length) p.edits.replaceRange(cls.getNameNode()!.getEnd(), clauses.at(-1)!.getEnd(), '', NAME);
  p.stripOverrideAndSuper(cls, NAME);
  if (widened || kept.length) reportDelta(p, comp, window.size, window.slide, kept, widened);
  if (time) return { recordType: outType, nativeSize: window.size };
  const kind =
    window.size === window.slide
      ? `tumbling count window of ${window.size}`
      : `count window of ${window.size} sliding by ${window.slide}`;
  p.finding(
    NAME,
    'SS603',
    'converted',
    cls,
    comp.name,
    `${kind}: keyBy(() => 0).countWindow(${nativeSize}, ${window.slide})`,
  );
  return { recordType: outType, nativeSize };
}

/** `base`, or `base` with a number, so it names nothing in `scope`. */
function freeName(scope: Node, base: string): string {
  const used = new Set(identifiersIn(scope).map((i) => i.getText()));
  let name = base;
  for (let i = 2; used.has(name); i++) name = `${base}${i}`;
  return name;
}
