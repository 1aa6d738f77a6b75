/** One task's share of a bolt's execute time, for Storm's per-executor capacity. */
export class TaskStats {
  executed = 0;
  /** Estimated ms inside execute (sampled, scaled up), cumulative. */
  busyMs = 0;
  busyMsAtWindowStart = 0;
}
