import type { KeySelector } from '../api/functions.ts';

/**
 * How records of one edge are spread over the consumer's subtasks. Mirrors Flink's partitioners;
 * `direct` exists for the Storm layer, whose emit has already chosen the target task.
 */
export type PartitionerSpec =
  | { kind: 'forward' }
  | { kind: 'rebalance' }
  | { kind: 'hash'; key: KeySelector<any, unknown> }
  | { kind: 'broadcast' }
  | { kind: 'global' }
  | { kind: 'custom'; key: KeySelector<any, unknown>; partition: (key: any, numPartitions: number) => number }
  | { kind: 'direct'; select: (value: any) => number };

export type PartitionerKind = PartitionerSpec['kind'];

export function describePartitioner(spec: PartitionerSpec): string {
  return spec.kind === 'hash' ? 'hash(key)' : spec.kind;
}
