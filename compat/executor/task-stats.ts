/** Storm UI's per-stream numbers of one component (its outputStats), summed over its tasks. */
export class StreamCounts {
  emitted = 0;
  transferred = 0;
  /** Spout streams in acking mode: trees of this stream's tuples completed or failed. */
  acked = 0;
  failed = 0;
  /** Complete latency of the sampled trees only (topology.stats.sample.rate). */
  completeSamples = 0;
  completeMsTotal = 0;
}

/**
 * Storm UI's per-input numbers of a bolt (its inputStats): one per (source component, stream),
 * summed over the bolt's tasks. Latencies are sampled like the component's own.
 */
export class InputCounts {
  executed = 0;
  acked = 0;
  failed = 0;
  executeSamples = 0;
  executeMsTotal = 0;
  processSamples = 0;
  processMsTotal = 0;
  constructor(
    readonly component: string,
    readonly stream: string,
  ) {}
}

/** One task's share of a bolt's execute time, for Storm's per-executor capacity. */
export class TaskStats {
  executed = 0;
  /** Estimated ms inside execute (sampled, scaled up), cumulative. */
  busyMs = 0;
  busyMsAtWindowStart = 0;
}
