/**
 * plan: runs the rules over one analyzed file and returns a plan — edits on the original text plus
 * findings — without touching any file. A rule that cannot prove a construct safe blocks the file:
 * the plan then has no edits and the blocking finding says what a person has to do.
 */
import type { FileFacts } from '../analyze/index.ts';
import type { Style } from '../rewrite/style.ts';
import { Blocked, Planner, type FilePlan, type RuleInfo } from './planner.ts';
import { rule as boltRule } from './rules/bolt-function.ts';
import { planConfigs, rule as configRule } from './rules/config.ts';
import { rule as connectorsRule } from './rules/connectors.ts';
import { rule as groupingsRule } from './rules/groupings.ts';
import { planExceptions, rule as exceptionsRule } from './rules/exceptions.ts';
import { planImports, rule as importsRule } from './rules/imports.ts';
import { rule as joinRule } from './rules/join.ts';
import { rule as redisLookupRule } from './rules/redis-lookup.ts';
import { rule as partialKeyRule } from './rules/partial-key.ts';
import { planJob, rule as jobRule } from './rules/job.ts';
import { finishModules, rule as modulesRule } from './rules/modules.ts';
import { rule as spoutRule } from './rules/spout-source.ts';
import { rule as stateRule } from './rules/state.ts';
import { rule as stateGlobalRule } from './rules/state-global.ts';
import { rule as ticksRule } from './rules/ticks.ts';
import { rule as wholeTupleRule } from './rules/whole-tuple.ts';
import { rule as windowsRule } from './rules/windows.ts';
import { rule as windowsDeltaRule } from './rules/windows-delta.ts';
import { rule as windowsTimeRule } from './rules/windows-time.ts';

export { Blocked, Planner, type FilePlan, type RuleInfo } from './planner.ts';
export { runtimeSpecifier } from './rules/imports.ts';
export { rule as modulesRule, type ModuleConversion } from './rules/modules.ts';

/** Every rule, in code order; docs/migrate-codes.md is generated from this list. */
export const RULES: readonly RuleInfo[] = [
  jobRule,
  spoutRule,
  boltRule,
  wholeTupleRule,
  exceptionsRule,
  groupingsRule,
  stateRule,
  stateGlobalRule,
  ticksRule,
  windowsRule,
  windowsDeltaRule,
  windowsTimeRule,
  configRule,
  importsRule,
  connectorsRule,
  redisLookupRule,
  partialKeyRule,
  joinRule,
  modulesRule,
];

export function codeInfo(code: string): { rule: RuleInfo; title: string; manualStep?: string } | undefined {
  for (const rule of RULES) {
    const c = rule.codes[code];
    if (c) return { rule, title: c.title, ...(c.manualStep ? { manualStep: c.manualStep } : {}) };
  }
  return undefined;
}

export function planFile(facts: FileFacts, relPath: string, style: Style, todo = false): FilePlan {
  const p = new Planner(facts, relPath, style, todo);
  const plan = (blocked: boolean, topology: boolean): FilePlan => ({
    file: relPath,
    edits: blocked ? [] : p.edits.edits,
    findings: p.findings,
    topology,
    blocked,
    timings: p.timings,
  });
  if (facts.wirings.length === 0) {
    for (const c of facts.components) {
      p.finding(
        jobRule.name,
        'SS007',
        'left',
        c.decl,
        c.name,
        `${c.kind} ${c.name} is not wired in this module`,
        jobRule.codes.SS007!.manualStep,
      );
    }
    return plan(true, false);
  }
  try {
    if (facts.wirings.length > 1)
      p.attempt(() =>
        p.block(
          jobRule.name,
          'SS003',
          facts.wirings[1]!.builderDeclaration,
          'TopologyBuilder',
          'more than one TopologyBuilder in the module',
          jobRule.codes.SS003!.manualStep!,
        ),
      );
    const config = p.timed(configRule.name, () => planConfigs(p, facts.configs));
    p.timed(jobRule.name, () => planJob(p, facts.wirings[0]!, config));
    if (p.blockers.length === 0) {
      const modules = p.timed(modulesRule.name, () => finishModules(p));
      if (p.blockers.length === 0) {
        p.timed(exceptionsRule.name, () => planExceptions(p));
        p.timed(importsRule.name, () => planImports(p));
        return { ...plan(false, true), ...(modules.length ? { modules } : {}) };
      }
    }
  } catch (error) {
    if (!(error instanceof Blocked)) throw error;
    p.recordBlocker(error.finding);
  }
  // Left: the file stays byte-identical, and the report lists every blocker found, in source order.
  p.findings.length = 0;
  p.findings.push(...[...p.blockers].sort((a, b) => a.line - b.line || a.column - b.column));
  return plan(true, false);
}
