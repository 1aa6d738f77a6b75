/**
 * Where converted component modules go (rules/modules.ts converts them with each topology that
 * wires them). Once every file is planned: a module whose importers all converted it, to the same
 * text, and that lies within the migrated paths is rewritten in place (SS022); otherwise its
 * native text goes into the sibling `X.native.ts`, the converted topologies import the sibling, and
 * the Storm module stays for the importers named in SS020. Importers are looked for in the whole
 * project (under the root), not only the migrated paths: a module outside them still needs the
 * Storm class.
 */
import { existsSync, readFileSync } from 'node:fs';
import { posix, relative, sep } from 'node:path';
import { importedTargets, projectFiles } from './discover.ts';
import type { FileChange } from './index.ts';
import { modulesRule, type ModuleConversion } from './plan/index.ts';
import type { FileReport, Finding } from './report/types.ts';
import { addTodoMarkers, rewriteText, type Edit, type Style } from './rewrite/index.ts';

/** One component module as converted in this run. */
export interface Conversion {
  /** Its native text (every topology that converts it gives the same). */
  text: string;
  /** The first topology that converted it (relative path). */
  by: string;
  /** Converted topology (absolute path) → its conversion of the module. */
  importers: Map<string, ModuleConversion>;
}

/** A converted topology whose text waits for its modules' places. */
export interface PendingTopology {
  file: string;
  text: string;
  edits: Edit[];
  findings: Finding[];
  style: Style;
  modules: ModuleConversion[];
}

function relOf(root: string, file: string): string {
  return relative(root, file).split(sep).join('/');
}

/** The first line where two texts differ, for a report: `{ line, a, b }`. */
function firstDifference(a: string, b: string): { line: number; a: string; b: string } {
  const la = a.split('\n');
  const lb = b.split('\n');
  let i = 0;
  while (i < la.length && la[i] === lb[i]) i++;
  return { line: i + 1, a: (la[i] ?? '').trim(), b: (lb[i] ?? '').trim() };
}

/**
 * A topology whose conversion of a module differs from an earlier topology's (the component's
 * records have other fields or types here): one native module cannot type both, so this topology
 * is left and the finding shows where the two texts part.
 */
export function clashFinding(clash: ModuleConversion, first: Conversion, file: string, module: string): Finding {
  const d = firstDifference(first.text, clash.text);
  return {
    code: 'SS021',
    rule: modulesRule.name,
    status: 'left',
    file,
    line: clash.finding.line,
    column: clash.finding.column,
    construct: module,
    reason: `${first.by} converts ${module} with other record types than this topology does (its native text, line ${d.line}: \`${d.a}\` for ${first.by}, \`${d.b}\` here); one native module cannot type both`,
    manualStep:
      'give the component the same input and output fields in both topologies, or copy the component into this topology module',
  };
}

export async function placeModules(run: {
  root: string;
  /** The migrated paths' files. */
  files: readonly string[];
  conversions: ReadonlyMap<string, Conversion>;
  pending: readonly PendingTopology[];
  changes: Map<string, FileChange>;
  fileReports: FileReport[];
  todo: boolean;
}): Promise<void> {
  const { root, conversions, changes } = run;
  const targets = [...conversions.keys()];
  const importers = new Map<string, string[]>(targets.map((t) => [t, []]));
  const scanned = new Set([...(await projectFiles(root)), ...run.files]);
  for (const file of scanned) {
    if (conversions.has(file)) continue;
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const target of importedTargets(file, text, targets)) importers.get(target)!.push(file);
  }
  const migrated = new Set(run.files);
  const toSibling = new Set<string>();
  for (const [path, conversion] of conversions) {
    const rel = relOf(root, path);
    const sibling = [...conversion.importers.values()][0]!.sibling;
    const siblingRel = relOf(root, sibling);
    const converting = [...conversion.importers.keys()].map((f) => relOf(root, f)).sort();
    const staying = importers
      .get(path)!
      .filter((f) => !conversion.importers.has(f))
      .map((f) => relOf(root, f))
      .sort();
    const siblingThere = existsSync(sibling) && readFileSync(sibling, 'utf8') === conversion.text;
    const why = staying.length
      ? `${rel} stays for its importers on compat: ${staying.join(', ')}`
      : !migrated.has(path)
        ? `${rel} is outside the migrated paths and stays as it is`
        : siblingThere
          ? `${posix.basename(siblingRel)} exists already with this text`
          : undefined;
    if (why === undefined) {
      const before = readFileSync(path, 'utf8');
      changes.set(path, { before, after: conversion.text });
      for (const m of conversion.importers.values()) {
        m.finding.code = 'SS022';
        m.finding.reason = `${m.names} converted in place in ${rel}: every module that imports it converts (${converting.join(', ')})`;
        delete m.finding.manualStep;
      }
      const report = run.fileReports.find((r) => r.file === rel);
      const own: Finding = {
        code: 'SS022',
        rule: modulesRule.name,
        status: 'converted',
        file: rel,
        line: 1,
        column: 1,
        construct: rel,
        reason: `rewritten in place with ${converting.join(', ')}, its only importers (their findings cover its components)`,
      };
      if (report) Object.assign(report, { status: 'changed', findings: [own] });
      else run.fileReports.push({ file: rel, status: 'changed', findings: [own] });
      continue;
    }
    toSibling.add(path);
    if (!siblingThere)
      changes.set(sibling, {
        before: existsSync(sibling) ? readFileSync(sibling, 'utf8') : '',
        after: conversion.text,
      });
    for (const m of conversion.importers.values()) {
      m.finding.reason = `${m.names} → ${posix.basename(siblingRel)} (native, imported from here); ${why}`;
    }
  }
  for (const t of run.pending) {
    const edits = [...t.edits, ...t.modules.filter((m) => toSibling.has(m.path)).flatMap((m) => m.siblingImports)];
    let after = rewriteText(t.text, edits);
    if (run.todo) after = addTodoMarkers(after, t.findings, t.style);
    changes.set(t.file, { before: t.text, after });
  }
}
