/** What analysis finds in a file: facts only (no decisions); the plan rules decide what to do with them. */
import type {
  CallExpression,
  ClassDeclaration,
  ExportAssignment,
  Expression,
  FunctionDeclaration,
  ImportDeclaration,
  Node,
  ParameterDeclaration,
  SourceFile,
  Statement,
  VariableStatement,
} from 'ts-morph';

export type ComponentKind = 'spout' | 'bolt';

export interface ComponentClass {
  name: string;
  decl: ClassDeclaration;
  kind: ComponentKind;
  /** The compat class or interface it derives from (BaseRichSpout, BaseBasicBolt, IRichBolt...). */
  compatBase: string;
  /** True when a user class sits between it and the compat base (inheritance the rules do not follow). */
  viaUserClass: boolean;
  /** Fields of the default stream, in declaration order, when declared with literal names. */
  outputFields: string[] | undefined;
  /** Other declared stream ids (declareStream / declare on a named stream). */
  namedStreams: string[];
}

export type GroupingKind =
  | 'shuffle'
  | 'localOrShuffle'
  | 'none'
  | 'fields'
  | 'global'
  | 'all'
  | 'partialKey'
  | 'direct'
  | 'custom'
  | 'unknown';

export interface Grouping {
  kind: GroupingKind;
  method: string;
  /** The upstream component id when a literal. */
  source: string | undefined;
  /** A stream id other than default, when given. */
  stream: string | undefined;
  fields: string[] | undefined;
  node: CallExpression;
}

/** A window length or sliding interval: tuples (Count) or milliseconds (Duration). */
export type WindowSpan = { count: number } | { ms: number };

export interface WindowChain {
  node: Expression;
  length?: WindowSpan;
  slide?: WindowSpan;
  timestampField?: string;
  lagMs?: number;
  watermarkIntervalMs?: number;
  lateStream?: string;
  /** Builder calls whose arguments are not literal, or builders the migration does not read. */
  unreadable: Array<{ node: Node; reason: string }>;
}

export interface WiredComponent {
  /** The component id when a string literal. */
  id: string | undefined;
  kind: ComponentKind;
  /** The instance expression (second argument of setSpout/setBolt). */
  instance: Expression;
  /** The class constructed when the instance is `new X(...)`. */
  className: string | undefined;
  /** Set when the class is declared in this file. */
  classDecl: ClassDeclaration | undefined;
  /** Set when the class is a compat library component (TestWordSpout...). */
  libraryClass: string | undefined;
  parallelism: Expression | undefined;
  groupings: Grouping[];
  /** Calls chained after setBolt that are not groupings (setNumTasks, addConfiguration...). */
  otherCalls: CallExpression[];
  node: CallExpression;
  /**
   * Set when the component comes from a builder-function parameter's default: the parameter itself
   * (`spout = new X()`), or an options parameter's property (`options.spout ?? new X()`). `instance`
   * is then the default `new X()`; the job rule checks that no call passes the parameter.
   */
  /** `new X().withTumblingWindow(Count.of(n))` / `.withWindow(Count.of(size), Count.of(slide))`: count window in tuples. */
  countWindow?: { size: number; slide: number; node: Expression };
  /**
   * Any other window builder chain on `new X()` (durations, event time, lag, watermark interval,
   * late stream): what was read literally, and the first call that could not be read.
   */
  window?: WindowChain;
  /** Set when the class is a component defined in another user module (classDecl is then in that module). */
  external?: ComponentClass;
  fromParameter?: { parameter: ParameterDeclaration; index: number; property?: string; expression: Expression };
}

export interface Wiring {
  /** The function that builds and returns the TopologyBuilder, or undefined for module-level wiring. */
  builderFunction: FunctionDeclaration | undefined;
  /** The statement declaring the builder variable. */
  builderDeclaration: VariableStatement;
  builderVariable: string;
  /** setSpout/setBolt statements and `return builder`. */
  statements: Statement[];
  components: WiredComponent[];
  /** Reasons the wiring cannot be read statically, with the node. */
  dynamic: Array<{ node: Statement | Expression; reason: string }>;
}

export interface ConfigFact {
  variable: string;
  declaration: VariableStatement;
  exported: boolean;
  /** `config.setX(...)` statements, in order. */
  calls: Array<{ method: string; args: Expression[]; statement: Statement }>;
  /** Other uses of the variable (passed to a submitter...). */
  otherUses: number;
}

export interface FileFacts {
  path: string;
  sourceFile: SourceFile;
  compatSpecifier: string;
  compatImports: ImportDeclaration[];
  /** Local names bound by the compat imports → the compat export name. */
  compatNames: Map<string, string>;
  components: ComponentClass[];
  wirings: Wiring[];
  configs: ConfigFact[];
  defaultExport: ExportAssignment | undefined;
  /** Calls to StormSubmitter / LocalCluster (a main that submits): left for a person. */
  submits: CallExpression[];
  stats: Record<string, number>;
}
