/**
 * topology → native job. The TopologyBuilder wiring (setSpout/setBolt and their groupings) becomes
 * a `defineJob` build function over the same components, in the module's default export. Every
 * source and operator gets `.uid(<component id>)` and `.name(<component id>)` through its options,
 * so checkpoints and verification can address it by the Storm component id.
 */
import { basename } from 'node:path';
import { Node, SyntaxKind, type CallExpression } from 'ts-morph';
import type { ComponentClass, WiredComponent, Wiring } from '../../analyze/index.ts';
import { recordType, type Planner, type RecordShape, type RuleInfo } from '../planner.ts';
import { boltOutputShape, convertBolt, convertTemplateSubclass } from './bolt-function.ts';
import type { ConfigPlan } from './config.ts';
import { connectorClass, planConnector } from './connectors.ts';
import { planGrouping, type Partitioning } from './groupings.ts';
import { tickPartitioning } from './ticks.ts';
import { planPartialKeySum } from './partial-key.ts';
import { ownerOf } from './modules.ts';
import { narrowed, sharedPrefixes } from './reuse.ts';
import { passThroughTypes } from './whole-tuple.ts';
import { globalStatePartitioning } from './state-global.ts';
import { convertSpout, TEST_WORDS, type SpoutPlan } from './spout-source.ts';
import { convertCountWindowBolt } from './windows.ts';
import { planTimeWindowBolt } from './windows-time.ts';
import { identifiersIn } from '../../analyze/index.ts';

export const rule: RuleInfo = {
  name: 'job',
  description: 'TopologyBuilder wiring becomes a defineJob default export.',
  codes: {
    SS001: { status: 'converted', title: 'topology converted: the module default-exports a native job' },
    SS002: {
      status: 'left',
      title: 'a component is defined in another module or is a library component without a native mapping',
      manualStep: 'move the component into the topology module, or convert it by hand',
    },
    SS003: {
      status: 'left',
      title:
        'dynamic wiring (component ids or sources not literal, builder passed around, components from parameters or factories)',
      manualStep: 'make the wiring literal, or write the job by hand',
    },
    SS004: {
      status: 'left',
      title: 'the module does not default-export the topology built here (or uses the builder elsewhere)',
      manualStep: 'export default the topology, or write the job by hand',
    },
    SS005: {
      status: 'left',
      title: 'the module submits the topology itself (StormSubmitter/LocalCluster main)',
      manualStep: 'default-export the topology and run it with `stormshift run`',
    },
    SS006: {
      status: 'left',
      title: 'compat names would remain after the rewrite',
      manualStep: 'replace the remaining Storm API uses by hand',
    },
    SS007: {
      status: 'left',
      title: 'component module without a topology: components are converted with the topology module that wires them',
      manualStep: 'none if a converted topology does not use it; otherwise move it into the topology module',
    },
    SS009: {
      status: 'converted',
      title:
        "a component passed in through a builder parameter resolved to the parameter's default (no call in the module passes it); the parameter or option is removed",
      manualStep: 'modules that passed their own spout or bolt to the builder wire it into the native job by hand',
    },
    SS008: { status: 'error', title: 'the migration failed on this file (a bug: please report it with the file)' },
    SS010: {
      status: 'converted',
      title:
        'a keyed bolt gets its input from parallel tasks: per-key order may differ between runs (as on Storm); verify compares its output as the last value per key',
    },
  },
};

const NAME = rule.name;

function variableFor(id: string): string {
  const camel = id
    .replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))
    .replace(/^[^A-Za-z_$]+/, '');
  return `${camel || 'component'}Stream`;
}

function options(id: string, parallelism: string | undefined): string {
  const q = JSON.stringify(id).slice(1, -1).replace(/'/g, "\\'");
  return `{ name: '${q}', uid: '${q}'${parallelism ? `, parallelism: ${parallelism}` : ''} }`;
}

interface Planned {
  wired: WiredComponent;
  shape: RecordShape;
  variable: string;
  consumed: boolean;
  /** The stream expression as a head and chained calls, so long statements break one call per line. */
  head: string;
  calls: string[];
}

export function planJob(p: Planner, wiring: Wiring, config: ConfigPlan): void {
  const facts = p.facts;
  // Checks and components are independent steps (`p.attempt`): a blocked one is recorded and the
  // others still run, so the report lists every blocker of the file, not only the first.
  for (const d of wiring.dynamic)
    p.attempt(() => p.block(NAME, 'SS003', d.node, wiring.builderVariable, d.reason, rule.codes.SS003!.manualStep!));
  for (const submit of facts.submits)
    p.attempt(() =>
      p.block(NAME, 'SS005', submit, 'submitTopology', 'the module submits a topology', rule.codes.SS005!.manualStep!),
    );
  const byId = new Map<string, WiredComponent>();
  /** Components whose checks below blocked: not planned, but the wiring around them still is. */
  const invalid = new Set<WiredComponent>();
  for (const c of wiring.components) {
    if (c.id === undefined || byId.has(c.id)) {
      p.attempt(() =>
        c.id === undefined
          ? p.block(
              NAME,
              'SS003',
              c.node,
              c.node.getText().slice(0, 40),
              'component id is not a string literal',
              rule.codes.SS003!.manualStep!,
            )
          : p.block(NAME, 'SS003', c.node, c.id, 'component id declared twice', rule.codes.SS003!.manualStep!),
      );
      invalid.add(c);
      continue;
    }
    byId.set(c.id, c);
    let checked = false;
    p.attempt(() => {
      if (!c.classDecl && !(c.libraryClass === 'TestWordSpout' && c.kind === 'spout') && !connectorClass(p, c)) {
        const why =
          c.className === undefined
            ? `instance \`${c.instance?.getText().slice(0, 50)}\` is not \`new Class(...)\``
            : `${c.className} is not defined in this module`;
        p.block(
          NAME,
          c.className === undefined ? 'SS003' : 'SS002',
          c.instance ?? c.node,
          c.id!,
          why,
          rule.codes[c.className === undefined ? 'SS003' : 'SS002']!.manualStep!,
        );
      }
      if (c.otherCalls.length)
        p.block(
          NAME,
          'SS003',
          c.otherCalls[0]!,
          c.id!,
          `\`.${(c.otherCalls[0]!.getExpression() as never as { getName(): string }).getName()}(...)\` on the declarer`,
          rule.codes.SS003!.manualStep!,
        );
      if (c.kind === 'bolt' && c.groupings.length === 0)
        p.block(NAME, 'SS003', c.node, c.id!, 'bolt without inputs', rule.codes.SS003!.manualStep!);
      checked = true;
    });
    if (!checked) invalid.add(c);
  }
  /** Components that can take a place in the job: a literal id, and inputs that are literal known ids. */
  const placeable = wiring.components.filter((c) => c.id !== undefined && byId.get(c.id) === c);
  for (const c of [...placeable])
    for (const g of c.groupings) {
      const why =
        g.source === undefined
          ? 'grouping source is not a string literal'
          : !byId.has(g.source)
            ? `unknown source component '${g.source}'`
            : undefined;
      if (!why) continue;
      p.attempt(() => p.block(NAME, 'SS003', g.node, c.id!, why, rule.codes.SS003!.manualStep!));
      placeable.splice(placeable.indexOf(c), 1);
      break;
    }

  // Topological order, declaration order among equals.
  const order: WiredComponent[] = [];
  const done = new Set<string>();
  const pending = [...placeable];
  while (pending.length) {
    const i = pending.findIndex((c) => c.groupings.every((g) => done.has(g.source!)));
    if (i < 0) {
      // Stuck: a cycle, unless what is missing are inputs that were not placeable (already reported).
      const ids = new Set(placeable.map((c) => c.id!));
      if (pending.some((c) => c.groupings.every((g) => ids.has(g.source!))))
        p.attempt(() =>
          p.block(
            NAME,
            'SS003',
            wiring.builderDeclaration,
            wiring.builderVariable,
            'the wiring has a cycle',
            rule.codes.SS003!.manualStep!,
          ),
        );
      break;
    }
    const next = pending.splice(i, 1)[0]!;
    order.push(next);
    done.add(next.id!);
  }

  const classPlans = new Map<
    ComponentClass['decl'],
    {
      signature: string;
      recordType: string;
      keyed: boolean;
      fn?: 'map' | 'filter' | 'flatMap' | 'asyncMap';
      hooks?: Array<{ method: string; index: number }>;
    }
  >();
  const planned = new Map<string, Planned>();
  const spoutPlans = new Map<ComponentClass['decl'], SpoutPlan>();
  const components = new Map(facts.components.map((c) => [c.decl, c]));
  for (const c of wiring.components) if (c.external) components.set(c.external.decl, c.external);
  const prefixes = sharedPrefixes(wiring, components);
  /** The first component upstream of `c` that runs on more than one task, if any. */
  const parallelUpstream = (c: WiredComponent): string | undefined => {
    for (const g of c.groupings) {
      const up = byId.get(g.source!)!;
      const n = up.parallelism?.getText();
      if (n !== undefined && n !== '1') return up.id!;
      const further = parallelUpstream(up);
      if (further) return further;
    }
    return undefined;
  };
  const planComponent = (c: WiredComponent): void => {
    const parallelism = c.parallelism?.getText();
    if (connectorClass(p, c)) {
      const inputs = c.groupings.map((g) => planned.get(g.source!)!);
      const plan = p.timed('connectors', () =>
        planConnector(p, c, wiring, inputs, options(c.id!, parallelism), config.messageTimeoutMs),
      );
      for (const i of inputs) i.consumed = true;
      const head = plan.head || inputs[0]!.variable;
      planned.set(c.id!, {
        wired: c,
        shape: plan.shape,
        variable: variableFor(c.id!),
        consumed: false,
        head,
        calls: plan.calls,
      });
      if (parallelism) p.finding('config', 'SS704', 'converted', c.parallelism!, c.id!, `parallelism ${parallelism}`);
      return;
    }
    const upstream = c.groupings.length === 1 ? planned.get(c.groupings[0]!.source!) : undefined;
    const sum =
      upstream &&
      p.timed('partial-key', () =>
        planPartialKeySum(p, c, components.get(c.classDecl!), upstream.shape, options(c.id!, parallelism)),
      );
    if (sum) {
      upstream.consumed = true;
      planned.set(c.id!, {
        wired: c,
        shape: sum.shape,
        variable: variableFor(c.id!),
        consumed: false,
        head: upstream.variable,
        calls: sum.calls,
      });
      if (parallelism) p.finding('config', 'SS704', 'converted', c.parallelism!, c.id!, `parallelism ${parallelism}`);
      return;
    }
    if (c.kind === 'spout') {
      if (c.libraryClass === 'TestWordSpout') {
        if (c.instance && Node.isNewExpression(c.instance) && c.instance.getArguments().length) {
          p.block(NAME, 'SS002', c.instance, c.id!, 'TestWordSpout with arguments', rule.codes.SS002!.manualStep!);
        }
        const shape: RecordShape = { fields: ['word'], types: new Map([['word', 'string']]) };
        const words = `[${TEST_WORDS.map((w) => `'${w}'`).join(', ')}]`;
        const rate =
          parallelism === undefined
            ? '10'
            : /^\d+$/.test(parallelism)
              ? String(10 * Number(parallelism))
              : `10 * (${parallelism})`;
        planned.set(c.id!, {
          wired: c,
          shape,
          variable: variableFor(c.id!),
          consumed: false,
          head: 'env',
          calls: [
            `.generate<${recordType(shape)}>({ generate: (_i, random) => ({ word: ${words}[random.int(${TEST_WORDS.length})]! }), ratePerSecond: ${rate} }, ${options(c.id!, parallelism)})`,
          ],
        });
        p.finding(
          'spout-source',
          'SS106',
          'converted',
          c.node,
          c.id!,
          `TestWordSpout → generator source, ${rate} words/s`,
        );
        if (parallelism) p.finding('config', 'SS704', 'converted', c.parallelism!, c.id!, `parallelism ${parallelism}`);
        return;
      }
      if (parallelism) p.finding('config', 'SS704', 'converted', c.parallelism!, c.id!, `parallelism ${parallelism}`);
      const comp = components.get(c.classDecl!)!;
      let spoutPlan = spoutPlans.get(comp.decl);
      if (!spoutPlan) {
        spoutPlan = p.timed('spout-source', () => convertSpout(ownerOf(p, c), comp));
        spoutPlans.set(comp.decl, spoutPlan);
        classPlans.set(comp.decl, { signature: 'spout', recordType: spoutPlan.recordType, keyed: false });
      }
      const shape = spoutPlan.shape;
      const rec = spoutPlan.recordType;
      planned.set(c.id!, {
        wired: c,
        shape,
        variable: variableFor(c.id!),
        consumed: false,
        head: 'env',
        calls: [`.fromSource<${rec}>({ createReader: () => ${c.instance.getText()} }, ${options(c.id!, parallelism)})`],
      });
      return;
    }
    // Bolt: inputs, partitioning, then the class.
    const inputs = c.groupings.map((g) => planned.get(g.source!)!);
    const prefix = c.classDecl ? prefixes.get(c.classDecl) : undefined;
    const shape0 = narrowed(inputs[0]!.shape, prefix);
    if (inputs.some((i) => recordType(narrowed(i.shape, prefix)) !== recordType(shape0))) {
      p.block(
        'groupings',
        'SS308',
        c.node,
        c.id!,
        'inputs carry different record shapes',
        'union or connect the inputs by hand',
      );
    }
    const windowComp = c.countWindow || c.window ? components.get(c.classDecl!) : undefined;
    if (windowComp && windowComp.compatBase === 'BaseWindowedBolt') {
      const comp = windowComp;
      const output = boltOutputShape(ownerOf(p, c), comp);
      // Any grouping onto one task delivers the whole stream; only these are known to.
      const odd = c.groupings.find(
        (g) =>
          !['shuffle', 'localOrShuffle', 'none', 'global', 'fields', 'all'].includes(g.kind) || g.stream !== undefined,
      );
      if (odd)
        p.block(
          'windows',
          'SS601',
          odd.node,
          c.id!,
          `\`.${odd.method}(...)\` into a windowed bolt`,
          'partition the stream and window it by hand',
        );
      // One task sees the whole stream whatever the grouping, and so does one key.
      if (parallelism !== undefined && parallelism !== '1') {
        p.block(
          'windows',
          'SS601',
          c.parallelism!,
          c.id!,
          `windows per task over ${parallelism} tasks: native ${c.window ? 'windows of one key run on one task' : 'count windows are per key'}`,
          'key the stream and window per key by hand, or run the bolt on one task',
        );
      }
      if (classPlans.has(comp.decl))
        p.block(NAME, 'SS003', c.node, c.id!, `${comp.name} is wired twice`, 'give each use its own class');
      if (c.window) {
        const timed = p.timed('windows-time', () =>
          planTimeWindowBolt(ownerOf(p, c), c, comp, inputs, shape0, output, wiring, options),
        );
        classPlans.set(comp.decl, { signature: 'window', recordType: timed.recordType, keyed: true });
        for (const i of inputs) i.consumed = true;
        planned.set(c.id!, {
          wired: c,
          shape: output,
          variable: variableFor(c.id!),
          consumed: false,
          head: timed.head,
          calls: timed.calls,
        });
        if (parallelism) p.finding('config', 'SS704', 'converted', c.parallelism!, c.id!, `parallelism ${parallelism}`);
        return;
      }
      const plan = p.timed('windows', () =>
        convertCountWindowBolt(ownerOf(p, c), comp, shape0, output, c.countWindow!),
      );
      classPlans.set(comp.decl, { signature: 'window', recordType: plan.recordType, keyed: true });
      for (const i of inputs) i.consumed = true;
      const { slide } = c.countWindow!;
      planned.set(c.id!, {
        wired: c,
        shape: output,
        variable: variableFor(c.id!),
        consumed: false,
        head: inputs[0]!.variable,
        calls: [
          ...inputs.slice(1).map((i) => `.union(${i.variable})`),
          '.keyBy((_record) => 0)',
          `.countWindow(${plan.nativeSize}${slide === plan.nativeSize ? '' : `, ${slide}`})`,
          `.process(${c.instance.getText()}.window, ${options(c.id!, parallelism)})`,
        ],
      });
      if (parallelism) p.finding('config', 'SS704', 'converted', c.parallelism!, c.id!, `parallelism ${parallelism}`);
      return;
    }
    const globalState = c.classDecl
      ? (globalStatePartitioning(c, components.get(c.classDecl)!) ??
        tickPartitioning(p, c, components.get(c.classDecl)!))
      : undefined;
    const parts: Partitioning[] = c.groupings.map(
      (g, i) =>
        globalState ??
        p.timed('groupings', () =>
          planGrouping(
            p,
            c.id!,
            g,
            inputs[i]!.shape,
            inputs[i]!.wired.parallelism?.getText() === parallelism && c.groupings.length === 1,
          ),
        ),
    );
    if (parts.some((x) => x.calls !== parts[0]!.calls))
      p.block(
        'groupings',
        'SS308',
        c.node,
        c.id!,
        'inputs use different groupings',
        'union the inputs and partition them by hand',
      );
    const comp = components.get(c.classDecl!)!;
    const template = templateBase(comp, components);
    const output = template
      ? boltOutputShape(ownerOf(p, c), template)
      : passThroughTypes(comp, shape0, boltOutputShape(ownerOf(p, c), comp));
    const key = parts[0]!.key;
    const signature = `${recordType(shape0)}|${key?.fields.join() ?? ''}`;
    const known = classPlans.get(comp.decl);
    let fn: 'map' | 'filter' | 'flatMap' | 'asyncMap' | undefined;
    if (known) {
      if (known.signature !== signature)
        p.block(
          NAME,
          'SS003',
          c.node,
          c.id!,
          `${comp.name} is wired twice with different inputs`,
          'give each use its own class',
        );
      fn = known.fn;
    } else if (template) {
      // The base once, generic; then this subclass over its own input and key.
      let base = classPlans.get(template.decl);
      if (!base) {
        const plan = p.timed('bolt-function', () =>
          convertBolt(
            ownerOf(p, c),
            template,
            { fields: [], types: new Map(), opaque: 'IN' },
            output,
            key && { fields: [], type: 'K' },
            true,
          ),
        );
        base = { signature: 'template', recordType: plan.recordType, keyed: true, hooks: plan.hooks ?? [] };
        classPlans.set(template.decl, base);
      }
      p.timed('bolt-function', () =>
        convertTemplateSubclass(ownerOf(p, c), comp, template, base.hooks ?? [], shape0, key),
      );
      classPlans.set(comp.decl, { signature, recordType: base.recordType, keyed: true });
    } else {
      const input = c.external ? visibleIn(p, shape0, comp) : shape0;
      const plan = p.timed('bolt-function', () => convertBolt(ownerOf(p, c), comp, input, output, key));
      classPlans.set(comp.decl, {
        signature,
        recordType: plan.recordType,
        keyed: plan.keyedFunction,
        fn: plan.function,
      });
      fn = plan.function;
    }
    for (const i of inputs) i.consumed = true;
    const parallel = key && output.fields.length > 0 ? parallelUpstream(c) : undefined;
    if (parallel && key!.fields.every((f) => output.fields.includes(f)))
      p.finding(
        NAME,
        'SS010',
        'converted',
        c.node,
        c.id!,
        `its input comes from parallel tasks ('${parallel}'), which neither Storm nor the runtime orders across tasks: what it emits per key may come in another order; verify compares it as the last value per ${key!.fields.join(', ')}`,
      ).lastPerKey = [...key!.fields];
    planned.set(c.id!, {
      wired: c,
      shape: output,
      variable: variableFor(c.id!),
      consumed: false,
      head: inputs[0]!.variable,
      calls: [
        ...inputs.slice(1).map((i) => `.union(${i.variable})`),
        ...(parts[0]!.calls ? [parts[0]!.calls] : []),
        // A map/filter/flatMap function is an arrow property: the instance's own, shared by every subtask (it has no state).
        fn === 'asyncMap'
          ? `.asyncMap(${c.instance.getText()}.asyncMap, ${options(c.id!, parallelism).slice(0, -2)}, capacity: 1, timeoutMs: ${(config.messageTimeoutMs ?? 30_000).toLocaleString('en-US').replace(/,/g, '_')}, ordered: true })`
          : fn
            ? `.${fn}(${c.instance.getText()}.${fn}, ${options(c.id!, parallelism)})`
            : `.process(${c.instance.getText()}, ${options(c.id!, parallelism)})`,
      ],
    });
    if (parallelism) p.finding('config', 'SS704', 'converted', c.parallelism!, c.id!, `parallelism ${parallelism}`);
  };
  for (const c of order) {
    let ok = false;
    if (!invalid.has(c) && c.groupings.every((g) => planned.has(g.source!)))
      p.attempt(() => {
        planComponent(c);
        ok = true;
      });
    // A blocked component still passes its declared fields on, so the bolts after it are analyzed too.
    const comp = c.classDecl && components.get(c.classDecl);
    if (!ok && !planned.has(c.id!) && comp?.outputFields)
      planned.set(c.id!, {
        wired: c,
        shape: boltOutputShape(p, comp),
        variable: variableFor(c.id!),
        consumed: false,
        head: 'env',
        calls: [],
      });
  }

  // The build function.
  const file = facts.sourceFile;
  const name = basename(file.getFilePath()).replace(/\.(m|c)?tsx?$/, '');
  const fnIndent = wiring.builderFunction ? p.indentOf(wiring.builderDeclaration) : '';
  const inner = fnIndent + p.style.indent;
  const lines: string[] = [];
  if (config.workers)
    lines.push(`${inner}if (env.config.workers === undefined) env.configure({ workers: ${config.workers} });`);
  for (const c of order) {
    const pl = planned.get(c.id!);
    if (!pl) continue;
    const prefix = pl.consumed ? `const ${pl.variable} = ` : '';
    const oneLine = `${inner}${prefix}${pl.head}${pl.calls.join('')};`;
    if (oneLine.length <= 120) lines.push(oneLine);
    else
      lines.push(
        `${inner}${prefix}${pl.head}`,
        ...pl.calls.map((call, i) => `${inner}${p.style.indent}${call}${i === pl.calls.length - 1 ? ';' : ''}`),
      );
  }
  const job = `defineJob('${name.replace(/'/g, "\\'")}', (env) => {\n${lines.join('\n')}\n${fnIndent}})`;
  p.runtimeImports.add('defineJob');

  if (wiring.builderFunction) {
    const fn = wiring.builderFunction;
    const fnName = fn.getName()!;
    const ret = fn.getReturnTypeNode();
    if (ret) {
      p.edits.replace(ret, 'JobDefinition', NAME);
      p.runtimeImports.add('type JobDefinition');
    }
    const returnStatement = wiring.statements.find((s) => Node.isReturnStatement(s));
    if (!returnStatement)
      p.block(
        NAME,
        'SS004',
        fn,
        fnName,
        'the builder function does not return the builder',
        rule.codes.SS004!.manualStep!,
      );
    p.edits.remove(wiring.builderDeclaration, NAME);
    for (const s of wiring.statements) if (s !== returnStatement) p.edits.remove(s, NAME);
    p.edits.replace(returnStatement!, p.styled(`return ${job};`), NAME);
    // Every use of the builder function must be `fn(...).createTopology()`.
    let exported = false;
    const fullText = file.getFullText();
    const uses: Node[] = [];
    for (const m of fullText.matchAll(new RegExp(`\\b${fnName}\\b`, 'g'))) {
      const node = file.getDescendantAtPos(m.index);
      // `.build()` of a config builder is a property name, not a use of a builder function named build.
      const member = node?.getParent();
      if (Node.isPropertyAccessExpression(member) && member.getNameNode() === node) continue;
      if (node && Node.isIdentifier(node) && node.getText() === fnName && node !== fn.getNameNode()) uses.push(node);
    }
    for (const id of uses) {
      const call = id.getParent();
      const access = call?.getParent();
      const outer = access?.getParent();
      if (
        call &&
        Node.isCallExpression(call) &&
        access &&
        Node.isPropertyAccessExpression(access) &&
        access.getName() === 'createTopology' &&
        outer &&
        Node.isCallExpression(outer)
      ) {
        p.edits.replace(outer, call.getText(), NAME);
        if (outer.getFirstAncestorByKind(SyntaxKind.ExportAssignment)) exported = true;
        continue;
      }
      p.attempt(() =>
        p.block(
          NAME,
          'SS004',
          id,
          fnName,
          `\`${(call ?? id).getText().slice(0, 60)}\` uses the builder`,
          rule.codes.SS004!.manualStep!,
        ),
      );
    }
    // Components from parameter defaults: only sound when no call here passes that parameter.
    const fromParams = wiring.components.filter((c) => c.fromParameter);
    for (const c of fromParams) {
      const { parameter, index, property } = c.fromParameter!;
      for (const id of uses) {
        const call = id.getParent() as CallExpression;
        if (call.getArguments().length > index) {
          p.attempt(() =>
            p.block(
              NAME,
              'SS003',
              call,
              c.id!,
              `\`${call.getText().slice(0, 60)}\` passes ${property ? `options that may set '${property}'` : `'${parameter.getName()}'`}: the component is not known here`,
              rule.codes.SS003!.manualStep!,
            ),
          );
        }
      }
      p.finding(
        NAME,
        'SS009',
        'converted',
        c.fromParameter!.expression,
        c.id!,
        `\`${c.fromParameter!.expression.getText().slice(0, 60)}\` resolved to its default \`${c.instance.getText().slice(0, 40)}\`: no call in the module passes it`,
        rule.codes.SS009!.manualStep,
      );
    }
    const removedParams = new Set(
      fromParams.filter((c) => !c.fromParameter!.property).map((c) => c.fromParameter!.parameter),
    );
    const params = fn.getParameters();
    if (removedParams.size) {
      // Only trailing parameters can go without shifting the others.
      const keep = params.findIndex((x, i) => params.slice(i).every((y) => removedParams.has(y)));
      if (keep < 0)
        p.block(
          NAME,
          'SS003',
          [...removedParams][0]!,
          fnName,
          'a component parameter is followed by other parameters',
          rule.codes.SS003!.manualStep!,
        );
      const from = keep === 0 ? params[0]!.getStart() : params[keep - 1]!.getEnd();
      p.edits.replaceRange(from, params.at(-1)!.getEnd(), '', NAME);
    }
    for (const c of fromParams) {
      const { parameter, property } = c.fromParameter!;
      if (!property) continue;
      // The option's declaration (`spout?: IRichSpout` in the options interface of this module) goes too.
      const decl = parameter.getType().getProperty(property)?.getDeclarations()[0];
      if (decl && decl.getSourceFile() === file && Node.isPropertySignature(decl)) p.edits.remove(decl, NAME);
      else
        p.attempt(() =>
          p.block(
            NAME,
            'SS003',
            parameter,
            fnName,
            `option '${property}' is not declared by an interface of this module`,
            rule.codes.SS003!.manualStep!,
          ),
        );
    }
    if (!exported)
      p.block(
        NAME,
        'SS004',
        fn,
        fnName,
        'the default export is not `builder().createTopology()`',
        rule.codes.SS004!.manualStep!,
      );
  } else {
    const exp = facts.defaultExport;
    if (!exp || exp.getExpression().getText().replace(/\s/g, '') !== `${wiring.builderVariable}.createTopology()`) {
      p.block(
        NAME,
        'SS004',
        exp ?? wiring.builderDeclaration,
        wiring.builderVariable,
        'the default export is not `builder.createTopology()`',
        rule.codes.SS004!.manualStep!,
      );
    }
    p.edits.remove(wiring.builderDeclaration, NAME);
    for (const s of wiring.statements) p.edits.remove(s, NAME);
    p.edits.replace(exp!.getExpression(), p.styled(job), NAME);
  }
  const exportedClasses = facts.components
    .filter((c) => classPlans.has(c.decl) && c.decl.isExported())
    .map((c) => c.name);
  p.finding(
    NAME,
    'SS001',
    'converted',
    wiring.builderFunction ?? wiring.builderDeclaration,
    name,
    `${order.length} component(s) → native job '${name}'`,
    exportedClasses.length
      ? `the exported classes ${exportedClasses.join(', ')} now have the native API: update modules that import them`
      : undefined,
  );
}

/**
 * The abstract user bolt a component derives from, when it is a template subclass: its direct base
 * is an abstract class in the same file deriving straight from a compat bolt base.
 */
function templateBase(
  comp: ComponentClass,
  components: ReadonlyMap<import('ts-morph').ClassDeclaration, ComponentClass>,
): ComponentClass | undefined {
  if (!comp.viaUserClass || comp.kind !== 'bolt') return undefined;
  const base = comp.decl.getBaseClass();
  const found = base && components.get(base);
  if (!found || found.viaUserClass || !base!.isAbstract()) return undefined;
  if (base!.getSourceFile() !== comp.decl.getSourceFile()) return undefined;
  return found;
}

/**
 * The input shape as a component module sees it: a field typed by a name this module declares or
 * imports (a class of the topology module) is `unknown` there, where that name is not in scope.
 */
function visibleIn(p: Planner, shape: RecordShape, comp: ComponentClass): RecordShape {
  // A bolt that only prints its input whole (a printer shared by topologies) takes any record.
  if (wholeOnly(comp)) return { ...shape, opaque: 'object' };
  const file = p.facts.sourceFile;
  const local = (name: string): boolean =>
    file.getClass(name) !== undefined ||
    file.getInterface(name) !== undefined ||
    file.getTypeAlias(name) !== undefined ||
    file.getEnum(name) !== undefined ||
    file
      .getImportDeclarations()
      .some(
        (d) =>
          d.getDefaultImport()?.getText() === name ||
          d.getNamedImports().some((n) => (n.getAliasNode() ?? n.getNameNode()).getText() === name),
      );
  const types = new Map<string, string>();
  for (const [field, type] of shape.types)
    types.set(field, (type.match(/[A-Za-z_$][\w$]*/g) ?? []).some(local) ? 'unknown' : type);
  return { ...shape, types };
}

/** Whether execute uses its tuple only as a whole text (String(tuple), a template, toString()). */
function wholeOnly(comp: ComponentClass): boolean {
  const execute = comp.decl.getInstanceMethod('execute');
  const param = execute?.getParameters()[0];
  if (!execute || !param) return false;
  const uses = identifiersIn(execute).filter((id) => id !== param.getNameNode() && id.getText() === param.getName());
  return (
    uses.length > 0 &&
    uses.every((id) => {
      const parent = id.getParent();
      if (Node.isTemplateSpan(parent)) return true;
      if (Node.isCallExpression(parent)) return parent.getExpression().getText() === 'String';
      const call = parent?.getParent();
      return (
        Node.isPropertyAccessExpression(parent) &&
        parent.getName() === 'toString' &&
        Node.isCallExpression(call) &&
        call.getArguments().length === 0
      );
    })
  );
}
