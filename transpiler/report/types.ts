/**
 * The migration report's data model. The JSON written by `stormshift migrate --report FILE` is a
 * `MigrationReport` as-is; docs/migrate-codes.md documents the schema and every finding code.
 */

export type FindingStatus = 'converted' | 'partial' | 'left' | 'error';

export interface Finding {
  /** Stable code, e.g. `SS101`; listed in docs/migrate-codes.md. */
  code: string;
  /** The rule that raised it (its file name under transpiler/plan/rules/). */
  rule: string;
  status: FindingStatus;
  /** Path relative to the report's root, with forward slashes. */
  file: string;
  line: number;
  column: number;
  /** The Storm construct: a component id, class name or call. */
  construct: string;
  /** What happened and why. */
  reason: string;
  /** What a person still has to do; absent when nothing. */
  manualStep?: string;
  /**
   * The component's output order per key may differ after the migration (e.g. its input comes
   * from parallel tasks): `--verify` compares its output as the last value per key of these fields.
   */
  lastPerKey?: string[];
}

export interface FileReport {
  file: string;
  status: 'changed' | 'unchanged' | 'skipped' | 'error';
  findings: Finding[];
}

export interface MigrationReport {
  schema: 'stormshift.migrate.report/1';
  root: string;
  filesScanned: number;
  /** Files that passed the cheap text gate (they import the compat API) and were analyzed. */
  filesAnalyzed: number;
  filesChanged: number;
  summary: { converted: number; partial: number; left: number; error: number };
  files: FileReport[];
  /** Milliseconds spent per phase and per rule. */
  timings: Record<string, number>;
  /** Construct counts by kind (what `--stats` prints). */
  stats: Record<string, number>;
}
