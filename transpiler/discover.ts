/**
 * Which files a migration looks at: the given files and folders, minus node_modules/build/coverage,
 * .gitignored paths and --exclude globs, plus only --include matches when given; then a cheap text
 * gate (the file imports the compat API) so that only candidates enter the ts-morph project.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
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
