/**
 * Partial key grouping (§3.3): each key has two candidate tasks, derived from the stable key hash
 * with seeds 1 and 2; the emit goes to whichever this instance has used less (ties: the first).
 */
import { canonicalHash, murmur3x86_32 } from '../component/canonical.ts';
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
    const key = this.key(values);
    const [a, b] = candidatesFromHashes(canonicalHash(key, 1), canonicalHash(key, 2), n);
    const pick = this.counts[b]! < this.counts[a]! ? b : a;
    this.counts[pick]!++;
    return [this.targets[pick]!];
  }

  private key(values: readonly unknown[]): unknown[] {
    if (this.fields !== null && this.outFields !== null) return this.outFields.select(this.fields, values);
    return [String(values[0])];
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
export function partialKeyCandidates(encodedKey: Uint8Array, n: number): [number, number] {
  return candidatesFromHashes(murmur3x86_32(encodedKey, 1), murmur3x86_32(encodedKey, 2), n);
}

function candidatesFromHashes(h1: number, h2: number, n: number): [number, number] {
  const first = h1 % n;
  if (n < 2) return [first, first];
  return [first, (first + 1 + (h2 % (n - 1))) % n];
}
