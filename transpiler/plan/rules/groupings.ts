/**
 * groupings → partitioning. shuffle/localOrShuffle/none → forward (chained) when the parallelism
 * matches, else rebalance; fields → keyBy; global → global; all → broadcast; partialKey → keyBy
 * (reported: the local-global split is not derived). Direct and custom groupings, and named
 * streams, leave the file unchanged.
 */
import type { Grouping } from '../../analyze/index.ts';
import { fieldAccess, type Planner, type RecordShape, type RuleInfo } from '../planner.ts';

export const rule: RuleInfo = {
  name: 'groupings',
  description: 'Stream groupings become native partitioning.',
  codes: {
    SS301: {
      status: 'converted',
      title: 'shuffle/localOrShuffle/none grouping → forward (same parallelism, chained) or rebalance',
    },
    SS302: { status: 'converted', title: 'fields grouping → keyBy on the grouping fields' },
    SS303: { status: 'converted', title: 'global grouping → global()' },
    SS304: { status: 'converted', title: 'all grouping → broadcast()' },
    SS305: {
      status: 'partial',
      title: 'partialKey grouping → keyBy (one task per key; no local-global split derived)',
      manualStep: 'for a hot-key aggregation, use keyBy(...).aggregate(fn, { localGlobal: true, miniBatch })',
    },
    SS306: {
      status: 'left',
      title: 'direct or custom grouping (or emitDirect)',
      manualStep: 'use partitionCustom/partitionDirect by hand',
    },
    SS307: {
      status: 'left',
      title: 'subscription to a named stream',
      manualStep: 'route the stream through a side output (OutputTag) by hand',
    },
    SS308: {
      status: 'left',
      title: 'inputs with different groupings or record shapes',
      manualStep: 'union or connect the inputs by hand',
    },
  },
};

const NAME = rule.name;

export interface Partitioning {
  /** Calls appended to the upstream stream, e.g. `.keyBy((record) => record.word)`. */
  calls: string;
  key: { fields: string[]; type: string } | undefined;
}

export function planGrouping(
  p: Planner,
  component: string,
  g: Grouping,
  upstream: RecordShape,
  sameParallelism: boolean,
): Partitioning {
  if (g.stream)
    p.block(
      NAME,
      'SS307',
      g.node,
      component,
      `subscribes to stream '${g.stream}' of '${g.source}'`,
      rule.codes.SS307!.manualStep!,
    );
  switch (g.kind) {
    case 'shuffle':
    case 'localOrShuffle':
    case 'none':
      p.finding(
        NAME,
        'SS301',
        'converted',
        g.node,
        component,
        sameParallelism ? `${g.method} → forward (chained)` : `${g.method} → rebalance()`,
      );
      return { calls: sameParallelism ? '' : '.rebalance()', key: undefined };
    case 'fields':
    case 'partialKey': {
      const fields = g.fields;
      if (!fields || fields.length === 0 || fields.some((f) => !upstream.fields.includes(f))) {
        p.block(
          NAME,
          'SS306',
          g.node,
          component,
          `grouping fields ${fields?.join(', ') ?? '(not literal)'} are not all in the upstream fields ${upstream.fields.join(', ')}`,
          'fix the grouping fields',
        );
      }
      const single = fields!.length === 1;
      const selector = single
        ? fieldAccess('record', fields![0]!)
        : `JSON.stringify([${fields!.map((f) => fieldAccess('record', f)).join(', ')}])`;
      const type = single ? (upstream.types.get(fields![0]!) ?? 'unknown') : 'string';
      if (g.kind === 'partialKey')
        p.finding(
          NAME,
          'SS305',
          'partial',
          g.node,
          component,
          `partialKeyGrouping on ${fields!.join(', ')} → keyBy`,
          rule.codes.SS305!.manualStep!,
        );
      else p.finding(NAME, 'SS302', 'converted', g.node, component, `fieldsGrouping on ${fields!.join(', ')} → keyBy`);
      return {
        calls: `.keyBy((record) => ${selector})`,
        key: { fields: fields!, type: type === 'unknown' ? 'unknown' : type },
      };
    }
    case 'global':
      p.finding(NAME, 'SS303', 'converted', g.node, component, 'globalGrouping → global()');
      return { calls: '.global()', key: undefined };
    case 'all':
      p.finding(NAME, 'SS304', 'converted', g.node, component, 'allGrouping → broadcast()');
      return { calls: '.broadcast()', key: undefined };
    default:
      return p.block(NAME, 'SS306', g.node, component, `${g.method}(...)`, rule.codes.SS306!.manualStep!);
  }
}
