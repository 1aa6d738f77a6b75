/** Temp project folders for transpiler tests: compat/runtime/node_modules linked from this package. */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export function sandbox(parent?: string, name?: string): string {
  const dir = parent ? join(parent, name!) : mkdtempSync(join(tmpdir(), 'stormshift-migrate-test-'));
  mkdirSync(dir, { recursive: true });
  for (const layer of ['compat', 'runtime', 'node_modules']) symlinkSync(join(REPO, layer), join(dir, layer));
  copyFileSync(join(REPO, 'tsconfig.json'), join(dir, 'tsconfig.json'));
  writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
  return dir;
}

export function removeSandbox(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** Type errors in `files` (only those files are checked; what they import is resolved, not reported). */
export function typeErrors(files: string[]): string[] {
  const config = ts.readConfigFile(join(REPO, 'tsconfig.json'), ts.sys.readFile).config as { compilerOptions: object };
  const { options } = ts.convertCompilerOptionsFromJson(config.compilerOptions, REPO);
  const program = ts.createProgram(files, { ...options, noEmit: true, types: ['node'] });
  const out: string[] = [];
  for (const file of files) {
    const source = program.getSourceFile(file);
    if (!source) {
      out.push(`${file}: not in the program`);
      continue;
    }
    for (const d of [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)]) {
      const { line } = d.start === undefined ? { line: 0 } : source.getLineAndCharacterOfPosition(d.start);
      out.push(`${file}:${line + 1}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
    }
  }
  return out;
}
