// What tasks tell each other about tuples (verdicts for a spout task, per-edge feedback keys). Tasks
// use these at run time, so they live with the executor; translate wires them up.
export type VerdictKind = 1 | 2 | 3;
export const VERDICT_ACK = 1;
export const VERDICT_FAIL = 2;
export const VERDICT_RESET = 3;

/** Identifies one (producer, stream, consumer) edge. */
export function feedbackKey(producer: string, streamId: string, consumer: string): string {
  return `${producer}:${streamId}->${consumer}`;
}
