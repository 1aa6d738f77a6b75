/**
 * ticks → processing-time timers. A bolt that asks for tick tuples (getComponentConfiguration with
 * a tick frequency) and branches on `TupleUtils.isTick` first thing in execute gets an onTimer with
 * the tick branch, re-armed every period. Timers need a keyed stream: a bolt on one task is keyed by
 * a constant (SS503); a bolt on several tasks that is not fields-grouped is left. An else branch
 * stays in place (other rules' edits inside it survive); helper calls moved into onTimer get the
 * collector (rules/helpers.ts). The frequency is a putTickFrequencyIntoComponentConfig call or a
 * `{ [Config.TOPOLOGY_TICK_TUPLE_FREQ_SECS]: n }` literal.
 */
import { Node, SyntaxKind, type CallExpression, type MethodDeclaration, type Statement } from 'ts-morph';
import type { ComponentClass, WiredComponent } from '../../analyze/index.ts';
import type { Planner, RuleInfo } from '../planner.ts';
import type { Partitioning } from './groupings.ts';
import { identifiersIn } from '../../analyze/index.ts';

export const rule: RuleInfo = {
  name: 'ticks',
  description:
    "Tick tuples become processing-time timers. `migrate --verify` replays a tick-driven topology on one simulated clock (each recorded tuple at its recorded time, every component on one task), so Storm's ticks and the rewrite's timers fire on the same clock and their output is compared.",
  codes: {
    SS501: {
      status: 'converted',
      title:
        "tick branch moved into onTimer: a processing-time timer per subtask, armed in open() and due every tick period from when the subtask opened, with or without input, as Storm ticks from the task's start",
    },
    SS503: {
      status: 'converted',
      title:
        'a tick-driven bolt on one task (global, shuffle, all or none grouping) is keyed by one constant key, so it has timers: one task sees the whole stream, and so does one key',
    },
    SS502: {
      status: 'left',
      title:
        'tick handling in a shape not converted (not the first statement, not fields-grouped, frequency from topology config)',
      manualStep: 'register processing-time timers by hand (KeyedProcessFunction.onTimer)',
    },
  },
};

const NAME = rule.name;

export interface TickPlan {
  /** Nodes this rule replaced or removed (other rules skip them). */
  removed: Node[];
  keyed: boolean;
  usesContext: boolean;
  members: string | undefined;
  /** Emit sites moved into onTimer. */
  emits: number;
  /**
   * What starts the ticks in open(), given the name of open's context parameter: the first tick is
   * one period after the subtask opened, as Storm's first tick comes one period after the task
   * started, whether or not a tuple arrived.
   */
  armInOpen?: (contextName: string, indent: string) => string;
}

function tickFrequency(
  p: Planner,
  comp: ComponentClass,
): { freq: string; cond: string | undefined; method: MethodDeclaration } {
  const method = comp.decl.getInstanceMethod('getComponentConfiguration');
  const statements = method?.getStatements() ?? [];
  const ret = statements[0];
  if (!method || statements.length !== 1 || !ret || !Node.isReturnStatement(ret) || !ret.getExpression()) {
    p.block(
      NAME,
      'SS502',
      method ?? comp.decl,
      comp.name,
      'the tick frequency is not a single return in getComponentConfiguration',
      rule.codes.SS502!.manualStep!,
    );
  }
  let expr = ret!.getExpression()!;
  let cond: string | undefined;
  if (Node.isConditionalExpression(expr) && expr.getWhenFalse().getText() === 'null') {
    cond = expr.getCondition().getText();
    expr = expr.getWhenTrue();
  }
  const literal = tickLiteral(expr);
  if (literal) return { freq: literal, cond, method };
  const args =
    Node.isCallExpression(expr) && /\.putTickFrequencyIntoComponentConfig$/.test(expr.getExpression().getText())
      ? expr.getArguments()
      : undefined;
  if (!args || args.length !== 2 || args[0]!.getText() !== 'null') {
    p.block(
      NAME,
      'SS502',
      ret!,
      comp.name,
      `tick frequency set by \`${ret!.getText().slice(0, 60)}\``,
      rule.codes.SS502!.manualStep!,
    );
  }
  return { freq: args![1]!.getText(), cond, method };
}

/**
 * `{ [Config.TOPOLOGY_TICK_TUPLE_FREQ_SECS]: n }` (or the key spelled out): the frequency, when the
 * literal sets nothing else, so dropping getComponentConfiguration drops nothing but the tick.
 */
function tickLiteral(expr: Node): string | undefined {
  if (!Node.isObjectLiteralExpression(expr)) return undefined;
  const props = expr.getProperties();
  const only = props[0];
  if (props.length !== 1 || !only || !Node.isPropertyAssignment(only)) return undefined;
  const name = only.getNameNode();
  const key = Node.isComputedPropertyName(name)
    ? name.getExpression().getText()
    : Node.isStringLiteral(name)
      ? name.getLiteralValue()
      : undefined;
  if (key !== 'Config.TOPOLOGY_TICK_TUPLE_FREQ_SECS' && key !== 'topology.tick.tuple.freq.secs') return undefined;
  return only.getInitializer()?.getText();
}

export function planTicks(
  p: Planner,
  comp: ComponentClass,
  execute: MethodDeclaration,
  tupleName: string,
  collectorName: string,
  outType: string,
  key: { fields: string[]; type: string } | undefined,
  convertEmit?: (call: CallExpression) => string | undefined,
  /** Other calls the tick branch's move must rewrite (a helper that now takes the collector). */
  convertCall?: (call: CallExpression) => string | undefined,
): TickPlan {
  const calls = comp.decl.getText().includes('isTick')
    ? comp.decl
        .getDescendantsOfKind(SyntaxKind.CallExpression)
        .filter((c) => /(^|\.)isTick$/.test(c.getExpression().getText()))
    : [];
  if (calls.length === 0) return { removed: [], keyed: false, usesContext: false, members: undefined, emits: 0 };
  const call = calls[0]!;
  const statement = call.getParent();
  const body = execute.getBody();
  if (
    calls.length > 1 ||
    !statement ||
    !Node.isIfStatement(statement) ||
    statement.getExpression() !== call ||
    !body ||
    !Node.isBlock(body) ||
    body.getStatements()[0] !== statement
  ) {
    p.block(
      NAME,
      'SS502',
      call,
      comp.name,
      'isTick is not the condition of the first statement of execute',
      rule.codes.SS502!.manualStep!,
    );
  }
  if (!key)
    p.block(
      NAME,
      'SS502',
      call,
      comp.name,
      'timers need a keyed input, and this bolt is not fields-grouped',
      rule.codes.SS502!.manualStep!,
    );
  const ifStatement = statement as import('ts-morph').IfStatement;
  const { freq, cond, method } = tickFrequency(p, comp);
  const thenBranch = ifStatement.getThenStatement();
  const elseBranch = ifStatement.getElseStatement();
  let tickStatements: Statement[] = Node.isBlock(thenBranch) ? thenBranch.getStatements() : [thenBranch];
  if (!elseBranch) {
    const last = tickStatements.at(-1);
    if (!last || !Node.isReturnStatement(last) || last.getExpression()) {
      p.block(
        NAME,
        'SS502',
        ifStatement,
        comp.name,
        'the tick branch does not end with return',
        rule.codes.SS502!.manualStep!,
      );
    }
    tickStatements = tickStatements.slice(0, -1);
  }
  for (const s of tickStatements) {
    if (identifiersIn(s).some((id) => id.getText() === tupleName)) {
      p.block(NAME, 'SS502', s, comp.name, 'the tick branch reads the tick tuple', rule.codes.SS502!.manualStep!);
    }
  }
  const text = p.facts.sourceFile.getFullText();
  const unit = p.style.indent;
  const memberIndent = p.indentOf(execute);
  const bodyIndent = memberIndent + unit;
  let tickEmits = 0;
  const reindent = (s: Statement): string => {
    const own = p.indentOf(s);
    let out = '';
    let at = s.getStart();
    for (const e of s.getDescendantsOfKind(SyntaxKind.CallExpression)) {
      if (e.getStart() < at) continue;
      let replacement = convertCall?.(e);
      if (replacement === undefined && /\.emit$/.test(e.getExpression().getText())) {
        replacement = convertEmit?.(e);
        if (replacement === undefined)
          p.block(
            NAME,
            'SS502',
            e,
            comp.name,
            'the tick branch emits in a way not converted',
            rule.codes.SS502!.manualStep!,
          );
        tickEmits++;
      }
      if (replacement === undefined) continue;
      out += text.slice(at, e.getStart()) + replacement;
      at = e.getEnd();
    }
    out += text.slice(at, s.getEnd());
    return out
      .split('\n')
      .map((line, i) =>
        i === 0 ? bodyIndent + line : line.startsWith(own) ? bodyIndent + line.slice(own.length) : line,
      )
      .join('\n');
  };
  const period = /^[\w.]+$/.test(freq) ? `${freq} * 1000` : `(${freq}) * 1000`;
  const armInOpen = (contextName: string, indent: string): string => {
    const arm = [
      `this.nextTick = ${contextName}.currentProcessingTime() + ${period};`,
      `${contextName}.registerSubtaskTimer(this.nextTick);`,
    ];
    const guarded = cond
      ? [
          `if (${/^[\w.!]+$/.test(cond) || /^[\w.]+ [<>=!]+ [\w.]+$/.test(cond) ? cond : `(${cond})`}) {`,
          ...arm.map((l) => unit + l),
          '}',
        ]
      : arm;
    return guarded.map((l) => indent + l).join('\n');
  };
  const rest = elseBranch ? (Node.isBlock(elseBranch) ? elseBranch.getStatements() : [elseBranch]) : [];
  const removed: Node[] = [ifStatement, method];
  if (rest.length === 0) p.edits.remove(ifStatement, NAME);
  else {
    // The else branch stays where it is, unwrapped and dedented by line edits, so the edits other
    // rules plan inside it (field access, emits, helper calls) are kept.
    const first = rest[0]!;
    const last = rest.at(-1)!;
    p.edits.replaceRange(ifStatement.getStart(), first.getStart(), '', NAME);
    const own = p.indentOf(first);
    if (own !== bodyIndent) {
      for (
        let nl = text.indexOf('\n', first.getStart());
        nl >= 0 && nl < last.getEnd();
        nl = text.indexOf('\n', nl + 1)
      ) {
        if (text.startsWith(own, nl + 1)) p.edits.replaceRange(nl + 1, nl + 1 + own.length, bodyIndent, NAME);
      }
    }
    p.edits.replaceRange(last.getEnd(), ifStatement.getEnd(), '', NAME);
    removed.splice(0, 1, ifStatement.getExpression(), thenBranch);
  }
  p.edits.remove(method, NAME);
  const members = [
    '',
    `${memberIndent}/** When this subtask's next tick is due (Storm ticks every period from the task's start). */`,
    `${memberIndent}private nextTick = 0;`,
    '',
    `${memberIndent}onTimer(timestamp: number, context: OnTimerContext<${key!.type}>, ${collectorName}: Collector<${outType}>): void {`,
    ...tickStatements.map(reindent),
    `${bodyIndent}this.nextTick = timestamp + ${period};`,
    `${bodyIndent}context.timerService().registerProcessingTimeTimer(this.nextTick);`,
    `${memberIndent}}`,
    '',
  ].join('\n');
  p.runtimeImports.add('type OnTimerContext');
  p.finding(
    NAME,
    'SS501',
    'converted',
    call,
    comp.name,
    `tick every ${freq} s → processing-time timer per subtask, every period from when it opened`,
  );
  return { removed, keyed: true, usesContext: false, members, emits: tickEmits, armInOpen };
}

const ONE_TASK_GROUPINGS = new Set(['shuffle', 'localOrShuffle', 'none', 'global', 'all']);

/** Whether the class, or a user class it derives from, branches on tick tuples. */
function usesTicks(comp: ComponentClass): boolean {
  for (let cls: import('ts-morph').ClassDeclaration | undefined = comp.decl; cls; cls = cls.getBaseClass()) {
    if (cls.getSourceFile() !== comp.decl.getSourceFile()) return false;
    // A callee whose text ends in isTick needs that text in the class: most classes skip the walk.
    if (
      cls.getText().includes('isTick') &&
      cls.getDescendantsOfKind(SyntaxKind.CallExpression).some((c) => /(^|\.)isTick$/.test(c.getExpression().getText()))
    )
      return true;
  }
  return false;
}

/**
 * The partitioning of a tick-driven bolt on one task: one constant key, so the native function is
 * keyed and has a timer service. Undefined when the bolt is not one (several tasks: per-task ticks
 * over a stream that is not keyed have no native counterpart).
 */
export function tickPartitioning(p: Planner, c: WiredComponent, comp: ComponentClass): Partitioning | undefined {
  if (!usesTicks(comp)) return undefined;
  const parallelism = c.parallelism?.getText();
  if (parallelism !== undefined && parallelism !== '1') return undefined;
  if (!c.groupings.every((g) => ONE_TASK_GROUPINGS.has(g.kind) && g.stream === undefined)) return undefined;
  p.finding(
    NAME,
    'SS503',
    'converted',
    c.groupings[0]!.node,
    c.id!,
    `${c.groupings.map((g) => g.method).join(', ')} into one task → keyBy((_record) => 0): the tick-driven bolt gets timers`,
  );
  return { calls: '.keyBy((_record) => 0)', key: { fields: [], type: 'number' } };
}
