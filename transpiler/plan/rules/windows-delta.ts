/**
 * windows-delta: what a count-windowed bolt reads beyond the window's elements. Storm's
 * `getNew()` is the tuples not in the previous activation and `getExpired()` the ones evicted
 * since it (docs/STORM-COMPAT.md §9). With a count trigger every `slide` tuples and count eviction
 * at `size` (slide ≤ size), after n = k·slide arrivals the window is the last min(n, size)
 * arrivals, the new ones are the last `slide`, and the expired ones are the arrivals
 * [n − slide − size, n − size) clamped at 0. A native count window of `size + slide` sliding by
 * `slide` fires on the same arrivals and holds exactly the expired ones followed by the current
 * window, so all three are slices of it, and the tuples the bolt needs live in checkpointed
 * window state rather than in the function.
 */
import { Node, type PropertyDeclaration } from 'ts-morph';
import type { ComponentClass } from '../../analyze/index.ts';
import { thisMembers, type Planner, type RuleInfo } from '../planner.ts';

export const rule: RuleInfo = {
  name: 'windows-delta',
  description:
    'getNew()/getExpired() of count-windowed bolts become slices of a native count window one slide wider; fields kept across windows stay on the window function.',
  codes: {
    SS620: {
      status: 'converted',
      title:
        'getNew()/getExpired() of a count window → slices of a native count window of size + slide (same trigger; the window holds the expired tuples too)',
    },
    SS621: {
      status: 'partial',
      title:
        'field kept across windows stays on the window function (one key, one task): the native runtime does not checkpoint it (compat did)',
      manualStep: 'keep it in keyed ValueState if it must survive a restore, or derive it from the window',
    },
  },
};

const NAME = rule.name;

export type WindowAccess = 'get' | 'getNew' | 'getExpired';

export function isWindowAccess(name: string, delta: boolean): name is WindowAccess {
  return name === 'get' || (delta && (name === 'getNew' || name === 'getExpired'));
}

/** The replacement for `w.get()` / `w.getNew()` / `w.getExpired()` over the widened native window `w`. */
export function windowSlice(method: WindowAccess, w: string, size: number, slide: number): string {
  if (method === 'getNew') return `${w}.slice(${w}.length - ${slide})`;
  if (method === 'getExpired') return `${w}.slice(0, Math.max(0, ${w}.length - ${size}))`;
  return `${w}.slice(Math.max(0, ${w}.length - ${size}))`;
}

/**
 * Instance fields a window function may keep across windows: initialized in the declaration
 * without `this`, and used only in `execute`. Anything else is undefined (the rule leaves the bolt).
 */
export function crossWindowField(cls: ComponentClass['decl'], prop: Node): PropertyDeclaration | undefined {
  if (!Node.isPropertyDeclaration(prop) || prop.isStatic()) return undefined;
  const init = prop.getInitializer();
  if (!init || /\bthis\b/.test(init.getText())) return undefined;
  const execute = cls.getInstanceMethod('execute');
  for (const access of thisMembers(cls, prop.getName()))
    if (access.getFirstAncestor((a) => Node.isMethodDeclaration(a)) !== execute) return undefined;
  return prop;
}

export function reportDelta(
  p: Planner,
  comp: ComponentClass,
  size: number,
  slide: number,
  fields: string[],
  widened: boolean,
): void {
  if (widened)
    p.finding(
      NAME,
      'SS620',
      'converted',
      comp.decl,
      comp.name,
      `getNew()/getExpired() over a count window of ${size} sliding by ${slide} → slices of countWindow(${size + slide}, ${slide})`,
    );
  for (const f of fields)
    p.finding(
      NAME,
      'SS621',
      'partial',
      comp.decl.getInstanceProperty(f) ?? comp.decl,
      comp.name,
      `field ${f} is kept across windows on the window function, not checkpointed`,
      rule.codes.SS621!.manualStep,
    );
}
