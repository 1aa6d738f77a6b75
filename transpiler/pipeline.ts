/**
 * The migration pipeline: discover → text gate → analyze (ts-morph, type checker) → plan → rewrite
 * → report. Nothing is written until every file has been planned and rewritten in memory.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { Project, ts, type ResolutionHostFactory, type SourceFile } from 'ts-morph';
import { analyzeFile } from './analyze/index.ts';
import { compatImportOf, discoverFiles, findRoot } from './discover.ts';
import type { FileChange, MigrateOptions, MigrationResult } from './index.ts';
import { planFile, type FilePlan } from './plan/index.ts';
import { clashFinding, placeModules, type Conversion, type PendingTopology } from './place-modules.ts';
import { summarize } from './report/index.ts';
import type { FileReport, Finding, MigrationReport } from './report/types.ts';
import { addTodoMarkers, detectStyle, remainingCompatNames, rewriteText } from './rewrite/index.ts';

/** Files per ts-morph project: bounds memory on large repos (each batch's program is dropped after it). */
const BATCH = 200;

/**
 * Resolves relative imports and stormshift's own, and leaves every other package unresolved: the
 * rules only need the compat/runtime types and the user's own modules, and the runtime's
 * connector dependencies (kafkajs, ioredis, pg, @types/node through them) were most of the parse
 * time of a run.
 */
const resolutionHost: ResolutionHostFactory = (moduleResolutionHost, getCompilerOptions) => ({
  resolveModuleNames: (moduleNames: string[], containingFile: string) =>
    moduleNames.map((name) =>
      name.startsWith('.') || name.startsWith('/') || name.startsWith('stormshift/')
        ? ts.resolveModuleName(name, containingFile, getCompilerOptions(), moduleResolutionHost).resolvedModule
        : undefined,
    ),
});

/**
 * The file as a ts-morph source file, parsed once. (`createSourceFile(..., { overwrite: true })`
 * first loads and parses the file from disk, then parses the text again: half the parse time of a run.)
 */
function sourceFileFor(project: Project, file: string, text: string): SourceFile {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const sourceFile = project.getSourceFile(file) ?? project.addSourceFileAtPath(file);
  // The file changed on disk since the gate read it: analyze what the gate read.
  if (sourceFile.getFullText() !== body) sourceFile.replaceWithText(body);
  return sourceFile;
}

export class DirtyTreeError extends Error {
  constructor(readonly files: string[]) {
    super(
      `stormshift migrate: the git tree has uncommitted changes (${files.slice(0, 5).join(', ')}${files.length > 5 ? ', …' : ''}); commit or stash them, or pass --allow-dirty`,
    );
  }
}

export function dirtyFiles(root: string): string[] {
  if (!existsSync(join(root, '.git'))) return [];
  try {
    const out = execFileSync('git', ['status', '--porcelain'], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    return out
      .split('\n')
      .filter(Boolean)
      .map((l) => l.slice(3));
  } catch {
    return [];
  }
}

function rel(root: string, file: string): string {
  return relative(root, file).split(sep).join('/');
}

export async function runMigration(options: MigrateOptions): Promise<MigrationResult> {
  const cwd = resolve(options.cwd ?? process.cwd());
  const root = findRoot(cwd);
  const timings: Record<string, number> = {};
  const time = <T>(phase: string, fn: () => T): T => {
    const t0 = performance.now();
    try {
      return fn();
    } finally {
      timings[phase] = (timings[phase] ?? 0) + performance.now() - t0;
    }
  };
  if (options.write && !options.allowDirty) {
    const dirty = dirtyFiles(root);
    if (dirty.length) throw new DirtyTreeError(dirty);
  }
  const t0 = performance.now();
  const files = await discoverFiles({
    paths: options.paths,
    cwd,
    root,
    include: options.include,
    exclude: options.exclude,
  });
  timings.discover = performance.now() - t0;

  const candidates: Array<{ file: string; text: string; spec: string }> = [];
  time('gate', () => {
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      const spec = compatImportOf(file, text, undefined);
      if (spec) candidates.push({ file, text, spec });
    }
  });

  const tsconfig = join(root, 'tsconfig.json');
  const changes = new Map<string, FileChange>();
  const topologies: string[] = [];
  const fileReports: FileReport[] = [];
  const stats: Record<string, number> = {};
  const conversions = new Map<string, Conversion>();
  const pending: PendingTopology[] = [];
  let done = 0;
  options.onProgress?.(0, candidates.length);
  // One project for the run: the compat/runtime declarations are parsed once; each batch's own
  // files are removed after it, which bounds memory on large repositories.
  const project = time('load', () =>
    existsSync(tsconfig)
      ? new Project({
          tsConfigFilePath: tsconfig,
          skipAddingFilesFromTsConfig: true,
          compilerOptions: { types: [], skipLibCheck: true },
          resolutionHost,
        })
      : new Project({
          compilerOptions: {
            allowImportingTsExtensions: true,
            noEmit: true,
            strict: true,
            target: 9,
            module: 199,
            moduleResolution: 99,
            types: [],
          },
          resolutionHost,
        }),
  );
  for (let b = 0; b < candidates.length; b += BATCH) {
    const batch = candidates.slice(b, b + BATCH);
    const added = time('load', () => {
      const files = batch.map((c) => sourceFileFor(project, c.file, c.text));
      project.resolveSourceFileDependencies();
      return files;
    });
    for (const c of batch) {
      const relPath = rel(root, c.file);
      let plan: FilePlan;
      let after = c.text;
      const style = detectStyle(c.text);
      try {
        const sourceFile = project.getSourceFileOrThrow(c.file);
        const facts = time('analyze', () => analyzeFile(sourceFile, c.spec));
        for (const [k, v] of Object.entries(facts.stats)) stats[k] = (stats[k] ?? 0) + v;
        plan = time('plan', () => planFile(facts, relPath, style, options.todo));
        for (const [rule, ms] of Object.entries(plan.timings))
          timings[`rule:${rule}`] = (timings[`rule:${rule}`] ?? 0) + ms;
        if (!plan.blocked) {
          after = time('rewrite', () => rewriteText(c.text, plan.edits));
          const left = remainingCompatNames(after, facts.compatNames.keys());
          if (left.length) {
            const first = left[0]!;
            plan = {
              ...plan,
              blocked: true,
              topology: false,
              edits: [],
              findings: [
                {
                  code: 'SS006',
                  rule: 'job',
                  status: 'left',
                  file: relPath,
                  line: first.line,
                  column: 1,
                  construct: first.name,
                  reason: `after the rewrite ${[...new Set(left.map((l) => l.name))].join(', ')} would still come from compat (first at output line ${first.line})`,
                  manualStep: 'replace the remaining Storm API uses by hand',
                },
              ],
            };
            after = c.text;
          }
        }
        if (options.todo) after = addTodoMarkers(after, plan.findings, style);
      } catch (error) {
        const finding: Finding = {
          code: 'SS008',
          rule: 'job',
          status: 'error',
          file: relPath,
          line: 1,
          column: 1,
          construct: relPath,
          reason: `migration failed: ${(error as Error).message}`,
          manualStep: 'report this file as a bug; it was left unchanged',
        };
        plan = { file: relPath, edits: [], findings: [finding], topology: false, blocked: true, timings: {} };
        after = c.text;
      }
      // Component modules (rules/modules.ts): two topologies converting one module must agree on its text.
      const modules = !plan.blocked && after !== c.text ? (plan.modules ?? []) : [];
      const clash = modules.find((m) => (conversions.get(m.path)?.text ?? m.text) !== m.text);
      if (clash) {
        const first = conversions.get(clash.path)!;
        plan = {
          ...plan,
          blocked: true,
          topology: false,
          edits: [],
          findings: [clashFinding(clash, first, relPath, rel(root, clash.path))],
        };
        after = c.text;
      } else if (modules.length) {
        for (const m of modules) {
          const conversion = conversions.get(m.path) ?? { text: m.text, by: relPath, importers: new Map() };
          conversion.importers.set(c.file, m);
          conversions.set(m.path, conversion);
        }
        // Its text waits for where the modules go (their specifiers may name siblings).
        pending.push({ file: c.file, text: c.text, edits: plan.edits, findings: plan.findings, style, modules });
      }
      const changed = after !== c.text;
      if (changed && pending.at(-1)?.file !== c.file) changes.set(c.file, { before: c.text, after });
      if (plan.topology && changed) topologies.push(c.file);
      fileReports.push({
        file: relPath,
        status: plan.findings.some((f) => f.status === 'error') ? 'error' : changed ? 'changed' : 'unchanged',
        findings: plan.findings,
      });
      options.onProgress?.(++done, candidates.length);
      // Migration is synchronous CPU work; yielding per file lets the progress bar draw, signals
      // arrive and a host process (a test runner's RPC, a server) answer between files.
      await new Promise((resolve) => setImmediate(resolve));
    }
    time('load', () => {
      for (const f of added) project.removeSourceFile(f);
    });
  }

  if (conversions.size) {
    const t1 = performance.now();
    await placeModules({ root, files, conversions, pending, changes, fileReports, todo: Boolean(options.todo) });
    timings.modules = performance.now() - t1;
  }

  const report: MigrationReport = {
    schema: 'stormshift.migrate.report/1',
    root,
    filesScanned: files.length,
    filesAnalyzed: candidates.length,
    filesChanged: changes.size,
    summary: summarize(fileReports),
    files: fileReports,
    timings: Object.fromEntries(Object.entries(timings).map(([k, v]) => [k, Math.round(v * 10) / 10])),
    stats,
  };
  if (options.write) time('write', () => writeAll(changes));
  return { root, changes, topologies, report };
}

/** Writes every change through a temp file and a rename, after all of them were computed. */
export function writeAll(changes: ReadonlyMap<string, FileChange>): void {
  const temps: Array<[string, string]> = [];
  try {
    for (const [file, { after }] of changes) {
      const temp = `${file}.stormshift-migrate.tmp`;
      writeFileSync(temp, after);
      temps.push([temp, file]);
    }
  } catch (error) {
    for (const [temp] of temps) {
      try {
        writeFileSync(temp, '');
      } catch {
        // best effort
      }
    }
    throw error;
  }
  for (const [temp, file] of temps) renameSync(temp, file);
}
