/**
 * `§N` in code and tests means a section of docs/STORM-COMPAT.md: every cited section must exist
 * there, and no comment may point at a copy of the contract outside docs/.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const FOLDERS = ['runtime', 'compat', 'transpiler', 'cli', 'bench', 'samples', 'harness', 'test'];

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' || entry.name === 'results' ? [] : sources(path);
    return /\.(?:[cm]?[jt]s)$/.test(entry.name) ? [path] : [];
  });
}

const files = FOLDERS.flatMap((folder) => sources(join(ROOT, folder)));
const contract = readFileSync(join(ROOT, 'docs/STORM-COMPAT.md'), 'utf8');
const sections = new Set([...contract.matchAll(/^##+ (\d+[a-z]?(?:\.\d+)?)\.? /gm)].map((m) => m[1]!));

describe('references to the Storm contract', () => {
  it('every §N cited in code and tests is a section of docs/STORM-COMPAT.md', () => {
    const missing: string[] = [];
    for (const file of files) {
      for (const match of readFileSync(file, 'utf8').matchAll(/§ ?(\d+[a-z]?)(?:\.(\d+))?/g)) {
        const top = match[1]!;
        // §7.1…§7.8 cite the numbered rules inside §7; sub-sections must exist only where the contract has headings.
        const cited = match[2] !== undefined && sections.has(`${top}.${match[2]}`) ? `${top}.${match[2]}` : top;
        if (!sections.has(cited)) missing.push(`${relative(ROOT, file)}: ${match[0]}`);
      }
    }
    expect(sections.size).toBeGreaterThan(20);
    expect(missing).toEqual([]);
  });

  it('names the contract by its path in the repository', () => {
    const stale = files.filter((file) => /(?<!docs\/)STORM-COMPAT\.md|\/work\/shared/.test(readFileSync(file, 'utf8')));
    expect(stale.map((file) => relative(ROOT, file))).toEqual([]);
  });
});
