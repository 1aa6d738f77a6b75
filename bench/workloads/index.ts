import type { WorkloadModule } from '../harness.ts';

/** Workloads in report order; each module is loaded only when asked for. */
export const WORKLOADS: Readonly<Record<string, { title: string; load: () => Promise<{ default: WorkloadModule }> }>> =
  {
    pipeline: { title: 'map → filter → keyed count', load: () => import('./pipeline.ts') },
    'word-count': { title: 'Word count (storm-starter sentences)', load: () => import('./word-count.ts') },
    enrichment: { title: 'Enrichment through a 1 ms lookup', load: () => import('./enrichment.ts') },
    kafka: { title: 'Kafka → transform → Kafka (test broker)', load: () => import('./kafka.ts') },
    checkpoint: { title: 'Word count with checkpoints every 1 s vs none', load: () => import('./checkpoint.ts') },
    scaling: { title: 'CPU-heavy map on 2 worker threads vs 1', load: () => import('./scaling.ts') },
    'top-n': { title: 'Rolling top-10 words on a 1 s tick / timer', load: () => import('./top-n.ts') },
    multilang: {
      title: 'Word count with a Python ShellBolt split vs the same bolt in TypeScript',
      load: () => import('./multilang.ts'),
    },
  };

export async function loadWorkload(name: string): Promise<WorkloadModule> {
  const entry = WORKLOADS[name];
  if (!entry) throw new Error(`unknown workload '${name}' (known: ${Object.keys(WORKLOADS).join(', ')})`);
  return (await entry.load()).default;
}
