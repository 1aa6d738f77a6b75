/**
 * analyze: finds Storm components (classes deriving from compat base classes or implementing its
 * interfaces, resolved through the type checker) and topology wiring (TopologyBuilder calls,
 * groupings, declareOutputFields, Config) in one file. Facts only; nothing is decided or edited here.
 */
import {
  Node,
  SyntaxKind,
  type CallExpression,
  type Expression,
  type ClassDeclaration,
  type FunctionDeclaration,
  type SourceFile,
  type Statement,
  type VariableStatement,
} from 'ts-morph';
import type {
  ComponentClass,
  ComponentKind,
  ConfigFact,
  FileFacts,
  Grouping,
  GroupingKind,
  WiredComponent,
  WindowChain,
  WindowSpan,
  Wiring,
} from './facts.ts';
import { descendantsWhere, identifiersIn, isMemberCall } from './walk.ts';

export type * from './facts.ts';
export { descendantsOfKind, descendantsWhere, identifiersIn, isMemberCall, isThisMember } from './walk.ts';

const SPOUT_BASES = new Set([
  'BaseRichSpout',
  'IRichSpout',
  'ISpout',
  'BaseConfigurationDeclarer',
  'KafkaSpout',
  'FeederSpout',
  'FixedTupleSpout',
  'TestWordSpout',
  'ShellSpout',
]);
const BOLT_BASES = new Set([
  'BaseBasicBolt',
  'BaseRichBolt',
  'BaseWindowedBolt',
  'BaseStatefulBolt',
  'BaseStatefulWindowedBolt',
  'IRichBolt',
  'IBasicBolt',
  'IBolt',
  'IStatefulBolt',
  'IWindowedBolt',
  'JoinBolt',
  'KafkaBolt',
  'RedisStoreBolt',
  'ShellBolt',
]);

const GROUPINGS: Record<string, GroupingKind> = {
  shuffleGrouping: 'shuffle',
  localOrShuffleGrouping: 'localOrShuffle',
  noneGrouping: 'none',
  fieldsGrouping: 'fields',
  globalGrouping: 'global',
  allGrouping: 'all',
  partialKeyGrouping: 'partialKey',
  directGrouping: 'direct',
  customGrouping: 'custom',
  grouping: 'unknown',
};

export function isCompatFile(sourceFile: SourceFile): boolean {
  const p = sourceFile.getFilePath();
  return /\/compat\/(?!.*\/test\/)/.test(p) && !/\/transpiler\//.test(p);
}

function kindOfBase(name: string): ComponentKind | undefined {
  if (SPOUT_BASES.has(name)) return 'spout';
  if (BOLT_BASES.has(name)) return 'bolt';
  return undefined;
}

/** Follows base classes through the checker to the first compat class; then implemented compat interfaces. */
function compatBaseOf(
  cls: ClassDeclaration,
  compatNames?: ReadonlyMap<string, string>,
): { base: string; viaUserClass: boolean } | undefined {
  // `extends X` with X imported from compat: known without the checker (a top-level class cannot
  // see a shadowing X). Resolving the base type through the checker was ~6% of a large run.
  const extended = cls.getExtends()?.getExpression();
  const direct = extended && Node.isIdentifier(extended) ? compatNames?.get(extended.getText()) : undefined;
  if (direct && direct !== '*') return kindOfBase(direct) ? { base: direct, viaUserClass: false } : undefined;
  let current: ClassDeclaration | undefined = cls;
  let viaUserClass = false;
  for (let depth = 0; current && depth < 16; depth++) {
    const base: ClassDeclaration | undefined = current.getBaseClass();
    if (!base) break;
    if (isCompatFile(base.getSourceFile())) {
      const name = base.getName() ?? '';
      if (kindOfBase(name)) return { base: name, viaUserClass };
      return undefined;
    }
    viaUserClass = true;
    current = base;
  }
  for (const impl of cls.getImplements()) {
    const symbol = impl.getExpression().getSymbol();
    const target = symbol?.getAliasedSymbol() ?? symbol;
    const decl = target?.getDeclarations()[0];
    if (decl && isCompatFile(decl.getSourceFile())) {
      const name = target!.getName();
      if (kindOfBase(name)) return { base: name, viaUserClass: false };
    }
  }
  return undefined;
}

/** A string literal, or an expression the checker types as one string literal (a const id). */
export function literalString(node: Node | undefined): string | undefined {
  if (!node) return undefined;
  if (Node.isStringLiteral(node) || Node.isNoSubstitutionTemplateLiteral(node)) return node.getLiteralValue();
  if (Node.isIdentifier(node) || Node.isPropertyAccessExpression(node)) {
    const type = node.getType();
    if (type.isStringLiteral()) return type.getLiteralValue() as string;
  }
  return undefined;
}

function stringLiterals(args: readonly Node[]): string[] | undefined {
  const out: string[] = [];
  for (const a of args) {
    if (Node.isStringLiteral(a) || Node.isNoSubstitutionTemplateLiteral(a)) out.push(a.getLiteralValue());
    else if (Node.isArrayLiteralExpression(a)) {
      const inner = stringLiterals(a.getElements());
      if (!inner) return undefined;
      out.push(...inner);
    } else return undefined;
  }
  return out;
}

/** `new Fields('a', 'b')` or `new Fields(['a', 'b'])` → ['a', 'b']. */
export function fieldsOf(node: Node | undefined): string[] | undefined {
  if (!node || !Node.isNewExpression(node)) return undefined;
  if (node.getExpression().getText() !== 'Fields') return undefined;
  return stringLiterals(node.getArguments());
}

function outputsOf(cls: ClassDeclaration): { fields: string[] | undefined; streams: string[] } {
  const method = cls.getInstanceMethod('declareOutputFields');
  const streams: string[] = [];
  let fields: string[] | undefined;
  if (!method) return { fields, streams };
  for (const call of descendantsWhere<CallExpression>(method, isMemberCall)) {
    const callee = call.getExpression();
    if (!Node.isPropertyAccessExpression(callee)) continue;
    const name = callee.getName();
    const args = call.getArguments();
    if (name === 'declare') {
      if (args.length === 1) fields = fieldsOf(args[0]);
      else if (args.length === 2) fields = fieldsOf(args[1]); // declare(direct, fields)
    } else if (name === 'declareStream') {
      const id = args[0];
      if (id && Node.isStringLiteral(id) && id.getLiteralValue() !== 'default') streams.push(id.getLiteralValue());
      else if (id && Node.isStringLiteral(id)) fields = fieldsOf(args[args.length - 1]);
      else streams.push('<dynamic>');
    }
  }
  return { fields, streams };
}

/** The component facts of a class deriving from a compat base, or undefined. */
export function componentOf(
  cls: ClassDeclaration,
  compatNames?: ReadonlyMap<string, string>,
): ComponentClass | undefined {
  const base = compatBaseOf(cls, compatNames);
  if (!base) return undefined;
  const { fields, streams } = outputsOf(cls);
  return {
    name: cls.getName() ?? '<anonymous>',
    decl: cls,
    kind: kindOfBase(base.base)!,
    compatBase: base.base,
    viaUserClass: base.viaUserClass,
    outputFields: fields,
    namedStreams: streams,
  };
}

function findComponents(sourceFile: SourceFile, compatNames?: ReadonlyMap<string, string>): ComponentClass[] {
  const out: ComponentClass[] = [];
  for (const cls of sourceFile.getClasses()) {
    const c = componentOf(cls, compatNames);
    if (c) out.push(c);
  }
  return out;
}

/**
 * `new X()` where X is imported from another user module (not compat) and is a component there:
 * followed through the checker's alias to its declaration, so the job rule can convert that module too.
 */
function externalComponent(newExpr: Node): ComponentClass | undefined {
  if (!Node.isNewExpression(newExpr)) return undefined;
  const symbol = newExpr.getExpression().getSymbol();
  const target = symbol?.isAlias() ? symbol.getAliasedSymbol() : symbol;
  const decl = target?.getDeclarations()[0];
  if (!decl || !Node.isClassDeclaration(decl) || decl.getSourceFile() === newExpr.getSourceFile()) return undefined;
  if (isCompatFile(decl.getSourceFile()) || decl.getSourceFile().isInNodeModules()) return undefined;
  return componentOf(decl);
}

/** The root call of a chain `a.b(...).c(...)`, and the chained calls after it. */
function unchain(expr: Node): { root: CallExpression; chained: CallExpression[] } | undefined {
  const chained: CallExpression[] = [];
  let node: Node = expr;
  while (Node.isCallExpression(node)) {
    const callee = node.getExpression();
    if (!Node.isPropertyAccessExpression(callee)) return undefined;
    const target = callee.getExpression();
    if (Node.isCallExpression(target)) {
      chained.unshift(node);
      node = target;
    } else return { root: node, chained };
  }
  return undefined;
}

function readWiring(
  container: Statement[],
  builderDecl: VariableStatement,
  builderVariable: string,
  sourceFile: SourceFile,
  compatNames: Map<string, string>,
  components: ComponentClass[],
): Wiring {
  const wiring: Wiring = {
    builderFunction: undefined,
    builderDeclaration: builderDecl,
    builderVariable,
    statements: [],
    components: [],
    dynamic: [],
  };
  const start = container.indexOf(builderDecl);
  for (const statement of container.slice(start + 1)) {
    const text = statement.getText();
    if (!new RegExp(`\\b${builderVariable}\\b`).test(text)) continue;
    if (Node.isReturnStatement(statement) && statement.getExpression()?.getText() === builderVariable) {
      wiring.statements.push(statement);
      continue;
    }
    if (!Node.isExpressionStatement(statement)) {
      if (Node.isExportAssignment(statement)) continue;
      wiring.dynamic.push({ node: statement, reason: `the builder is used in a ${statement.getKindName()}` });
      continue;
    }
    const parts = unchain(statement.getExpression());
    const rootCallee = parts?.root.getExpression();
    if (
      !parts ||
      !rootCallee ||
      !Node.isPropertyAccessExpression(rootCallee) ||
      rootCallee.getExpression().getText() !== builderVariable
    ) {
      wiring.dynamic.push({ node: statement, reason: 'the builder is used other than by setSpout/setBolt chains' });
      continue;
    }
    const method = rootCallee.getName();
    if (method !== 'setSpout' && method !== 'setBolt') {
      wiring.dynamic.push({ node: statement, reason: `builder.${method}(...) is not read by the migration` });
      continue;
    }
    const [idArg, instance, parallelism] = parts.root.getArguments() as Expression[];
    const id = literalString(idArg);
    let className: string | undefined;
    let classDecl: ClassDeclaration | undefined;
    let libraryClass: string | undefined;
    let external: ComponentClass | undefined;
    const windowed = instance && compatNames.get('Count') === 'Count' ? countWindowOf(instance) : undefined;
    const chain = instance && !windowed ? windowChainOf(instance) : undefined;
    const bare = windowed?.inner ?? chain?.inner ?? instance;
    if (bare && Node.isNewExpression(bare) && Node.isIdentifier(bare.getExpression())) {
      className = bare.getExpression().getText();
      classDecl = components.find((c) => c.name === className)?.decl;
      if (!classDecl && compatNames.has(className)) libraryClass = compatNames.get(className);
      else if (!classDecl) external = externalComponent(bare);
      if (external) classDecl = external.decl;
    }
    const groupings: Grouping[] = [];
    const otherCalls: CallExpression[] = [];
    for (const call of parts.chained) {
      const callee = call.getExpression();
      if (!Node.isPropertyAccessExpression(callee)) continue;
      const kind = GROUPINGS[callee.getName()];
      if (!kind) {
        otherCalls.push(call);
        continue;
      }
      const args = call.getArguments();
      const src = args[0];
      const source = literalString(src);
      let stream: string | undefined;
      let fieldsArg = args[1];
      if (args[1] && Node.isStringLiteral(args[1])) {
        stream = args[1].getLiteralValue();
        if (stream === 'default') stream = undefined;
        fieldsArg = args[2];
      }
      const fields = kind === 'fields' || kind === 'partialKey' ? fieldsOf(fieldsArg) : undefined;
      groupings.push({ kind, method: callee.getName(), source, stream, fields, node: call });
    }
    const component: WiredComponent = {
      id,
      kind: method === 'setSpout' ? 'spout' : 'bolt',
      instance: bare!,
      ...(windowed ? { countWindow: windowed.window } : {}),
      ...(chain ? { window: chain.window } : {}),
      className,
      classDecl,
      libraryClass,
      ...(external ? { external } : {}),
      parallelism,
      groupings,
      otherCalls,
      node: parts.root,
    };
    wiring.components.push(component);
    wiring.statements.push(statement);
  }
  void sourceFile;
  return wiring;
}

function findWirings(sourceFile: SourceFile, compatNames: Map<string, string>, components: ComponentClass[]): Wiring[] {
  const builderLocal = [...compatNames].find(([, exported]) => exported === 'TopologyBuilder')?.[0];
  if (!builderLocal) return [];
  const wirings: Wiring[] = [];
  // Found through the text and wrapped one by one: walking every node through ts-morph wrappers
  // costs more than the rest of the analysis on a large repository.
  for (const newExpr of nodesAt(
    sourceFile,
    new RegExp(`\\bnew\\s+${builderLocal}\\b`, 'g'),
    SyntaxKind.NewExpression,
  )) {
    if (newExpr.getExpression().getText() !== builderLocal) continue;
    const decl = newExpr.getParentIfKind(SyntaxKind.VariableDeclaration);
    const statement = decl?.getVariableStatement();
    const block = statement?.getParent();
    if (!decl || !statement || !block || !(Node.isBlock(block) || Node.isSourceFile(block))) continue;
    const wiring = readWiring(block.getStatements(), statement, decl.getName(), sourceFile, compatNames, components);
    const fn = block.getParent();
    if (Node.isBlock(block)) {
      if (fn && Node.isFunctionDeclaration(fn) && fn.getName()) {
        wiring.builderFunction = fn;
        for (const c of wiring.components)
          if (c.className === undefined) resolveParameterDefault(c, fn, compatNames, components);
      } else
        wiring.dynamic.push({
          node: statement,
          reason: 'the builder is created inside something other than a named function',
        });
    }
    wirings.push(wiring);
  }
  return wirings;
}

/**
 * A component passed in through a builder-function parameter with a default: `spout` where the
 * parameter is `spout = new X()`, or `options.spout ?? new X()` on an options parameter. The
 * default is what the module's own topology runs when no call passes the parameter (the job rule
 * checks the calls); the instance becomes the default `new X()`.
 */
function resolveParameterDefault(
  c: WiredComponent,
  fn: FunctionDeclaration,
  compatNames: Map<string, string>,
  components: ComponentClass[],
): void {
  const instance = c.instance;
  let def: Expression | undefined;
  let name: string | undefined;
  let property: string | undefined;
  if (Node.isIdentifier(instance)) {
    name = instance.getText();
    def = fn.getParameter(name)?.getInitializer();
  } else if (
    Node.isBinaryExpression(instance) &&
    instance.getOperatorToken().getKind() === SyntaxKind.QuestionQuestionToken
  ) {
    const left = instance.getLeft();
    if (Node.isPropertyAccessExpression(left) && Node.isIdentifier(left.getExpression())) {
      name = left.getExpression().getText();
      property = left.getName();
      def = instance.getRight();
    }
  }
  const parameter = name === undefined ? undefined : fn.getParameter(name);
  if (!parameter || !def || !Node.isNewExpression(def) || !Node.isIdentifier(def.getExpression())) return;
  // The spout/bolt is read nowhere else: the parameter (or that option) appears only here, and an
  // options object is only read property by property (never passed on whole).
  const body = fn.getBody();
  for (const id of body ? identifiersIn(body) : []) {
    if (id.getText() !== name || id === instance || id.getFirstAncestor((a) => a === instance)) continue;
    const access = id.getParent();
    if (
      property === undefined ||
      !Node.isPropertyAccessExpression(access) ||
      access.getExpression() !== id ||
      access.getName() === property
    )
      return;
  }
  const className = def.getExpression().getText();
  c.fromParameter = { parameter, index: fn.getParameters().indexOf(parameter), property, expression: instance };
  c.instance = def;
  c.className = className;
  c.classDecl = components.find((x) => x.name === className)?.decl;
  if (!c.classDecl && compatNames.has(className)) c.libraryClass = compatNames.get(className);
  else if (!c.classDecl) {
    const external = externalComponent(def);
    if (external) {
      c.external = external;
      c.classDecl = external.decl;
    }
  }
}

/** `new X().withTumblingWindow(Count.of(n))` or `new X().withWindow(Count.of(a), Count.of(b))`, literal counts only. */
function countWindowOf(
  instance: Expression,
): { inner: Expression; window: { size: number; slide: number; node: Expression } } | undefined {
  if (!Node.isCallExpression(instance)) return undefined;
  const callee = instance.getExpression();
  if (!Node.isPropertyAccessExpression(callee) || !Node.isNewExpression(callee.getExpression())) return undefined;
  const counts = instance.getArguments().map((a) => {
    if (!Node.isCallExpression(a) || a.getExpression().getText() !== 'Count.of' || a.getArguments().length !== 1)
      return undefined;
    const n = a.getArguments()[0]!;
    return Node.isNumericLiteral(n) && Number.isInteger(Number(n.getLiteralValue())) && Number(n.getLiteralValue()) >= 1
      ? Number(n.getLiteralValue())
      : undefined;
  });
  if (counts.some((c) => c === undefined)) return undefined;
  const inner = callee.getExpression();
  if (callee.getName() === 'withTumblingWindow' && counts.length === 1)
    return { inner, window: { size: counts[0]!, slide: counts[0]!, node: instance } };
  if (callee.getName() === 'withWindow' && counts.length === 2)
    return { inner, window: { size: counts[0]!, slide: counts[1]!, node: instance } };
  return undefined;
}

const WINDOW_BUILDERS = new Set([
  'withWindow',
  'withTumblingWindow',
  'withTimestampField',
  'withLag',
  'withWatermarkInterval',
  'withLateTupleStream',
]);
const TIME_UNITS: Record<string, number> = {
  of: 1,
  seconds: 1000,
  minutes: 60_000,
  hours: 3_600_000,
  days: 86_400_000,
  MILLISECONDS: 1,
  SECONDS: 1000,
  MINUTES: 60_000,
  HOURS: 3_600_000,
  DAYS: 86_400_000,
};

/** `Count.of(n)`, `new Count(n)`, `Duration.seconds(n)`, `new Duration(n, TimeUnit.X)`... (optionally `BaseWindowedBolt.`), literal numbers only. */
export function windowSpan(e: Node | undefined): WindowSpan | undefined {
  if (!e || !(Node.isCallExpression(e) || Node.isNewExpression(e))) return undefined;
  const args = e.getArguments();
  const n = args[0];
  if (!n || !Node.isNumericLiteral(n) || !Number.isInteger(n.getLiteralValue())) return undefined;
  const value = n.getLiteralValue();
  const callee = e
    .getExpression()
    .getText()
    .replace(/^BaseWindowedBolt\./, '');
  if (Node.isNewExpression(e)) {
    if (callee === 'Count' && args.length === 1 && value >= 1) return { count: value };
    const unit = args[1]?.getText().replace(/^TimeUnit\./, '');
    if (callee === 'Duration' && args.length === 2 && unit && /^[A-Z]+$/.test(unit) && TIME_UNITS[unit])
      return { ms: value * TIME_UNITS[unit] };
    return undefined;
  }
  if (args.length !== 1) return undefined;
  if (callee === 'Count.of' && value >= 1) return { count: value };
  const m = /^Duration\.(of|seconds|minutes|hours|days)$/.exec(callee);
  return m ? { ms: value * TIME_UNITS[m[1]!]! } : undefined;
}

/**
 * `new X()` followed by window builders other than a plain count window: what each sets, read
 * literally (unreadable calls are kept with the reason, so the windows rule reports them).
 */
function windowChainOf(instance: Expression): { inner: Expression; window: WindowChain } | undefined {
  const calls: CallExpression[] = [];
  let node: Expression = instance;
  while (Node.isCallExpression(node)) {
    const callee = node.getExpression();
    if (!Node.isPropertyAccessExpression(callee) || !WINDOW_BUILDERS.has(callee.getName())) return undefined;
    calls.unshift(node);
    node = callee.getExpression();
  }
  if (calls.length === 0 || !Node.isNewExpression(node) || node.getExpression().getText() === 'JoinBolt')
    return undefined;
  const window: WindowChain = { node: instance, unreadable: [] };
  for (const call of calls) {
    const name = (call.getExpression() as import('ts-morph').PropertyAccessExpression).getName();
    const args = call.getArguments();
    const spans = args.map(windowSpan);
    const text = (arg: Node | undefined): string | undefined =>
      arg && (Node.isStringLiteral(arg) || Node.isNoSubstitutionTemplateLiteral(arg))
        ? arg.getLiteralValue()
        : undefined;
    const ms = (span: WindowSpan | undefined): number | undefined => (span && 'ms' in span ? span.ms : undefined);
    let ok = true;
    if (name === 'withWindow' || name === 'withTumblingWindow') {
      ok = args.length >= 1 && args.length <= (name === 'withWindow' ? 2 : 1) && spans.every((x) => x !== undefined);
      window.length = spans[0];
      window.slide = name === 'withTumblingWindow' ? spans[0] : (spans[1] ?? { count: 1 });
    } else if (name === 'withTimestampField') {
      window.timestampField = text(args[0]);
      ok = window.timestampField !== undefined && args.length === 1;
    } else if (name === 'withLateTupleStream') {
      window.lateStream = text(args[0]);
      ok = window.lateStream !== undefined && args.length === 1;
    } else {
      const value = ms(spans[0]);
      ok = value !== undefined && args.length === 1;
      if (name === 'withLag') window.lagMs = value;
      else window.watermarkIntervalMs = value;
    }
    if (!ok)
      window.unreadable.push({
        node: call,
        reason: `\`.${name}(${args.map((a) => a.getText()).join(', ')})\` is not literal`,
      });
  }
  return { inner: node, window };
}

/** Nodes of `kind` starting where `pattern` matches the file text. */
function nodesAt<K extends SyntaxKind>(
  sourceFile: SourceFile,
  pattern: RegExp,
  kind: K,
): Array<import('ts-morph').KindToNodeMappings[K]> {
  const out: Array<import('ts-morph').KindToNodeMappings[K]> = [];
  for (const m of sourceFile.getFullText().matchAll(pattern)) {
    const node = sourceFile.getDescendantAtPos(m.index);
    const found = node?.getKind() === kind ? node : node?.getFirstAncestorByKind(kind);
    if (found && found.getStart() === m.index) out.push(found as never);
  }
  return out;
}

function findConfigs(sourceFile: SourceFile, compatNames: Map<string, string>): ConfigFact[] {
  const configLocal = [...compatNames].find(([, exported]) => exported === 'Config')?.[0];
  if (!configLocal) return [];
  const out: ConfigFact[] = [];
  for (const statement of sourceFile.getVariableStatements()) {
    for (const decl of statement.getDeclarations()) {
      const init = decl.getInitializer();
      if (
        !init ||
        !Node.isNewExpression(init) ||
        init.getExpression().getText() !== configLocal ||
        statement.getDeclarations().length !== 1
      )
        continue;
      const variable = decl.getName();
      const fact: ConfigFact = {
        variable,
        declaration: statement,
        exported: statement.isExported(),
        calls: [],
        otherUses: 0,
      };
      const pattern = new RegExp(`\\b${variable}\\b`);
      for (const other of sourceFile.getStatements()) {
        if (other === statement || !pattern.test(other.getText())) continue;
        const expr = Node.isExpressionStatement(other) ? other.getExpression() : undefined;
        const callee = expr && Node.isCallExpression(expr) ? expr.getExpression() : undefined;
        if (
          expr &&
          Node.isCallExpression(expr) &&
          callee &&
          Node.isPropertyAccessExpression(callee) &&
          callee.getExpression().getText() === variable
        ) {
          fact.calls.push({ method: callee.getName(), args: expr.getArguments() as never, statement: other });
        } else fact.otherUses++;
      }
      out.push(fact);
    }
  }
  return out;
}

export function analyzeFile(sourceFile: SourceFile, compatSpecifier: string): FileFacts {
  const compatImports = sourceFile
    .getImportDeclarations()
    .filter((d) => d.getModuleSpecifierValue() === compatSpecifier);
  const compatNames = new Map<string, string>();
  for (const d of compatImports) {
    for (const named of d.getNamedImports())
      compatNames.set(named.getAliasNode()?.getText() ?? named.getName(), named.getName());
    const ns = d.getNamespaceImport();
    if (ns) compatNames.set(ns.getText(), '*');
  }
  const components = findComponents(sourceFile, compatNames);
  const wirings = findWirings(sourceFile, compatNames, components);
  const configs = findConfigs(sourceFile, compatNames);
  const submits: CallExpression[] = [];
  const text = sourceFile.getFullText();
  for (const m of text.matchAll(/\.submitTopology(WithProgressBar)?\s*\(/g)) {
    const call = sourceFile.getDescendantAtPos(m.index + 1)?.getFirstAncestorByKind(SyntaxKind.CallExpression);
    if (call) submits.push(call);
  }
  const stats: Record<string, number> = {};
  const bump = (key: string, by = 1): void => {
    stats[key] = (stats[key] ?? 0) + by;
  };
  for (const c of components) bump(`${c.kind}:${c.compatBase}`);
  for (const w of wirings) {
    bump('topology');
    for (const c of w.components) for (const g of c.groupings) bump(`grouping:${g.kind}`);
  }
  bump('tick', (text.match(/\.isTick\(/g) ?? []).length);
  bump('emitDirect', (text.match(/\.emitDirect\(/g) ?? []).length);
  bump('ack/fail', (text.match(/\.(ack|fail)\(/g) ?? []).length);
  for (const key of Object.keys(stats)) if (stats[key] === 0) delete stats[key];
  for (const c of configs) bump('config');
  if (submits.length) bump('submit', submits.length);
  return {
    path: sourceFile.getFilePath(),
    sourceFile,
    compatSpecifier,
    compatImports,
    compatNames,
    components,
    wirings,
    configs,
    defaultExport: sourceFile.getExportAssignment((e) => !e.isExportEquals()),
    submits,
    stats,
  };
}
