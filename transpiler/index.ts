/**
 * stormshift/transpiler — rewrites Storm-API topology code (written against stormshift/compat) into
 * native runtime jobs: analyze → plan → rewrite → report. This file is the public face.
 */
export type { Finding, FindingStatus, FileReport, MigrationReport } from './report/types.ts';

export interface MigrateOptions {
  /** Files or folders to migrate, relative to `cwd`. */
  paths: string[];
  cwd?: string;
  /** Save the changes (all at the end); otherwise a dry run. */
  write?: boolean;
  include?: string[];
  exclude?: string[];
  /** Add greppable `TODO(stormshift-migrate)` markers where something was left for a person. */
  todo?: boolean;
  /** Write even when the git tree has uncommitted changes. */
  allowDirty?: boolean;
  onProgress?(done: number, total: number): void;
}

export interface FileChange {
  before: string;
  after: string;
}

export interface MigrationResult {
  /** The directory paths in the report are relative to (the git root or cwd). */
  root: string;
  /** Absolute path → contents before and after; only files whose bytes change. */
  changes: Map<string, FileChange>;
  /** Absolute paths of topology modules that now default-export a native job. */
  topologies: string[];
  report: import('./report/types.ts').MigrationReport;
}

export const TRANSPILER_AVAILABLE = true;

export async function migrate(options: MigrateOptions): Promise<MigrationResult> {
  const { runMigration } = await import('./pipeline.ts');
  return runMigration(options);
}
