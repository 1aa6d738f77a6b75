/**
 * Verify: proves a migrated topology gives the same output as its original by replaying the same
 * recorded input into both (the original on compat, the rewrite on the runtime) and comparing what
 * reaches every terminal component. Stub: the real implementation lands in the next commits.
 */

export interface VerifyRequest {
  /** Project root; the migration's changed files are materialized into a temp copy of it. */
  root: string;
  /** Absolute path → file text before and after the migration. */
  changes: ReadonlyMap<string, { before: string; after: string }>;
  /** Absolute paths of the topology modules to verify. */
  topologies: string[];
  /** Tuples recorded per spout (default 200). */
  records?: number;
}

export type VerdictStatus = 'equal' | 'different' | 'error';

export interface SinkComparison {
  /** Component id (the Storm bolt id; the native operator's uid). */
  component: string;
  compare: 'multiset' | 'last-per-key';
  original: number;
  rewrite: number;
  equal: boolean;
  /** The first records found on one side only (at most a few of each). */
  onlyInOriginal: unknown[];
  onlyInRewrite: unknown[];
}

export interface TopologyVerdict {
  topology: string;
  status: VerdictStatus;
  sinks: SinkComparison[];
  /** Why verify could not decide (status 'error'), or a note on what was compared. */
  message?: string;
}

export async function verifyMigration(req: VerifyRequest): Promise<TopologyVerdict[]> {
  return req.topologies.map((topology) => ({ topology, status: 'error', sinks: [], message: 'verify is not implemented yet' }));
}

export function formatVerdicts(verdicts: TopologyVerdict[]): string {
  return verdicts.map((v) => `${v.status === 'equal' ? 'EQUAL' : v.status === 'different' ? 'DIFFERENT' : 'ERROR'} ${v.topology}${v.message ? `: ${v.message}` : ''}`).join('\n');
}
