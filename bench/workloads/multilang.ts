/**
 * Multilang: the compat word count with its split bolt as a Python ShellBolt (Storm's multilang
 * protocol over a pipe, an unchanged storm.py-style script) against the same bolt in TypeScript.
 * The spout and the counting bolt are the same TypeScript components in every variant (those of
 * the compat word-count workload); acking on.
 */
import { fileURLToPath } from 'node:url';
import { Fields, ShellBolt, type OutputFieldsDeclarer } from '../../compat/index.ts';
import type { VariantImpl, WorkloadModule } from '../harness.ts';
import { compatWordCountRuns, SplitSentence } from './compat-word-count.ts';
import { wordCountDigest } from './sentences.ts';

const CODE_DIR = fileURLToPath(new URL('./multilang/', import.meta.url));
const VARIANTS = ['compat-ts-split', 'compat-python-split', 'compat-python-split-no-task-ids'] as const;

class PythonSplit extends ShellBolt {
  constructor(needTaskIds: boolean) {
    super(needTaskIds ? ['python3', 'split.py'] : ['python3', 'split.py', 'no-task-ids']);
  }
  declareOutputFields(declarer: OutputFieldsDeclarer): void {
    declarer.declare(new Fields('word', 'ts'));
  }
}

function multilangWordCount(variant: string): VariantImpl {
  return compatWordCountRuns(variant, {
    reliable: true,
    awaitAcks: true,
    conf: {
      'topology.acker.executors': 1,
      'topology.max.spout.pending': 10_000,
      'stormshift.multilang.code.dir': CODE_DIR,
    },
    split: () =>
      variant === 'compat-ts-split' ? new SplitSentence() : new PythonSplit(variant === 'compat-python-split'),
    name: 'multilang',
  });
}

const workload: WorkloadModule = {
  variants: VARIANTS,
  notApplicable: {
    'hand-loop': 'compares one bolt across languages; see word-count for the loop and native baselines',
    native: 'compares one bolt across languages; see word-count',
  },
  initialCount: 500,
  baselines: ['compat-ts-split'],
  unit: 'sentences',
  async variantUnavailable(variant) {
    if (variant === 'compat-ts-split') return undefined;
    const { spawnSync } = await import('node:child_process');
    return spawnSync('python3', ['--version']).status === 0 ? undefined : 'python3 is not installed';
  },
  async create(variant) {
    if (!(VARIANTS as readonly string[]).includes(variant)) throw new Error(`multilang has no variant '${variant}'`);
    return multilangWordCount(variant);
  },
  reference: wordCountDigest,
};

export default workload;
