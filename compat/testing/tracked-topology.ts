/**
 * Storm's `TrackedTopology` (§12): a copy of a topology whose submission is counted, so a test can
 * wait until exactly N more spout tuples were emitted and every tuple transferred to a bolt was
 * processed ("the topology is idle", Storm's meaning). The counters come from the executor's own
 * statistics instead of wrapper components: the user's spouts and bolts run unchanged.
 */
import { Time } from '../component/time.ts';
import {
  AssertionError,
  registerTrackedTopology,
  TEST_TIMEOUT_MS,
  trackedCounts,
  type TrackedCounts,
} from '../local/idle.ts';
import type { LocalCluster } from '../local/local-cluster.ts';
import { StormTopology } from '../topology/storm-topology.ts';
import type { TopologyRun } from '../translate/topology-run.ts';

export type TrackedKey = 'spout-emitted' | 'transferred' | 'processed';

export class TrackedTopology {
  private readonly topology: StormTopology;
  private readonly runs: TopologyRun[] = [];
  private lastSpoutCommit = 0;

  constructor(
    origTopo: StormTopology,
    private readonly cluster: LocalCluster,
  ) {
    // A copy, as Storm's deepCopy: the original can still be submitted untracked.
    this.topology = new StormTopology(
      new Map(origTopo.get_spouts()),
      new Map(origTopo.get_bolts()),
      new Map(origTopo.get_state_spouts()),
      origTopo.get_worker_hooks(),
    );
    registerTrackedTopology(this.topology, (run) => this.runs.push(run));
  }

  getTopology(): StormTopology {
    return this.topology;
  }

  getCluster(): LocalCluster {
    return this.cluster;
  }

  /** "spout-emitted", "transferred" or "processed" over every submission of this topology. */
  globalAmt(key: TrackedKey): number {
    const c = this.counts();
    if (key === 'spout-emitted') return c.spoutEmitted;
    if (key === 'transferred') return c.transferred;
    if (key === 'processed') return c.processed;
    throw new AssertionError(`unknown tracked metric '${String(key)}' (spout-emitted, transferred, processed)`);
  }

  /**
   * Waits until `amt` more spout tuples were emitted since the last trackedWait and every tuple
   * transferred to a bolt was processed. Between checks the cluster settles (idle by events); if
   * the target is not met yet, simulated time moves one second, as Storm's loop does. Rejects with
   * AssertionError after `timeoutMs` of wall time.
   */
  async trackedWait(amt = 1, timeoutMs: number = TEST_TIMEOUT_MS): Promise<void> {
    const target = amt + this.lastSpoutCommit;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      await this.cluster.waitForIdle(Math.max(1, deadline - Date.now()));
      const c = this.counts();
      if (c.spoutEmitted === target && c.transferred === c.processed) break;
      if (Date.now() > deadline) {
        throw new AssertionError(
          `Test timed out (${timeoutMs}ms): emitted ${c.spoutEmitted} target ${target} transferred ${c.transferred} processed ${c.processed}`,
        );
      }
      if (Time.isSimulating()) Time.advanceTimeSecs(1);
    }
    this.lastSpoutCommit = target;
  }

  private counts(): TrackedCounts {
    return trackedCounts(this.runs);
  }
}
