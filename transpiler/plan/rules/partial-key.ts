/**
 * partialKey grouping into a per-key sum → keyBy + aggregate with local-global (two-phase)
 * aggregation. Storm's partial-key grouping splits a hot key over two tasks, each keeping a
 * partial sum; the runtime gets the same load spreading from a local pre-aggregation before the
 * shuffle, and one keyed sum after it. Only a bolt that provably is a per-key sum is converted:
 * one Map or object field of sums, `execute` reads the grouping field, adds a delta computed from
 * the tuple and emits (key, sum). Any other bolt keeps the plain keyBy of the groupings rule (SS305).
 */
import { Node, SyntaxKind, type Expression } from 'ts-morph';
import type { ComponentClass, WiredComponent } from '../../analyze/index.ts';
import { fieldAccess, propertyName, type Planner, type RecordShape, type RuleInfo } from '../planner.ts';
import { tupleToRecord } from './connector-support.ts';
import { identifiersIn } from '../../analyze/index.ts';

export const rule: RuleInfo = {
  name: 'partial-key',
  description: 'A partialKey-grouped per-key sum becomes keyBy + aggregate with local-global aggregation.',
  codes: {
    SS941: {
      status: 'partial',
      title:
        'partialKey grouping into a per-key sum/count → keyBy + aggregate({ localGlobal: true, miniBatch }): the sum is pre-aggregated before the shuffle and kept once per key after it; it emits the running total per key once per mini-batch (1000 records or 100 ms), where Storm emitted each task’s partial sum for every tuple',
      manualStep:
        'a downstream bolt that merged the two partial sums of a key must now take the value as is; compare outputs as the last value per key',
    },
  },
};

const NAME = rule.name;

/** The local buffer of the two-phase aggregation: bounded in records and in latency. */
export const MINI_BATCH = '{ size: 1000, intervalMs: 100 }';

export interface PartialKeyPlan {
  calls: string[];
  shape: RecordShape;
}

interface Match {
  keyOutput: string;
  sumOutput: string;
  delta: string;
}

/**
 * The keyBy + aggregate calls for `c`, or undefined (and nothing edited) when `c` is not a
 * partialKey-grouped per-key sum this rule can prove.
 */
export function planPartialKeySum(
  p: Planner,
  c: WiredComponent,
  comp: ComponentClass | undefined,
  input: RecordShape,
  options: string,
): PartialKeyPlan | undefined {
  const g = c.groupings[0];
  if (!comp || c.groupings.length !== 1 || g?.kind !== 'partialKey' || g.stream !== undefined) return undefined;
  const keyField = g.fields?.length === 1 ? g.fields[0]! : undefined;
  if (keyField === undefined || !input.fields.includes(keyField)) return undefined;
  const uses = comp.decl
    .getNameNode()
    ?.findReferencesAsNodes()
    .filter((n) => n.getSourceFile() === p.facts.sourceFile);
  if (uses?.length !== 1) return undefined;
  const m = matchSum(comp, keyField, input);
  if (!m) return undefined;
  const cls = comp.decl;
  const keyType = input.types.get(keyField) ?? 'unknown';
  const out = comp.outputFields!;
  const outType = `{ ${out.map((f) => `${propertyName(f)}: ${f === m.keyOutput ? keyType : 'number'}`).join('; ')} }`;
  const inType = `{ ${input.fields.map((f) => `${propertyName(f)}: ${input.types.get(f) ?? 'unknown'}`).join('; ')} }`;
  const result = out.map((f) => `${propertyName(f)}: ${f === m.keyOutput ? `acc.key as ${keyType}` : 'acc.sum'}`);
  const i1 = p.style.indent;
  const i2 = i1 + i1;
  const body = [
    `${cls.isExported() ? 'export ' : ''}${cls.isDefaultExport() ? 'default ' : ''}class ${cls.getName()} {`,
    `${i1}readonly aggregate: AggregateFunction<${inType}, { key: ${keyType} | undefined; sum: number }, ${outType}> = {`,
    `${i2}createAccumulator: () => ({ key: undefined, sum: 0 }),`,
    `${i2}add: (tuple, acc) => ({ key: ${fieldAccess('tuple', keyField)}, sum: acc.sum + ${m.delta} }),`,
    `${i2}merge: (a, b) => ({ key: a.key ?? b.key, sum: a.sum + b.sum }),`,
    `${i2}getResult: (acc) => ({ ${result.join(', ')} }),`,
    `${i1}};`,
    '}',
  ].join('\n');
  p.edits.replaceRange(cls.getStart(), cls.getEnd(), p.styled(body), NAME);
  p.runtimeImports.add('type AggregateFunction');
  p.finding(
    NAME,
    'SS941',
    'partial',
    g.node,
    c.id!,
    `partialKeyGrouping on ${keyField} into ${cls.getName()} (a per-key sum of ${m.delta}) → keyBy + aggregate with localGlobal and miniBatch ${MINI_BATCH}`,
    rule.codes.SS941!.manualStep,
  ).lastPerKey = [m.keyOutput];
  return {
    calls: [
      `.keyBy((record) => ${fieldAccess('record', keyField)})`,
      `.aggregate(${c.instance.getText()}.aggregate, ${options.slice(0, -2)}, localGlobal: true, miniBatch: ${MINI_BATCH} })`,
    ],
    shape: { fields: out, types: new Map(out.map((f) => [f, f === m.keyOutput ? keyType : 'number'])) },
  };
}

const norm = (node: Node): string => node.getText().replace(/\s+/g, ' ').replace(/;$/, '');
const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Recognizes the per-key sum shapes (Map get/set, or an object indexed by the key). */
function matchSum(comp: ComponentClass, keyField: string, input: RecordShape): Match | undefined {
  const cls = comp.decl;
  if (comp.compatBase !== 'BaseBasicBolt' || comp.viaUserClass || comp.namedStreams.length) return undefined;
  if (comp.outputFields?.length !== 2 || cls.getTypeParameters().length) return undefined;
  const props = cls.getProperties();
  const methods = cls.getMethods().map((x) => x.getName());
  if (props.length !== 1 || cls.getConstructors().length || cls.getGetAccessors().length) return undefined;
  if (methods.some((x) => x !== 'execute' && x !== 'declareOutputFields')) return undefined;
  const field = props[0]!;
  if (field.isStatic()) return undefined;
  const init = field.getInitializer()?.getText().replace(/\s+/g, '');
  const isMap = init !== undefined && /^newMap(<[^>]*>)?\(\)$/.test(init);
  if (!isMap && init !== '{}') return undefined;
  const execute = cls.getInstanceMethod('execute');
  const [tupleParam, collectorParam] = execute?.getParameters() ?? [];
  if (!execute || !tupleParam || !collectorParam || execute.isAsync()) return undefined;
  const tuple = tupleParam.getName();
  const collector = collectorParam.getName();
  const statements = execute.getStatements();
  const F = `this\\.${esc(field.getName())}`;
  // The key: a const bound to the grouping field's getter, or the getter itself.
  const readsKey = (e: Node | undefined): boolean => {
    if (!e || !Node.isCallExpression(e)) return false;
    const out = tupleToRecord(e, tuple, input, 'r');
    return 'text' in out && out.text.replace(/^\((.*) as \w+\)$/, '$1') === fieldAccess('r', keyField);
  };
  let rest = statements;
  let K: string;
  const first = statements[0];
  const decl = first && Node.isVariableStatement(first) ? first.getDeclarations() : [];
  if (decl.length === 1 && readsKey(decl[0]!.getInitializer())) {
    K = esc(decl[0]!.getName());
    rest = statements.slice(1);
  } else {
    const call = statements[0]?.getFirstDescendantByKind(SyntaxKind.CallExpression);
    if (!readsKey(call)) return undefined;
    K = esc(norm(call!));
  }
  const texts = rest.map(norm);
  let deltaNode: Expression | undefined;
  let sumText: string;
  const ZERO = '(\\?\\?|\\|\\|) 0\\) \\+ ';
  if (isMap && texts.length === 3) {
    const m0 = new RegExp(`^const (\\w+) = \\(${F}\\.get\\(${K}\\) ${ZERO}`).exec(texts[0]!);
    if (!m0 || texts[1] !== `this.${field.getName()}.set(${unesc(K)}, ${m0[1]})`) return undefined;
    const d = (rest[0] as never as import('ts-morph').VariableStatement).getDeclarations()[0]?.getInitializer();
    if (!d || !Node.isBinaryExpression(d)) return undefined;
    deltaNode = d.getRight();
    sumText = m0[1]!;
  } else if (!isMap && texts.length === 2) {
    const target = `this.${field.getName()}[${unesc(K)}]`;
    if (!new RegExp(`^${F}\\[${K}\\] = \\(${F}\\[${K}\\] ${ZERO}`).test(texts[0]!)) return undefined;
    const expr = (rest[0] as never as import('ts-morph').ExpressionStatement).getExpression?.();
    if (!expr || !Node.isBinaryExpression(expr) || !Node.isBinaryExpression(expr.getRight())) return undefined;
    deltaNode = (expr.getRight() as import('ts-morph').BinaryExpression).getRight();
    sumText = target;
  } else return undefined;
  const emit = new RegExp(`^${esc(collector)}\\.emit\\(new Values\\((.+), (.+)\\)\\)$`).exec(texts.at(-1)!);
  if (!emit) return undefined;
  const [a, b] = [emit[1]!, emit[2]!];
  const key = unesc(K);
  const keyIndex = a === key && b === sumText ? 0 : b === key && a === sumText ? 1 : -1;
  if (keyIndex < 0) return undefined;
  // The delta: from the tuple alone (no instance, no key variable, no sum), typed number.
  if (
    deltaNode.getDescendantsOfKind(SyntaxKind.ThisKeyword).length ||
    identifiersIn(deltaNode).some(
      (id) => id.getText() === key || id.getText() === sumText || id.getText() === collector,
    ) ||
    !(deltaNode.getType().isNumber() || deltaNode.getType().isNumberLiteral())
  )
    return undefined;
  const delta = tupleToRecord(deltaNode, tuple, input, 'tuple');
  if (!('text' in delta)) return undefined;
  const out = comp.outputFields!;
  return {
    keyOutput: out[keyIndex]!,
    sumOutput: out[1 - keyIndex]!,
    delta: /^[\w.$]+$/.test(delta.text) ? delta.text : `(${delta.text})`,
  };
}

function unesc(s: string): string {
  return s.replace(/\\(.)/g, '$1');
}
