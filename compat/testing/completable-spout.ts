/** Storm's `CompletableSpout`: what `Testing.completeTopology` needs from a spout it does not mock. */
export interface CompletableSpout {
  /** True once every tuple this spout will ever emit was completed (acked or failed). */
  isExhausted(): boolean;
  /** Drops process-wide state kept for the spout (after the run, when `cleanupState`). */
  clean?(): void;
  /** Prepares process-wide state before the topology is submitted. */
  startup?(): void;
}

export function isCompletableSpout(x: unknown): x is CompletableSpout {
  return x !== null && typeof x === 'object' && typeof (x as { isExhausted?: unknown }).isExhausted === 'function';
}
