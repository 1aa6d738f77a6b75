/**
 * state. A fields-grouped bolt's Map field that is only read and written under the grouping key
 * becomes keyed ValueState (checkpointed, rescalable). Other mutable instance fields stay on the
 * function object, per subtask: compat checkpointed them, the native runtime does not, so that is
 * reported with the reason (cross-key iteration, non-key access).
 */
import { Node, SyntaxKind, type MethodDeclaration } from 'ts-morph';
import type { ComponentClass } from '../../analyze/index.ts';
import { isWrite, thisMembers, type Planner, type RecordShape, type RuleInfo } from '../planner.ts';
import { planGlobalKeyValueState } from './state-global.ts';

export const rule: RuleInfo = {
  name: 'state',
  description: 'Instance fields of bolts become keyed state where the grouping key proves it safe.',
  codes: {
    SS401: {
      status: 'converted',
      title: 'Map field read and written only under the grouping key became keyed ValueState',
    },
    SS402: {
      status: 'partial',
      title: 'mutable instance field kept per subtask: not checkpointed by the native runtime (compat checkpointed it)',
      manualStep: 'move it into keyed state (ValueState/MapState) or accept that it restarts empty after a restore',
    },
    SS403: {
      status: 'left',
      title: 'stateful bolt (KeyValueState) not converted',
      manualStep: 'move the KeyValueState into keyed state under keyBy',
    },
    SS404: {
      status: 'converted',
      title: 'KeyValueState of a stateful bolt, used only by the grouping key, became keyed ValueState (checkpointed)',
    },
  },
};

const NAME = rule.name;
const MUTATORS = new Set([
  'set',
  'delete',
  'clear',
  'push',
  'pop',
  'shift',
  'unshift',
  'splice',
  'add',
  'sort',
  'reverse',
  'fill',
]);

export function planState(
  p: Planner,
  comp: ComponentClass,
  execute: MethodDeclaration,
  input: RecordShape,
  key: { fields: string[]; type: string } | undefined,
  tupleName: string,
  collectorField: string | undefined,
  skip?: string | readonly string[],
): { keyed: boolean; members: string | undefined } {
  const cls = comp.decl;
  const setUp = new Set(['constructor', 'prepare', 'open']);
  const stateFields: string[] = [];
  for (const prop of cls.getInstanceProperties()) {
    if (!Node.isPropertyDeclaration(prop) || prop.isStatic()) continue;
    const name = prop.getName();
    if (name === collectorField || (typeof skip === 'string' ? name === skip : skip?.includes(name))) continue;
    const mutated = thisMembers(cls, name).some((access) => {
      const method = access.getFirstAncestor((a) => Node.isMethodDeclaration(a) || Node.isConstructorDeclaration(a));
      const methodName = method && Node.isMethodDeclaration(method) ? method.getName() : 'constructor';
      if (setUp.has(methodName)) return false;
      if (isWrite(access)) return true;
      const parent = access.getParent();
      if (parent && Node.isPropertyAccessExpression(parent) && MUTATORS.has(parent.getName())) return true;
      if (parent && Node.isElementAccessExpression(parent) && isWrite(parent)) return true;
      // A class instance changes through its own methods, or wherever it is handed out to.
      if (instanceClass(prop)) {
        const call = parent?.getParent();
        if (parent && Node.isPropertyAccessExpression(parent) && call && Node.isCallExpression(call)) return true;
        if (parent && Node.isReturnStatement(parent)) return true;
      }
      return false;
    });
    if (mutated) stateFields.push(name);
  }
  if (stateFields.length === 0) return { keyed: false, members: undefined };

  // Keyed conversion: one key field, a Map only touched as map.get/set/has/delete(<the key>) in execute.
  const keyField = key?.fields.length === 1 ? key.fields[0] : undefined;
  const keyLocals = new Set<string>();
  if (keyField) {
    for (const decl of execute.getDescendantsOfKind(SyntaxKind.VariableDeclaration)) {
      const init = decl.getInitializer()?.getText();
      if (init && isKeyRead(init, tupleName, keyField, input.fields)) keyLocals.add(decl.getName());
    }
  }
  const converted: Array<{ name: string; valueType: string }> = [];
  const kept: string[] = [];
  const reasons: string[] = [];
  for (const name of stateFields) {
    const prop = cls.getInstanceProperty(name)!;
    const init = Node.isPropertyDeclaration(prop) ? prop.getInitializer() : undefined;
    const typeText = Node.isPropertyDeclaration(prop) ? (prop.getTypeNode()?.getText() ?? init?.getText() ?? '') : '';
    const mapType = /Map<\s*([^,]+),\s*(.+)>\s*(\(\))?$/.exec(typeText);
    const accesses = thisMembers(cls, name);
    const keyedUse = (a: Node): boolean => {
      const access = a.getParent();
      const call = access?.getParent();
      if (
        !access ||
        !Node.isPropertyAccessExpression(access) ||
        !call ||
        !Node.isCallExpression(call) ||
        call.getExpression() !== access
      )
        return false;
      if (!['get', 'set', 'has', 'delete'].includes(access.getName())) return false;
      if (a.getFirstAncestorByKind(SyntaxKind.MethodDeclaration) !== execute) return false;
      const arg = call.getArguments()[0]?.getText() ?? '';
      return keyLocals.has(arg) || (keyField !== undefined && isKeyRead(arg, tupleName, keyField, input.fields));
    };
    if (
      keyField &&
      mapType &&
      init &&
      /^new Map\b/.test(init.getText()) &&
      accesses.every(keyedUse) &&
      !cls.getInstanceMethod('prepare') &&
      !cls.getInstanceMethod('open')
    ) {
      converted.push({ name, valueType: mapType[2]!.trim() });
      continue;
    }
    kept.push(name);
    const held = instanceClass(prop);
    if (held) {
      reasons.push(
        `${name} (holds a ${held} instance, changed through its methods: native state snapshots by structured clone, which drops the class, and no codec is registered for it)`,
      );
      continue;
    }
    const other = accesses.find((a) => !keyedUse(a));
    const where = other?.getFirstAncestorByKind(SyntaxKind.MethodDeclaration)?.getName() ?? 'a field initializer';
    reasons.push(
      !keyField
        ? `${name} (the bolt is not keyed by one field)`
        : mapType
          ? `${name} (cross-key or non-key use in ${where})`
          : `${name} (not a Map keyed by '${keyField}')`,
    );
  }
  let members: string | undefined;
  if (converted.length) {
    const ind = p.indentOf(cls.getMembers()[0]!);
    for (const { name, valueType } of converted) {
      const prop = cls.getInstanceProperty(name)!;
      if (!Node.isPropertyDeclaration(prop)) continue;
      const modifiers = prop
        .getModifiers()
        .filter((m) => m.getKind() !== SyntaxKind.ReadonlyKeyword)
        .map((m) => m.getText())
        .join(' ');
      p.edits.replaceRange(
        prop.getStart(),
        prop.getEnd(),
        `${modifiers ? `${modifiers} ` : ''}${name}!: ValueState<${valueType}>;`,
        NAME,
      );
      // Innermost first: a read inside a write's value (`set(k, get(k) + 1)`) is in the write's text.
      for (const a of thisMembers(cls, name).sort((x, y) => y.getStart() - x.getStart())) {
        const access = a.getParent() as import('ts-morph').PropertyAccessExpression;
        const call = access.getParent() as import('ts-morph').CallExpression;
        const args = call.getArguments();
        const replacement = {
          get: `this.${name}.value()`,
          set: `this.${name}.update(${args[1] ? p.edits.textOf(args[1]) : 'undefined'})`,
          has: `(this.${name}.value() !== undefined)`,
          delete: `this.${name}.clear()`,
        }[access.getName() as 'get']!;
        p.edits.replace(call, replacement, NAME);
      }
      p.finding(NAME, 'SS401', 'converted', prop, comp.name, `${name} → keyed ValueState<${valueType}>`);
    }
    members = [
      '',
      `${ind}open(context: KeyedRuntimeContext): void {`,
      ...converted.map(
        ({ name, valueType }) =>
          `${ind}${p.style.indent}this.${name} = context.getState(new ValueStateDescriptor<${valueType}>('${name}'));`,
      ),
      `${ind}}`,
      '',
    ].join('\n');
    p.runtimeImports.add('ValueStateDescriptor');
    p.runtimeImports.add('type ValueState');
    p.runtimeImports.add('type KeyedRuntimeContext');
  }
  if (kept.length)
    p.finding(
      NAME,
      'SS402',
      'partial',
      cls,
      comp.name,
      `kept per subtask, not checkpointed: ${reasons.join('; ')}`,
      rule.codes.SS402!.manualStep!,
    );
  return { keyed: converted.length > 0, members };
}

function isKeyRead(text: string, tuple: string, field: string, fields: string[]): boolean {
  const index = fields.indexOf(field);
  const m = /^(\w+)\.get(\w*?)(ByField)?\((.+)\)$/.exec(text.trim());
  if (!m || m[1] !== tuple) return false;
  const arg = m[4]!.trim();
  return m[3] ? arg === `'${field}'` || arg === `"${field}"` : arg === String(index);
}

export interface KeyValuePlan {
  field: string;
  valueType: string;
  /** Fields derived from the state by initState() (state-global.ts). */
  derived?: string[];
  /** Rewrites the accesses and the field; call once the accessor edits inside execute are planned. */
  apply(): string;
}

/**
 * A stateful bolt's KeyValueState becomes keyed ValueState when that is the same thing: the bolt
 * is fields-grouped on one field, initState only keeps the state in a field, and execute touches
 * it only as get/put/delete with the grouping key as the state key (each task's KeyValueState then
 * holds one entry per key it owns, which is what keyed state is, checkpointed and restored the
 * same way). Anything else (a constant key, iteration, the state read outside execute, values that
 * may be null) is left with the reason.
 */
export function planKeyValueState(
  p: Planner,
  comp: ComponentClass,
  execute: MethodDeclaration,
  input: RecordShape,
  key: { fields: string[]; type: string } | undefined,
  tupleName: string,
): KeyValuePlan {
  const cls = comp.decl;
  const left = (node: Node, why: string): never =>
    p.block(NAME, 'SS403', node, comp.name, why, rule.codes.SS403!.manualStep!);
  for (const hook of ['preCommit', 'prePrepare', 'preRollback']) {
    const m = cls.getInstanceMethod(hook);
    if (m) left(m, `${hook}() has no native counterpart`);
  }
  const keyField = key?.fields.length === 1 ? key.fields[0] : undefined;
  // Keyed by a constant (state-global.ts): one task's whole state under one key.
  if (key && key.fields.length === 0) return planGlobalKeyValueState(p, comp, execute, left);
  if (!keyField)
    left(
      cls,
      'the bolt is not fields-grouped on one field: its KeyValueState is per task, and the native runtime has keyed state only',
    );
  const init = cls.getInstanceMethod('initState');
  const statements = init?.getStatements() ?? [];
  const param = init?.getParameters()[0]?.getName();
  const m = statements.length === 1 ? /^this\.(\w+)\s*=\s*(\w+);?$/.exec(statements[0]!.getText()) : null;
  if (!init || !m || m[2] !== param)
    left(init ?? cls, 'initState() does more than keep the state in a field (state read at start-up is not keyed)');
  const field = m![1]!;
  const prop = cls.getInstanceProperty(field);
  const typeText = prop && Node.isPropertyDeclaration(prop) ? (prop.getTypeNode()?.getText() ?? '') : '';
  const kv = /^KeyValueState<\s*([^,]+),\s*(.+)>$/.exec(typeText);
  if (!prop || !kv) left(prop ?? init!, `the state field ${field} is not declared as KeyValueState<K, V>`);
  const valueType = kv![2]!.trim();
  if (/\b(null|undefined|unknown|any)\b/.test(valueType))
    left(prop!, `values of type ${valueType} may be null: get(key, default) would differ`);
  const keyLocals = new Set<string>();
  for (const decl of execute.getDescendantsOfKind(SyntaxKind.VariableDeclaration)) {
    const text = decl.getInitializer()?.getText();
    const list = decl.getVariableStatement();
    if (
      text &&
      list &&
      isKeyRead(text, tupleName, keyField!, input.fields) &&
      /^const\b/.test(list.getDeclarationList().getText())
    )
      keyLocals.add(decl.getName());
  }
  const uses: Array<{ call: import('ts-morph').CallExpression; method: string }> = [];
  for (const access of thisMembers(cls, field)) {
    if (isWrite(access) && access.getFirstAncestorByKind(SyntaxKind.MethodDeclaration) === init) continue;
    const member = access.getParent();
    const call = member?.getParent();
    if (access.getFirstAncestorByKind(SyntaxKind.MethodDeclaration) !== execute)
      left(
        access,
        `the state is used outside execute (${access.getFirstAncestorByKind(SyntaxKind.MethodDeclaration)?.getName() ?? 'a field'})`,
      );
    if (
      !Node.isPropertyAccessExpression(member) ||
      !call ||
      !Node.isCallExpression(call) ||
      call.getExpression() !== member ||
      !['get', 'put', 'delete'].includes(member.getName())
    ) {
      left(
        access,
        `\`${(call ?? access).getText().slice(0, 60)}\`: only get/put/delete by the grouping key map onto keyed state`,
      );
    }
    const c = call as import('ts-morph').CallExpression;
    const arg = c.getArguments()[0]?.getText() ?? '';
    if (!keyLocals.has(arg) && !isKeyRead(arg, tupleName, keyField!, input.fields))
      left(c, `\`${c.getText().slice(0, 60)}\`: the state key is not the grouping key '${keyField}'`);
    const method = (member as import('ts-morph').PropertyAccessExpression).getName();
    if (method === 'delete' && !Node.isExpressionStatement(c.getParent()))
      left(c, 'the value delete() returns is used');
    uses.push({ call: c, method });
  }
  return {
    field,
    valueType,
    apply: () => {
      const modifiers = prop!
        .getModifiers()
        .filter((x) => x.getKind() !== SyntaxKind.ReadonlyKeyword)
        .map((x) => x.getText())
        .join(' ');
      p.edits.replaceRange(
        prop!.getStart(),
        prop!.getEnd(),
        `${modifiers ? `${modifiers} ` : ''}${field}!: ValueState<${valueType}>;`,
        NAME,
      );
      for (const { call, method } of [...uses].sort((a, b) => b.call.getStart() - a.call.getStart())) {
        const args = call.getArguments();
        const text =
          method === 'put'
            ? `this.${field}.update(${p.edits.textOf(args[1]!)})`
            : method === 'delete'
              ? `this.${field}.clear()`
              : `(this.${field}.value() ?? ${args[1] ? p.edits.textOf(args[1]) : 'null'})`;
        p.edits.replace(call, text, NAME);
      }
      p.edits.remove(init!, NAME);
      p.runtimeImports.add('ValueStateDescriptor');
      p.runtimeImports.add('type ValueState');
      p.runtimeImports.add('type KeyedRuntimeContext');
      p.finding(
        NAME,
        'SS404',
        'converted',
        prop!,
        comp.name,
        `KeyValueState ${field} (keyed by '${keyField}') → keyed ValueState<${valueType}>`,
      );
      return `this.${field} = context.getState(new ValueStateDescriptor<${valueType}>('${field}'));`;
    },
  };
}

/**
 * The name of the user class a field holds an instance of (declared in the project, not a built-in
 * or library type), or undefined. Its data lives behind methods: neither provably plain data nor
 * restorable by the native runtime's structured-clone snapshots, which keep no prototype.
 */
function instanceClass(prop: Node): string | undefined {
  if (!Node.isPropertyDeclaration(prop)) return undefined;
  const type = prop.getType();
  const symbol = type.getSymbol() ?? type.getAliasSymbol();
  const decl = symbol?.getDeclarations()[0];
  if (!decl || !Node.isClassDeclaration(decl)) return undefined;
  const file = decl.getSourceFile();
  if (file.isDeclarationFile() || file.isInNodeModules() || /\/compat\//.test(file.getFilePath())) return undefined;
  return decl.getName();
}
