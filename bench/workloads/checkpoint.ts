/**
 * Workload 5, checkpoint overhead: the native word count with aligned checkpoints every 1 s to a
 * checkpoint directory (the runtime's default storage) against the same job without checkpoints.
 * Measured runs last at least 1.5 s, so each spans at least one checkpoint.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { VariantImpl, WorkloadModule } from '../harness.ts';
import { nativeWordCount } from './word-count.ts';
import { wordCountDigest } from './sentences.ts';

function withCheckpoints(): VariantImpl {
  const dir = mkdtempSync(join(tmpdir(), 'stormshift-bench-checkpoints-'));
  const inner = nativeWordCount({ checkpoint: { intervalMs: 1000, dir }, restore: 'none' });
  return {
    run: (request) => inner.run(request),
    async close() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const workload: WorkloadModule = {
  variants: ['native', 'native-checkpoint-1s'],
  notApplicable: {
    'hand-loop': 'a loop has no checkpoints (word-count has the loop)',
    'compat-checkpoint': 'see word-count: compat-checkpoint against compat-zero-ackers',
  },
  initialCount: 1000,
  minMeasureMs: 1500,
  baselines: ['native'],
  unit: 'sentences',
  async create(variant) {
    if (variant === 'native') return nativeWordCount();
    if (variant === 'native-checkpoint-1s') return withCheckpoints();
    throw new Error(`checkpoint has no variant '${variant}'`);
  },
  reference: wordCountDigest,
};

export default workload;
