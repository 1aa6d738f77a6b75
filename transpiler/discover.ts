/**
 * Which files a migration looks at: the given files and folders, minus node_modules/build/coverage,
 * .gitignored paths and --exclude globs, plus only --include matches when given; then a cheap text
 * gate (the file imports the compat API) so that only candidates enter the ts-morph project.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import ignore from 'ignore';
import picomatch from 'picomatch';
import { glob } from 'tinyglobby';

const ALWAYS_SKIPPED = ['**/node_modules/**', '**/build/**', '**/dist/**', '**/coverage/**', '**/.git/**'];
const SOURCE_GLOB = '**/*.{ts,mts,cts,tsx}';

export function findRoot(cwd: string): string {
  let dir = resolve(cwd);
  for (;;) {
    if (existsSync(join(dir, '.git'))) return dir;
    const up = dirname(dir);
    if (up === dir) return resolve(cwd);
    dir = up;
  }
}

export interface DiscoverOptions {
  paths: string[];
  cwd: string;
  root: string;
  include?: string[];
  exclude?: string[];
}

export async function discoverFiles(options: DiscoverOptions): Promise<string[]> {
  const { cwd, root } = options;
  const gitignore = ignore();
  const gitignorePath = join(root, '.gitignore');
  if (existsSync(gitignorePath)) gitignore.add(readFileSync(gitignorePath, 'utf8'));
  const include = options.include?.length ? picomatch(options.include, { dot: true }) : undefined;
  const exclude = options.exclude?.length ? picomatch(options.exclude, { dot: true }) : undefined;
  const found = new Set<string>();
  for (const p of options.paths.length ? options.paths : ['.']) {
    const abs = resolve(cwd, p);
    if (!existsSync(abs)) throw new Error(`stormshift migrate: no such file or folder: ${p}`);
    if (statSync(abs).isFile()) {
      found.add(abs);
      continue;
    }
    const files = await glob(SOURCE_GLOB, { cwd: abs, absolute: true, ignore: ALWAYS_SKIPPED, dot: false });
    for (const f of files) if (!f.endsWith('.d.ts')) found.add(resolve(f));
  }
  const kept: string[] = [];
  for (const file of found) {
    const rel = relative(root, file).split(sep).join('/');
    if (!rel.startsWith('..') && rel !== '' && gitignore.ignores(rel)) continue;
    const relCwd = relative(cwd, file).split(sep).join('/');
    if (include && !include(relCwd) && !include(rel)) continue;
    if (exclude && (exclude(relCwd) || exclude(rel))) continue;
    kept.push(file);
  }
  return kept.sort();
}

const IMPORT_SPECIFIER = /(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]/g;

/**
 * The cheap gate: does the file import stormshift/compat, or a relative path that resolves to a
 * compat/index.ts? Returns the matching specifier, or undefined.
 */
export function compatImportOf(file: string, text: string, compatIndex: string | undefined): string | undefined {
  if (!text.includes('compat')) return undefined;
  for (const match of text.matchAll(IMPORT_SPECIFIER)) {
    const spec = match[1]!;
    if (spec === 'stormshift/compat') return spec;
    if (spec.startsWith('.') && /compat(\/index(\.ts|\.js)?)?$/.test(spec)) {
      const target = resolve(dirname(file), spec);
      const candidates = [target, `${target}.ts`, join(target, 'index.ts')].map((c) => c.replace(/\.js$/, '.ts'));
      if (
        compatIndex === undefined
          ? candidates.some((c) => c.endsWith(`${sep}compat${sep}index.ts`))
          : candidates.includes(compatIndex)
      )
        return spec;
    }
  }
  return undefined;
}

/**
 * Every source file under `root` that could import a module (the migration's own skips and
 * .gitignore apply; symlinked folders, which are linked packages, are not entered).
 */
export async function projectFiles(root: string): Promise<string[]> {
  const gitignore = ignore();
  const gitignorePath = join(root, '.gitignore');
  if (existsSync(gitignorePath)) gitignore.add(readFileSync(gitignorePath, 'utf8'));
  const files = await glob(SOURCE_GLOB, {
    cwd: root,
    absolute: true,
    ignore: ALWAYS_SKIPPED,
    dot: false,
    followSymbolicLinks: false,
  });
  return files
    .map((f) => resolve(f))
    .filter((f) => !f.endsWith('.d.ts') && !gitignore.ignores(relative(root, f).split(sep).join('/')))
    .sort();
}

const ANY_SPECIFIER = /(?:\bfrom|\bimport|\brequire)\s*\(?\s*['"]([^'"\n]+)['"]/g;
const EXTENSION = /\.(?:m|c)?(?:ts|js|tsx|jsx)$/;

/**
 * Which of `targets` (absolute module paths) `text`, the source of `file`, imports. Relative
 * specifiers are resolved (with or without extension, `.js` for `.ts`, a folder's index); a
 * non-relative one ending in a target's file name (a tsconfig path alias) counts too, so that a
 * module is never taken for unimported when it may be.
 */
export function importedTargets(file: string, text: string, targets: readonly string[]): string[] {
  const stems = targets.filter((t) => text.includes(basename(t).replace(EXTENSION, '')));
  if (!stems.length) return [];
  const out = new Set<string>();
  for (const match of text.matchAll(ANY_SPECIFIER)) {
    const spec = match[1]!;
    const relativeSpec = spec.startsWith('.') || spec.startsWith('/');
    const stem = (relativeSpec ? resolve(dirname(file), spec) : spec).replace(EXTENSION, '');
    for (const target of stems) {
      const targetStem = target.replace(EXTENSION, '');
      if (
        relativeSpec
          ? stem === targetStem || join(stem, 'index') === targetStem
          : stem.endsWith(`/${basename(targetStem)}`)
      )
        out.add(target);
    }
  }
  return [...out];
}
