/** windowed bolts and JoinBolt: reported and left (native windows are not generated yet). */
import type { RuleInfo } from '../planner.ts';

export const rule: RuleInfo = {
  name: 'windows',
  description: 'Windowed bolts and JoinBolt (reported; not converted yet).',
  codes: {
    SS601: { status: 'left', title: 'windowed bolt (count/time window, event time, lag, late stream)', manualStep: 'rewrite with keyBy(...).countWindow(size, slide) or .window(assigner) and a window function with the same triggers and eviction' },
    SS602: { status: 'left', title: 'JoinBolt', manualStep: 'rewrite as a windowed join over connect(...) by hand' },
  },
};
