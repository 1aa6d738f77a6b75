/**
 * Config → job options. Workers become job workers (parallelism hints are read by the job rule);
 * acking-only keys (timeouts, max spout pending, ackers) are removed and reported as no longer
 * needed; debug logging has no native counterpart. Any other use keeps the file unchanged.
 */
import { Node } from 'ts-morph';
import type { ConfigFact } from '../../analyze/index.ts';
import type { Planner, RuleInfo } from '../planner.ts';

export const rule: RuleInfo = {
  name: 'config',
  description: 'Topology Config becomes job options; acking-only keys are dropped.',
  codes: {
    SS701: { status: 'converted', title: 'setDebug removed (no native counterpart; use the runtime logger)' },
    SS702: {
      status: 'converted',
      title: 'acking-only setting removed: checkpoints replace acking (message timeout, max spout pending, ackers)',
    },
    SS703: { status: 'converted', title: 'number of workers → job workers' },
    SS704: { status: 'converted', title: 'parallelism hint → operator parallelism' },
    SS705: {
      status: 'left',
      title: 'Config used in a way not converted (other keys, passed around)',
      manualStep: 'set the matching JobConfig options by hand',
    },
  },
};

const NAME = rule.name;
const ACKING = new Set(['setMaxSpoutPending', 'setMessageTimeoutSecs', 'setNumAckers', 'setNumEventLoggers']);

export interface ConfigPlan {
  workers: string | undefined;
  /** A literal setMessageTimeoutSecs, in ms: how long Storm let one tuple's processing take (an awaited call's timeout). */
  messageTimeoutMs?: number;
}

export function planConfigs(p: Planner, configs: ConfigFact[]): ConfigPlan {
  let workers: string | undefined;
  let messageTimeoutMs: number | undefined;
  for (const c of configs) {
    // Each check is independent: a blocked one is recorded and the others still run (every blocker is reported).
    if (c.otherUses > 0)
      p.attempt(() =>
        p.block(
          NAME,
          'SS705',
          c.declaration,
          c.variable,
          `${c.variable} is used ${c.otherUses} time(s) other than by setter calls`,
          rule.codes.SS705!.manualStep!,
        ),
      );
    for (const call of c.calls) {
      if (call.method === 'setDebug')
        p.finding(
          NAME,
          'SS701',
          'converted',
          call.statement,
          `${c.variable}.setDebug`,
          'debug logging of every emit is not part of the native runtime',
        );
      else if (ACKING.has(call.method)) {
        const arg = call.args[0];
        if (call.method === 'setMessageTimeoutSecs' && arg && Node.isNumericLiteral(arg))
          messageTimeoutMs = Number(arg.getLiteralValue()) * 1000;
        p.finding(
          NAME,
          'SS702',
          'converted',
          call.statement,
          `${c.variable}.${call.method}`,
          'acking-only: checkpoints replace acking',
        );
      } else if (call.method === 'setNumWorkers') {
        workers = call.args[0]?.getText();
        p.finding(NAME, 'SS703', 'converted', call.statement, `${c.variable}.setNumWorkers`, `workers: ${workers}`);
      } else
        p.attempt(() =>
          p.block(
            NAME,
            'SS705',
            call.statement,
            `${c.variable}.${call.method}`,
            `${call.method}(...) has no conversion`,
            rule.codes.SS705!.manualStep!,
          ),
        );
      p.edits.remove(call.statement, NAME);
    }
    if (c.exported) {
      const decl = c.declaration.getDeclarations()[0]!;
      p.edits.replaceRange(
        decl.getNameNode().getEnd(),
        decl.getEnd(),
        `: JobConfig = ${workers ? `{ workers: ${workers} }` : '{}'}`,
        NAME,
      );
      p.runtimeImports.add('type JobConfig');
    } else p.edits.remove(c.declaration, NAME);
  }
  return { workers, ...(messageTimeoutMs ? { messageTimeoutMs } : {}) };
}
