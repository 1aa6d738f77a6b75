/**
 * Partial key grouping (§3.3): each key has two candidate tasks, derived from the stable key hash
 * with seeds 1 and 2; the emit goes to whichever this instance has used less (ties: the first).
 */
import { canonicalEncode, murmur3x86_32 } from './canonical.ts';
import type { Fields } from '../component/fields.ts';
import type { GlobalStreamId } from '../component/global-stream-id.ts';
import type { CustomStreamGrouping } from '../component/interfaces.ts';
import type { WorkerTopologyContext } from '../component/context.ts';

export class PartialKeyGrouping implements CustomStreamGrouping {
  private readonly fields: Fields | null;
  private outFields: Fields | null = null;
  private targets: number[] = [];
  private counts: number[] = [];

  constructor(fields?: Fields | null) {
    this.fields = fields ?? null;
  }

  prepare(context: WorkerTopologyContext, stream: GlobalStreamId, targetTasks: number[]): void {
    this.targets = [...targetTasks].sort((a, b) => a - b);
    this.counts = new Array<number>(this.targets.length).fill(0);
    if (this.fields !== null) this.outFields = context.getComponentOutputFields(stream);
  }

  chooseTasks(_taskId: number, values: readonly unknown[]): number[] {
    const n = this.targets.length;
    if (n === 0) return [];
    const [a, b] = partialKeyCandidates(this.keyBytes(values), n);
    const pick = this.counts[b]! < this.counts[a]! ? b : a;
    this.counts[pick]!++;
    return [this.targets[pick]!];
  }

  private keyBytes(values: readonly unknown[]): Uint8Array {
    if (this.fields !== null && this.outFields !== null) return canonicalEncode(this.outFields.select(this.fields, values));
    return canonicalEncode([String(values[0])]);
  }

  /** The grouping fields, or null (key = first value). */
  getFields(): Fields | null {
    return this.fields;
  }
}

/**
 * Two candidate indices in [0, n), distinct when n ≥ 2: the second is drawn from the n − 1 slots
 * other than the first, so collisions never collapse a key onto one task.
 */
export function partialKeyCandidates(key: Uint8Array, n: number): [number, number] {
  const first = murmur3x86_32(key, 1) % n;
  if (n < 2) return [first, first];
  const second = (first + 1 + (murmur3x86_32(key, 2) % (n - 1))) % n;
  return [first, second];
}
