import type { WorkloadModule } from '../harness.ts';

/** Workloads in report order; each module is loaded only when asked for. */
export const WORKLOADS: Readonly<Record<string, { title: string; load: () => Promise<{ default: WorkloadModule }> }>> = {
  pipeline: { title: 'map → filter → keyed count', load: () => import('./pipeline.ts') },
  'word-count': { title: 'Word count (storm-starter sentences)', load: () => import('./word-count.ts') },
};

export async function loadWorkload(name: string): Promise<WorkloadModule> {
  const entry = WORKLOADS[name];
  if (!entry) throw new Error(`unknown workload '${name}' (known: ${Object.keys(WORKLOADS).join(', ')})`);
  return (await entry.load()).default;
}
