/**
 * The first half of verify: the rewrite must type-check against the native API. One TypeScript
 * program over the changed files of the materialized copy (with the project's tsconfig when it has
 * one), reporting errors in those files only: the rest of the project is the user's business.
 */
import { existsSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import ts from 'typescript';

export interface CompileError {
  file: string;
  line: number;
  column: number;
  message: string;
}

const FALLBACK: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  strict: true,
  noEmit: true,
  allowImportingTsExtensions: true,
  skipLibCheck: true,
};

export function compileErrors(root: string, files: readonly string[]): CompileError[] {
  if (files.length === 0) return [];
  const configPath = ts.findConfigFile(root, (p) => existsSync(p) && resolve(dirname(p)) === resolve(root));
  let options = FALLBACK;
  if (configPath) {
    const parsed = ts.parseJsonConfigFileContent(
      ts.readConfigFile(configPath, ts.sys.readFile).config,
      ts.sys,
      dirname(configPath),
    );
    options = { ...parsed.options, noEmit: true, skipLibCheck: true };
  }
  const program = ts.createProgram({ rootNames: files.map((f) => resolve(f)), options });
  const errors: CompileError[] = [];
  // Diagnostics of the changed files only: the checker then resolves just what they use, instead
  // of type-checking the whole project (seconds instead of tens of seconds on a large one).
  for (const file of files) {
    const sourceFile = program.getSourceFile(resolve(file));
    if (sourceFile === undefined) continue;
    const diagnostics = [...program.getSyntacticDiagnostics(sourceFile), ...program.getSemanticDiagnostics(sourceFile)];
    for (const d of diagnostics) {
      if (d.category !== ts.DiagnosticCategory.Error || d.file === undefined) continue;
      const { line, character } = d.file.getLineAndCharacterOfPosition(d.start ?? 0);
      errors.push({
        file: relative(root, d.file.fileName).split('\\').join('/'),
        line: line + 1,
        column: character + 1,
        message: ts.flattenDiagnosticMessageText(d.messageText, '\n'),
      });
    }
  }
  return errors;
}

export function formatCompileErrors(errors: readonly CompileError[], max = 5): string {
  const shown = errors.slice(0, max).map((e) => `${e.file}:${e.line}:${e.column}: ${e.message.split('\n')[0]}`);
  return `${shown.join('\n')}${errors.length > max ? `\n(${errors.length - max} more)` : ''}`;
}
