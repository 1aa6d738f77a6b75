/**
 * state-global: the KeyValueState of a stateful bolt that runs on one task and is not keyed by its
 * grouping (shuffle, global, all or none into one task, any state keys: `put('sum', …)`). One task
 * sees the whole stream and owns the whole state, and so does one key: the bolt is keyed by a
 * constant (`keyBy((_record) => 0)`) and its KeyValueState becomes a MapState under that key,
 * checkpointed and restored with the job. Storm calls initState() before the first tuple after
 * start or restore; the native function runs it before the first element after open() (a restore
 * opens a fresh incarnation), so fields initState derives from the state (`this.sum =
 * state.get('sum', 0)`) are derived again, as in Storm. Iterating the state (cross-key reads) and
 * a bolt on several tasks (per-task state) are left with the reason (SS403).
 */
import { Node, SyntaxKind, type MethodDeclaration } from 'ts-morph';
import type { ComponentClass, WiredComponent } from '../../analyze/index.ts';
import { isWrite, thisMembers, type Planner, type RuleInfo } from '../planner.ts';
import type { Partitioning } from './groupings.ts';
import { identifiersIn } from '../../analyze/index.ts';

export const rule: RuleInfo = {
  name: 'state-global',
  description:
    'KeyValueState of a stateful bolt on one task, not keyed by its grouping, becomes MapState under one constant key.',
  codes: {
    SS420: {
      status: 'converted',
      title:
        'KeyValueState of a stateful bolt on one task → MapState under one constant key (keyBy(() => 0)); initState() runs before the first element after open',
    },
  },
};

const NAME = rule.name;
const ONE_TASK_GROUPINGS = new Set(['shuffle', 'localOrShuffle', 'none', 'global', 'all']);

/** The partitioning for such a bolt: one constant key. Undefined when the bolt is not one. */
export function globalStatePartitioning(c: WiredComponent, comp: ComponentClass): Partitioning | undefined {
  if (comp.compatBase !== 'BaseStatefulBolt' || comp.viaUserClass || !comp.decl.getInstanceMethod('initState'))
    return undefined;
  const parallelism = c.parallelism?.getText();
  if (parallelism !== undefined && parallelism !== '1') return undefined;
  if (!c.groupings.every((g) => ONE_TASK_GROUPINGS.has(g.kind) && g.stream === undefined)) return undefined;
  return { calls: '.keyBy((_record) => 0)', key: { fields: [], type: 'number' } };
}

export interface GlobalStatePlan {
  field: string;
  valueType: string;
  /** Fields initState() sets from the state: derived again after a restore, not state of their own. */
  derived: string[];
  apply(): string;
}

export function planGlobalKeyValueState(
  p: Planner,
  comp: ComponentClass,
  execute: MethodDeclaration,
  left: (node: Node, why: string) => never,
): GlobalStatePlan {
  const cls = comp.decl;
  const init = cls.getInstanceMethod('initState')!;
  const param = init.getParameters()[0];
  if (!param || init.getParameters().length !== 1) left(init, 'initState() does not take the state');
  const paramName = param!.getName();
  const first = init.getStatements()[0];
  const m = first ? /^this\.(\w+)\s*=\s*(\w+);?$/.exec(first.getText()) : null;
  if (!m || m[2] !== paramName) left(init, 'initState() does not first keep the state in a field');
  const field = m![1]!;
  const prop = cls.getInstanceProperty(field);
  const typeText = prop && Node.isPropertyDeclaration(prop) ? (prop.getTypeNode()?.getText() ?? '') : '';
  const kv = /^KeyValueState<\s*([^,]+),\s*(.+)>$/.exec(typeText);
  if (!prop || !kv) left(prop ?? init, `the state field ${field} is not declared as KeyValueState<K, V>`);
  const keyType = kv![1]!.trim();
  const valueType = kv![2]!.trim();
  if (/\b(null|undefined|unknown|any)\b/.test(valueType))
    left(prop!, `values of type ${valueType} may be null: get(key, default) would differ`);
  // The state parameter is only kept in the field.
  for (const id of identifiersIn(init))
    if (
      id.getText() === paramName &&
      id !== param!.getNameNode() &&
      !(
        Node.isPropertyAccessExpression(id.getParent()) &&
        (id.getParent() as never as { getNameNode(): Node }).getNameNode() === id
      ) &&
      !(id.getStart() >= first!.getStart() && id.getEnd() <= first!.getEnd())
    )
      left(id, `initState() uses the state other than keeping it in ${field}`);
  const uses: Array<{ call: import('ts-morph').CallExpression; method: string }> = [];
  for (const access of thisMembers(cls, field)) {
    const method = access.getFirstAncestorByKind(SyntaxKind.MethodDeclaration);
    if (isWrite(access) && method === init) continue;
    if (method !== execute && method !== init)
      left(access, `the state is used outside execute and initState (${method?.getName() ?? 'a field'})`);
    const member = access.getParent();
    const call = member?.getParent();
    if (Node.isForOfStatement(member) || Node.isSpreadElement(member))
      left(access, `iterating the state (\`${member.getText().slice(0, 50)}\`) reads across keys`);
    if (
      !Node.isPropertyAccessExpression(member) ||
      !call ||
      !Node.isCallExpression(call) ||
      call.getExpression() !== member ||
      !['get', 'put', 'delete'].includes(member.getName())
    )
      left(
        access,
        `\`${(call ?? access).getText().slice(0, 60)}\`: only get/put/delete map onto MapState (iterating the state reads across keys)`,
      );
    uses.push({
      call: call as import('ts-morph').CallExpression,
      method: (member as never as { getName(): string }).getName(),
    });
  }
  const derived = thisMembers(init, undefined)
    .filter((a) => isWrite(a))
    .map((a) => (a as never as { getName(): string }).getName())
    .filter((n) => n !== field);
  return {
    field,
    valueType,
    derived,
    apply: () => {
      const ind = p.indentOf(cls.getMembers()[0]!);
      const modifiers = prop!
        .getModifiers()
        .filter((x) => x.getKind() !== SyntaxKind.ReadonlyKeyword)
        .map((x) => x.getText())
        .join(' ');
      p.edits.replaceRange(
        prop!.getStart(),
        prop!.getEnd(),
        `${modifiers ? `${modifiers} ` : ''}${field}!: MapState<${keyType}, ${valueType}>;\n${ind}private stateInitialized = false;`,
        NAME,
      );
      for (const { call, method } of uses) {
        if (method !== 'get') continue;
        const args = call.getArguments();
        p.edits.replace(
          call,
          `(this.${field}.get(${p.edits.textOf(args[0]!)}) ?? ${args[1] ? p.edits.textOf(args[1]) : 'null'})`,
          NAME,
        );
      }
      // initState() keeps its body but no longer receives the state: open() fetched it.
      p.edits.remove(first!, NAME);
      p.edits.replaceRange(param!.getStart(), param!.getEnd(), '', NAME);
      const body = execute.getBody()!;
      const inner = `${ind}${p.style.indent}`;
      p.edits.insert(
        body.getStart() + 1,
        `\n${inner}if (!this.stateInitialized) {\n${inner}${p.style.indent}this.stateInitialized = true;\n${inner}${p.style.indent}this.initState();\n${inner}}`,
        NAME,
      );
      p.runtimeImports.add('MapStateDescriptor');
      p.runtimeImports.add('type MapState');
      p.runtimeImports.add('type KeyedRuntimeContext');
      p.finding(
        NAME,
        'SS420',
        'converted',
        prop!,
        comp.name,
        `KeyValueState ${field} on one task → MapState<${keyType}, ${valueType}> under keyBy(() => 0)${derived.length ? `; ${derived.join(', ')} derived again by initState() after a restore` : ''}`,
      );
      return `this.${field} = context.getMapState(new MapStateDescriptor<${keyType}, ${valueType}>('${field}'));\n${inner}this.stateInitialized = false;`;
    },
  };
}
