/**
 * modules: a component wired here but defined in another user module (`import { PrinterBolt } from
 * './lib/printer-bolt.ts'`, followed through the checker) is converted with this topology, by the
 * same rules, into the module's native text. The pipeline then places it: when every importer of
 * the module converts it (to the same text), the module is rewritten in place (SS022); when some
 * importer stays on compat (a left topology, a test, a module outside the migrated paths), the text
 * goes into a sibling beside the original (`printer-bolt.native.ts`), the converted topologies
 * import the sibling, and the Storm module stays for the others (SS020). Either way each file is
 * fully native or untouched. The converted text must be fully native: every component of the
 * module must be wired here, and no compat name may remain.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, posix, relative, sep } from 'node:path';
import { Node, type SourceFile } from 'ts-morph';
import { analyzeFile, isCompatFile, type WiredComponent } from '../../analyze/index.ts';
import { detectStyle, remainingCompatNames, rewriteText } from '../../rewrite/index.ts';
import type { Finding } from '../../report/types.ts';
import type { Edit } from '../../rewrite/edits.ts';
import { Planner, type RuleInfo } from '../planner.ts';
import { planImports } from './imports.ts';

export const rule: RuleInfo = {
  name: 'modules',
  description:
    'Components defined in another module are converted with the topology: in place when every importer converts, else into a native sibling module while the Storm module stays for its other importers.',
  codes: {
    SS020: {
      status: 'converted',
      title:
        'component module converted into a native sibling beside it (X.native.ts); the topology imports the sibling, the Storm module is unchanged',
      manualStep: 'delete the Storm module once nothing imports it any more',
    },
    SS022: {
      status: 'converted',
      title:
        'component module rewritten in place: every module that imports it is a topology converted in this run, with the same native text',
    },
    SS021: {
      status: 'left',
      title:
        'component module cannot be converted with this topology (components not wired here, compat names left, another topology converts it with other record types, re-exported through another module)',
      manualStep: 'move the component into the topology module, or convert the component module by hand',
    },
  },
};

const NAME = rule.name;

interface ModulePlan {
  planner: Planner;
  source: SourceFile;
  converted: Set<Node>;
}

const MODULES = new WeakMap<Planner, Map<SourceFile, ModulePlan>>();

/** `x.ts` → `x.native.ts` (also `.js`, `.mts`, and extension-less specifiers). */
export function siblingName(path: string): string {
  const m = /\.(m|c)?(ts|js|tsx)$/.exec(path);
  return m ? `${path.slice(0, m.index)}.native${m[0]}` : `${path}.native`;
}

function relPathOf(p: Planner, file: SourceFile): string {
  const fromHere = relative(dirname(p.facts.path), file.getFilePath()).split(sep).join('/');
  return posix.normalize(posix.join(posix.dirname(p.relPath), fromHere));
}

/** The planner whose file holds `c`'s class: this one, or the plan of its component module. */
export function ownerOf(p: Planner, c: WiredComponent): Planner {
  if (!c.external) return p;
  const source = c.external.decl.getSourceFile();
  let modules = MODULES.get(p);
  if (!modules) MODULES.set(p, (modules = new Map()));
  let plan = modules.get(source);
  if (!plan) {
    const compatImport = source.getImportDeclarations().find((d) => {
      const target = d.getModuleSpecifierSourceFile();
      return target !== undefined && isCompatFile(target);
    });
    if (!compatImport)
      p.block(
        NAME,
        'SS021',
        c.instance,
        c.id ?? c.external.name,
        `${c.external.name} comes from ${relPathOf(p, source)}, which does not import compat directly`,
        rule.codes.SS021!.manualStep!,
      );
    const facts = analyzeFile(source, compatImport!.getModuleSpecifierValue());
    const planner = new Planner(facts, relPathOf(p, source), detectStyle(source.getFullText()), p.todo);
    plan = { planner, source, converted: new Set() };
    modules.set(source, plan);
  }
  plan.converted.add(c.external.decl);
  return plan.planner;
}

/**
 * A component module converted with a topology. Where it goes is decided once every file is
 * planned (pipeline.ts, `placeModules`): in place, or into `sibling` with `siblingImports` applied
 * to the topology.
 */
export interface ModuleConversion {
  /** The Storm module (absolute path). */
  path: string;
  /** Its native sibling (absolute path), used when some importer stays on compat. */
  sibling: string;
  /** The module's native text. */
  text: string;
  /** This file's specifiers of the module, pointed at the sibling. */
  siblingImports: Edit[];
  /** This file's SS020 finding; the pipeline rewrites it once the place is known. */
  finding: Finding;
  /** The converted classes, for the report. */
  names: string;
}

/**
 * After the job is planned: every component module becomes its native text, and this file's
 * imports of the module get the edits that would point them at the sibling.
 */
export function finishModules(p: Planner): ModuleConversion[] {
  const modules = MODULES.get(p);
  if (!modules) return [];
  const out: ModuleConversion[] = [];
  for (const { planner: sub, source, converted } of modules.values()) {
    const rel = sub.relPath;
    // Positions are in the component module: the finding names that file and line.
    const left = (node: Node, construct: string, why: string): never =>
      sub.block(NAME, 'SS021', node, construct, why, rule.codes.SS021!.manualStep!);
    for (const comp of sub.facts.components)
      if (!converted.has(comp.decl))
        left(comp.decl, comp.name, `${comp.name} is a component of the module but not wired in this topology`);
    if (sub.facts.wirings.length) left(source, rel, 'the module wires a topology of its own');
    // A module of map/filter/flatMap functions names nothing from the runtime: its compat import just goes.
    if (sub.runtimeImports.size) planImports(sub);
    else
      for (const d of sub.facts.compatImports) {
        // From its start, not its leading trivia: a module doc comment above the import stays.
        const end = d.getEnd() + (source.getFullText()[d.getEnd()] === '\n' ? 1 : 0);
        sub.edits.replaceRange(d.getStart(), end, '', NAME);
      }
    const before = source.getFullText();
    const after = rewriteText(before, sub.edits.edits);
    const remaining = remainingCompatNames(after, sub.facts.compatNames.keys());
    if (remaining.length)
      left(
        source,
        rel,
        `after the rewrite ${[...new Set(remaining.map((r) => r.name))].join(', ')} would still come from compat`,
      );
    const siblingPath = siblingName(source.getFilePath());
    if (existsSync(siblingPath) && readFileSync(siblingPath, 'utf8') !== after)
      left(source, rel, `${basename(siblingPath)} exists with other content (another conversion of the module)`);
    // This file's imports and re-exports of the module name the sibling, if there is one.
    let first: Node | undefined;
    const siblingImports: Edit[] = [];
    for (const decl of [...p.facts.sourceFile.getImportDeclarations(), ...p.facts.sourceFile.getExportDeclarations()]) {
      if (decl.getModuleSpecifierSourceFile() !== source) continue;
      const spec = decl.getModuleSpecifier()!;
      const quote = spec.getText()[0]!;
      siblingImports.push({
        start: spec.getStart(),
        end: spec.getEnd(),
        text: `${quote}${siblingName(decl.getModuleSpecifierValue()!)}${quote}`,
        rule: NAME,
      });
      first ??= decl;
    }
    if (!first) left(source, rel, 'the module is reached through another module (a re-export), not imported here');
    p.findings.push(...sub.findings);
    const names = [...converted].map((d) => (Node.isClassDeclaration(d) ? d.getName() : '')).join(', ');
    const finding = p.finding(
      NAME,
      'SS020',
      'converted',
      first!,
      rel,
      `${names} → ${posix.basename(siblingName(rel))} (native, imported from here); ${rel} is unchanged for its other importers`,
      rule.codes.SS020!.manualStep,
    );
    out.push({ path: source.getFilePath(), sibling: siblingPath, text: after, siblingImports, finding, names });
  }
  return out;
}
