/**
 * RedisLookupBolt → `asyncMap(redisLookup(...))`. compat's RedisLookupBolt already runs on the
 * runtime's `redisLookup` (STRING → GET key, HASH → HGET hash field, an optional LRU value cache)
 * and awaits one lookup at a time per task, in order; the native asyncMap gets the same lookup,
 * `capacity: 1`, `ordered: true` and the topology's message timeout. The mapper (a class of the
 * module) is folded in: its key getter becomes `key`/`field`, and `toTuple` becomes `combine`
 * when it returns exactly one tuple, as its last statement.
 */
import { Node, SyntaxKind, type ClassDeclaration, type Expression } from 'ts-morph';
import type { WiredComponent } from '../../analyze/index.ts';
import { fieldsOf } from '../../analyze/index.ts';
import { propertyName, recordType, type Planner, type RecordShape, type RuleInfo } from '../planner.ts';
import {
  compatEnumMember,
  isCompatName,
  readChain,
  resolveOnce,
  singleReturn,
  tupleToRecord,
} from './connector-support.ts';

export const rule: RuleInfo = {
  name: 'redis-lookup',
  description: 'RedisLookupBolt becomes asyncMap over the runtime Redis lookup.',
  codes: {
    SS909: {
      status: 'converted',
      title:
        'RedisLookupBolt → asyncMap(redisLookup(...)) with the same command, key, value cache, capacity 1, ordered, the message timeout; the mapper was folded in',
      manualStep: 'raise capacity if lookups may overlap (compat ran one per task)',
    },
    SS910: {
      status: 'left',
      title:
        'RedisLookupBolt not provable (the mapper has logic beyond field reads, toTuple does not return exactly one tuple, data type other than STRING/HASH, pool config not literal)',
      manualStep: 'write the asyncMap(redisLookup(...)) by hand',
    },
  },
};

const NAME = rule.name;

export function planRedisLookupBolt(
  p: Planner,
  c: WiredComponent,
  instance: Expression,
  input: RecordShape,
  poolUrl: (expr: Expression, fail: (node: Node, reason: string) => never) => string,
  timeoutMs: number,
  options: string,
): { call: string; shape: RecordShape } {
  const fail = (node: Node, reason: string): never =>
    p.block(NAME, 'SS910', node, c.id!, reason, rule.codes.SS910!.manualStep!);
  const { root, calls } = readChain(instance);
  if (!Node.isNewExpression(root)) return fail(instance, 'RedisLookupBolt is not built in one chain');
  let cache: string | undefined;
  for (const call of calls) {
    if (call.name === 'withCache' && call.args.length === 1) cache = call.args[0]!.getText();
    else return fail(call.node, `RedisLookupBolt.${call.name}(...) has no native mapping here`);
  }
  const [pool, mapperArg] = root.getArguments() as Expression[];
  if (!pool || !mapperArg) return fail(root, 'RedisLookupBolt without a pool config and a mapper');
  const poolRef = resolveOnce(p, pool);
  const url = poolUrl(poolRef.expr, fail);
  const mapperRef = resolveOnce(p, mapperArg);
  const mapper = mapperRef.expr;
  if (!Node.isNewExpression(mapper) || mapper.getArguments().length || !Node.isIdentifier(mapper.getExpression()))
    return fail(mapper, 'the lookup mapper is not `new Mapper()` of a class in this module');
  const cls = p.facts.sourceFile.getClass(mapper.getExpression().getText());
  if (!cls) return fail(mapper, `${mapper.getExpression().getText()} is not declared in this module`);
  if (cls.isExported()) return fail(cls, `${cls.getName()} is exported: other modules may use it`);
  const uses =
    cls
      .getNameNode()
      ?.findReferencesAsNodes()
      .filter((n) => n.getSourceFile() === p.facts.sourceFile) ?? [];
  if (uses.length !== 1) return fail(cls, `${cls.getName()} is used more than once`);
  const m = readLookupMapper(p, cls, input, fail);
  for (const ref of [poolRef, mapperRef]) if (ref.declaration) p.edits.remove(ref.declaration, NAME);
  p.edits.remove(cls, NAME);
  p.runtimeImports.add('redisLookup');
  const lookup = [
    `url: ${url}`,
    ...(m.type === 'STRING'
      ? [`command: 'get'`, `key: ${m.key}`]
      : [`command: 'hget'`, `key: () => ${m.hash}`, `field: ${m.key}`]),
    `combine: ${m.combine}`,
    ...(cache ? [`cache: ${cache}`] : []),
  ];
  const timeout = timeoutMs.toLocaleString('en-US').replace(/,/g, '_');
  p.finding(
    NAME,
    'SS909',
    'converted',
    c.node,
    c.id!,
    `RedisLookupBolt (${m.type === 'STRING' ? 'GET' : `HGET ${m.hash}`}${cache ? ', cached' : ''}) → asyncMap(redisLookup), capacity 1, ordered, timeout ${timeout} ms; the mapper ${cls.getName()} was folded in`,
    rule.codes.SS909!.manualStep,
  );
  return {
    call: `.asyncMap(redisLookup<${recordType(input)}, ${recordType(m.output)}>({ ${lookup.join(', ')} }), ${options.slice(0, -2)}, capacity: 1, timeoutMs: ${timeout}, ordered: true })`,
    shape: m.output,
  };
}

function readLookupMapper(
  p: Planner,
  cls: ClassDeclaration,
  input: RecordShape,
  fail: (node: Node, reason: string) => never,
): { type: 'STRING' | 'HASH'; hash?: string; key: string; combine: string; output: RecordShape } {
  const allowed = new Set([
    'getDataTypeDescription',
    'getKeyFromTuple',
    'getValueFromTuple',
    'toTuple',
    'declareOutputFields',
  ]);
  for (const member of cls.getMembers()) {
    const name = Node.isMethodDeclaration(member) ? member.getName() : undefined;
    if (!name || !allowed.has(name)) return fail(member, `${cls.getName()} has a member other than the mapper methods`);
  }
  if (cls.getDescendantsOfKind(SyntaxKind.ThisKeyword).length) return fail(cls, `${cls.getName()} reads its instance`);
  const describe = singleReturn(cls.getInstanceMethod('getDataTypeDescription')?.getBody());
  if (
    !describe ||
    !Node.isNewExpression(describe) ||
    !isCompatName(p, describe.getExpression(), 'RedisDataTypeDescription')
  )
    return fail(cls, 'getDataTypeDescription() does not return `new RedisDataTypeDescription(...)`');
  const [typeArg, hashArg] = describe.getArguments() as Expression[];
  const type = compatEnumMember(p, typeArg, 'RedisDataType');
  if (type !== 'STRING' && type !== 'HASH')
    return fail(describe, `data type ${type ?? typeArg?.getText()}: compat looks up STRING and HASH only`);
  if (type === 'HASH' && !hashArg) return fail(describe, 'HASH without the hash key');
  // Output fields: declarer.declare(new Fields(...)) with literal names.
  const declare = cls.getInstanceMethod('declareOutputFields');
  const declared = declare?.getStatements() ?? [];
  const call = declared.length === 1 ? declared[0]!.getFirstDescendantByKind(SyntaxKind.CallExpression) : undefined;
  const fields =
    call && /\.declare$/.test(call.getExpression().getText()) ? fieldsOf(call.getArguments()[0]) : undefined;
  if (!fields?.length)
    return fail(declare ?? cls, 'declareOutputFields does not declare literal fields on the default stream');
  // key
  const keyDecl = cls.getInstanceMethod('getKeyFromTuple');
  const keyBody = singleReturn(keyDecl?.getBody());
  const keyParam = keyDecl?.getParameters()[0];
  if (!keyDecl || !keyBody || !keyParam)
    return fail(keyDecl ?? cls, 'getKeyFromTuple is not a single return over the tuple');
  const keyText = tupleToRecord(keyBody, keyParam.getName(), input);
  if ('reason' in keyText) return fail(keyBody, `getKeyFromTuple: ${keyText.reason}`);
  // toTuple(input, value): statements, then `return [[v1, v2, ...]]` as the only return.
  const toTuple = cls.getInstanceMethod('toTuple');
  const [inParam, valueParam] = toTuple?.getParameters() ?? [];
  const statements = toTuple?.getStatements() ?? [];
  const last = statements.at(-1);
  const returned = last && Node.isReturnStatement(last) ? last.getExpression() : undefined;
  const only =
    returned && Node.isArrayLiteralExpression(returned) && returned.getElements().length === 1
      ? returned.getElements()[0]
      : undefined;
  if (
    !toTuple ||
    !inParam ||
    !only ||
    !Node.isArrayLiteralExpression(only) ||
    toTuple.getDescendantsOfKind(SyntaxKind.ReturnStatement).length !== 1
  )
    return fail(toTuple ?? cls, 'toTuple does not end in the only `return [[...values]]` (one tuple per input)');
  const values = only.getElements();
  if (values.length !== fields.length) return fail(only, `${values.length} values for ${fields.length} fields`);
  const rec = inParam.getName();
  const parts: string[] = [];
  for (const s of statements.slice(0, -1)) {
    const t = tupleToRecord(s, rec, input);
    if ('reason' in t) return fail(s, `toTuple: ${t.reason}`);
    parts.push(t.text);
  }
  const outs: string[] = [];
  for (const [i, v] of values.entries()) {
    const t = tupleToRecord(v, rec, input);
    if ('reason' in t) return fail(v, `toTuple: ${t.reason}`);
    outs.push(`${propertyName(fields[i]!)}: ${t.text}`);
  }
  const params = `(${rec}, ${valueParam ? valueParam.getName() : '_value'})`;
  const combine = parts.length
    ? `${params} => { ${parts.join(' ')} return { ${outs.join(', ')} }; }`
    : `${params} => ({ ${outs.join(', ')} })`;
  return {
    type,
    ...(type === 'HASH' ? { hash: hashArg!.getText() } : {}),
    key: `(${keyParam.getName()}) => ${keyText.text}`,
    combine,
    output: {
      fields,
      types: new Map(values.map((v, i) => [fields[i]!, v.getType().isAny() ? 'unknown' : p.typeText(v)])),
    },
  };
}
