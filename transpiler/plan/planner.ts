/**
 * The per-file planning context the rules share: the facts, the file's style, the edits being
 * planned and the findings. A plan is data (edits on the original text + findings); nothing is
 * written here, so rules are testable without touching files.
 */
import { Node, SyntaxKind, ts, type ClassDeclaration, type Expression, type PropertyAccessExpression } from 'ts-morph';
import { descendantsWhere, isThisMember } from '../analyze/index.ts';
import type { FileFacts } from '../analyze/index.ts';
import type { Finding, FindingStatus } from '../report/types.ts';
import { EditSet, type Edit } from '../rewrite/edits.ts';
import type { ModuleConversion } from './rules/modules.ts';
import { styled, type Style } from '../rewrite/style.ts';

export interface RuleInfo {
  name: string;
  description: string;
  codes: Record<string, { status: FindingStatus | 'varies'; title: string; manualStep?: string }>;
}

/** A blocking finding stops the whole file: it is left byte-identical. */
export class Blocked extends Error {
  constructor(readonly finding: Finding) {
    super(finding.reason);
  }
}

export interface FilePlan {
  file: string;
  edits: Edit[];
  findings: Finding[];
  /** The file becomes a module default-exporting a native job. */
  topology: boolean;
  blocked: boolean;
  timings: Record<string, number>;
  /** Component modules converted with this topology (rules/modules.ts); the pipeline places them. */
  modules?: ModuleConversion[];
}

export interface RecordShape {
  fields: string[];
  /** Field → TypeScript type text. */
  types: Map<string, string>;
  /** Only the leading fields of the real records (rules/reuse.ts): the field list is not the whole tuple. */
  narrowed?: boolean;
  /** A type parameter standing for records whose fields are not known here (a template base bolt's input). */
  opaque?: string;
}

export function recordType(shape: RecordShape): string {
  if (shape.opaque) return shape.opaque;
  if (shape.fields.length === 0) return 'never';
  return `{ ${shape.fields.map((f) => `${propertyName(f)}: ${shape.types.get(f) ?? 'unknown'}`).join('; ')} }`;
}

export function propertyName(name: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(name) ? name : `'${name.replace(/'/g, "\\'")}'`;
}

export function fieldAccess(target: string, name: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(name) ? `${target}.${name}` : `${target}['${name.replace(/'/g, "\\'")}']`;
}

export class Planner {
  readonly edits: EditSet;
  readonly findings: Finding[] = [];
  /** Names to import from the runtime; 'type X' for type-only. */
  readonly runtimeImports = new Set<string>();
  readonly timings: Record<string, number> = {};
  /**
   * Every blocking finding met so far. Planning goes on past a blocked component (see `attempt`),
   * so the report lists all that stands in the way, not only the first.
   */
  readonly blockers: Finding[] = [];
  private readonly text: string;

  constructor(
    readonly facts: FileFacts,
    readonly relPath: string,
    readonly style: Style,
    readonly todo: boolean,
  ) {
    this.text = facts.sourceFile.getFullText();
    this.edits = new EditSet(this.text);
  }

  finding(
    rule: string,
    code: string,
    status: FindingStatus,
    node: Node,
    construct: string,
    reason: string,
    manualStep?: string,
  ): Finding {
    const { line, column } = this.facts.sourceFile.getLineAndColumnAtPos(node.getStart());
    const f: Finding = {
      code,
      rule,
      status,
      file: this.relPath,
      line,
      column,
      construct,
      reason,
      ...(manualStep ? { manualStep } : {}),
    };
    this.findings.push(f);
    return f;
  }

  /** Reports a construct the migration cannot prove safe and stops planning this file. */
  block(rule: string, code: string, node: Node, construct: string, reason: string, manualStep: string): never {
    const { line, column } = this.facts.sourceFile.getLineAndColumnAtPos(node.getStart());
    throw new Blocked({ code, rule, status: 'left', file: this.relPath, line, column, construct, reason, manualStep });
  }

  /**
   * Reports every problem found in one construct, and stops planning it: the report lists them
   * all, not only the first. Does nothing when `problems` is empty.
   */
  blockAll(
    rule: string,
    code: string,
    construct: string,
    manualStep: string,
    problems: ReadonlyArray<{ node: Node; reason: string }>,
  ): void {
    if (problems.length === 0) return;
    for (const x of problems.slice(1))
      this.attempt(() => this.block(rule, code, x.node, construct, x.reason, manualStep));
    this.block(rule, code, problems[0]!.node, construct, problems[0]!.reason, manualStep);
  }

  /**
   * Runs `fn` on every item as an independent check: a blocked item is recorded and the others
   * still run. Returns the first blocking finding, for the caller to stop the construct with
   * (`stop`) once its other checks ran too.
   */
  checkEach<T>(items: Iterable<T>, fn: (item: T) => void): Finding | undefined {
    let first: Finding | undefined;
    for (const item of items) {
      try {
        fn(item);
      } catch (error) {
        if (!(error instanceof Blocked)) throw error;
        this.recordBlocker(error.finding);
        first ??= error.finding;
      }
    }
    return first;
  }

  /** Stops the construct with the first of the blocking findings `checkEach` returned, if any. */
  stop(...found: Array<Finding | undefined>): void {
    const first = found.find((f) => f !== undefined);
    if (first) throw new Blocked(first);
  }

  /**
   * Runs one independent step (a component, a check): a block inside it is recorded in `blockers`
   * and planning continues with the next step. Returns undefined when the step was blocked.
   */
  attempt<T>(fn: () => T): T | undefined {
    try {
      return fn();
    } catch (error) {
      if (!(error instanceof Blocked)) throw error;
      this.recordBlocker(error.finding);
      return undefined;
    }
  }

  recordBlocker(finding: Finding): void {
    const same = (f: Finding) =>
      f.code === finding.code && f.line === finding.line && f.column === finding.column && f.reason === finding.reason;
    if (!this.blockers.some(same)) this.blockers.push(finding);
  }

  timed<T>(rule: string, fn: () => T): T {
    const t0 = performance.now();
    try {
      return fn();
    } finally {
      this.timings[rule] = (this.timings[rule] ?? 0) + performance.now() - t0;
    }
  }

  styled(code: string): string {
    return styled(code, this.style);
  }

  /** Replaces `extends X implements Y` with `heritage`. */
  convertHeader(cls: ClassDeclaration, heritage: string, rule: string): void {
    const clauses = cls.getHeritageClauses();
    if (!clauses.length) return;
    this.edits.replaceRange(clauses[0]!.getStart(), clauses[clauses.length - 1]!.getEnd(), heritage, rule);
  }

  /** A class that no longer extends a compat base keeps no `override` modifiers and no `super()` call. */
  stripOverrideAndSuper(cls: ClassDeclaration, rule: string): void {
    for (const member of cls.getMembers()) {
      if (!Node.isMethodDeclaration(member) && !Node.isPropertyDeclaration(member)) continue;
      const modifier = member.getModifiers().find((m) => m.getKind() === SyntaxKind.OverrideKeyword);
      if (modifier)
        this.edits.replaceRange(
          modifier.getStart(),
          modifier.getEnd() + (this.text[modifier.getEnd()] === ' ' ? 1 : 0),
          '',
          rule,
        );
    }
    for (const ctor of cls.getConstructors()) {
      for (const statement of ctor.getStatements()) {
        if (/^super\(\s*\);?$/.test(statement.getText())) this.edits.remove(statement, rule);
        else if (/^super\(/.test(statement.getText()))
          this.block(
            rule,
            'SS001',
            statement,
            cls.getName() ?? '',
            'the constructor passes arguments to the Storm base class',
            'remove the base-class call by hand',
          );
      }
    }
  }

  /** Indentation of the line `node` starts on. */
  indentOf(node: Node): string {
    const start = node.getStart();
    const ls = this.text.lastIndexOf('\n', start - 1) + 1;
    return /^[ \t]*/.exec(this.text.slice(ls, start))![0];
  }

  /** Where a class's closing brace line starts: members are inserted there. */
  classEndInsertPos(cls: ClassDeclaration): number {
    const close = cls.getEnd() - 1;
    return this.text.lastIndexOf('\n', close - 1) + 1;
  }

  /** The TypeScript text of an expression's type, widened from literals; `unknown` when it cannot be named here. */
  typeText(expr: Expression): string {
    const type = expr.getType();
    const base = type.isLiteral() ? type.getBaseTypeOfLiteralType() : type;
    const text = base.getText(expr);
    if (/import\(|=>|\{/.test(text) || text === 'any' || text.length > 60) return 'unknown';
    return text;
  }
}

/** `new Values(...)` on the compiler node, for walks that wrap only those (callers still check the text). */
export function isNewValues(node: ts.Node): boolean {
  return ts.isNewExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'Values';
}

/** `this.<name>` property accesses anywhere under `node`. */
export function thisMembers(node: Node, name?: string): Node[] {
  // Tested on the compiler nodes: only the matches get ts-morph wrappers.
  return descendantsWhere<PropertyAccessExpression>(node, isThisMember).filter(
    (p) => name === undefined || p.getName() === name,
  );
}

export function isWrite(access: Node): boolean {
  const parent = access.getParent();
  if (!parent) return false;
  if (Node.isBinaryExpression(parent) && parent.getLeft() === access)
    return (
      /=$/.test(parent.getOperatorToken().getText()) &&
      parent.getOperatorToken().getText() !== '==' &&
      parent.getOperatorToken().getText() !== '==='
    );
  if (Node.isPrefixUnaryExpression(parent) || Node.isPostfixUnaryExpression(parent))
    return ['++', '--'].some((op) => parent.getText().includes(op));
  return false;
}
