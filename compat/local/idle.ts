/**
 * When a local cluster counts as idle (Storm's `waitForIdle`, used between steps of simulated
 * time), and the tracked-topology registry `LocalCluster.submitTopology` consults. Idle is judged
 * by events, never by elapsed time: every tuple transferred to a bolt task was processed, no spout
 * has a verdict or timeout waiting, and nothing changed over a few full event-loop turns.
 */
import type { StormTopology } from '../topology/storm-topology.ts';
import type { TopologyRun } from '../translate/topology-run.ts';

/** Storm's `Testing.TEST_TIMEOUT_MS`: 10 s unless the environment variable STORM_TEST_TIMEOUT_MS says otherwise. */
export const TEST_TIMEOUT_MS: number = (() => {
  const n = Number.parseInt(process.env.STORM_TEST_TIMEOUT_MS ?? '', 10);
  return Number.isFinite(n) ? n : 10_000;
})();

/** Java's `AssertionError`, which Storm's `whileTimeout` throws when a test condition is not met in time. */
export class AssertionError extends Error {
  constructor(message: string) {
    super(message);
    Object.defineProperty(this, 'name', {
      value: 'AssertionError',
      writable: true,
      configurable: true,
      enumerable: false,
    });
  }
}

/** Storm's tracked counters ("spout-emitted", "transferred", "processed") over some runs. */
export interface TrackedCounts {
  spoutEmitted: number;
  transferred: number;
  processed: number;
}

export function trackedCounts(runs: Iterable<TopologyRun>): TrackedCounts {
  let spoutEmitted = 0;
  let transferred = 0;
  let processed = 0;
  for (const run of runs) {
    for (const id of run.spouts) spoutEmitted += run.stats.get(id)?.emitted ?? 0;
    for (const s of run.stats.values()) {
      transferred += s.transferred;
      processed += s.executed - s.systemExecuted;
    }
  }
  return { spoutEmitted, transferred, processed };
}

interface Probe {
  signature: number;
  /** Transferred tuples not yet processed. */
  backlog: number;
  spoutEvents: number;
}

function probe(runs: Iterable<TopologyRun>): Probe {
  let signature = 0;
  let backlog = 0;
  let spoutEvents = 0;
  for (const run of runs) {
    for (const s of run.stats.values()) {
      signature += s.emitted + s.transferred + s.executed + s.acked + s.failed;
      backlog += s.transferred - (s.executed - s.systemExecuted);
    }
    for (const t of run.spoutTasks.values()) spoutEvents += t.queuedEvents?.() ?? 0;
  }
  return { signature, backlog, spoutEvents };
}

/** Full event-loop turns with no change before the cluster counts as idle. */
const QUIET_TURNS = 3;
/**
 * With tuples still queued, a task may be waiting on simulated time (a bolt in `Utils.sleep`,
 * Storm's "thread waiting") or on I/O: more unchanged turns before that counts as idle.
 */
const QUIET_TURNS_WITH_BACKLOG = 50;

/** One full event-loop iteration: timers (a source's idle back-off), I/O, then immediates. */
const turn = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 1));

/**
 * Resolves once the runs are idle. `timeoutMs` is only a safety net for a topology that never
 * settles (a spout emitting on every call), as Storm's `waitForIdle` has: AssertionError then.
 */
export async function waitForIdle(runs: () => Iterable<TopologyRun>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = probe(runs());
  let quiet = 0;
  for (;;) {
    await turn();
    const now = probe(runs());
    if (now.signature === last.signature && now.spoutEvents === 0) quiet++;
    else quiet = 0;
    last = now;
    if (quiet >= (now.backlog > 0 ? QUIET_TURNS_WITH_BACKLOG : QUIET_TURNS)) return;
    if (Date.now() > deadline) {
      throw new AssertionError(
        `Test timed out (${timeoutMs}ms): the cluster did not become idle (${now.backlog} tuples unprocessed, ${now.spoutEvents} spout events queued)`,
      );
    }
  }
}

/** Tracked topologies by their (copied) StormTopology: a submission of one reports its run. */
const tracked = new WeakMap<StormTopology, (run: TopologyRun) => void>();

export function registerTrackedTopology(topology: StormTopology, onSubmit: (run: TopologyRun) => void): void {
  tracked.set(topology, onSubmit);
}

export function notifyTrackedSubmit(topology: StormTopology, run: TopologyRun): void {
  tracked.get(topology)?.(run);
}
