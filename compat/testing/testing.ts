/**
 * Storm's `Testing` (§12): run a topology to completion on mocked input and read what every
 * component emitted, build standalone tuples, and scope a `LocalCluster` to a callback.
 */
import { randomUUID } from 'node:crypto';
import type { Conf } from '../component/config.ts';
import { CheckpointSpout as CP } from '../component/constants.ts';
import { GeneralTopologyContext } from '../component/context.ts';
import { RuntimeException } from '../component/exceptions.ts';
import { Fields } from '../component/fields.ts';
import { GlobalStreamId, GlobalStreamIdMap } from '../component/global-stream-id.ts';
import { TupleImpl, type Tuple } from '../component/tuple.ts';
import { Utils } from '../component/utils.ts';
import { SimulatedTime, Time, sleepOn } from '../component/time.ts';
import { systemClock, type Clock } from '../../runtime/index.ts';
import { AssertionError } from '../local/idle.ts';
import { KillOptions } from '../local/kill-options.ts';
import { LocalCluster } from '../local/local-cluster.ts';
import { canonicalKey } from '../component/canonical.ts';
import {
  Bolt,
  ComponentCommon,
  Grouping,
  SpoutSpec,
  StormTopology,
  type StreamInfo,
} from '../topology/storm-topology.ts';
import type { TopologyRun } from '../translate/topology-run.ts';
import { isCompletableSpout, type CompletableSpout } from './completable-spout.ts';
import { FixedTupleSpout } from './fixed-tuple-spout.ts';
import type { FixedTuple } from './fixed-tuple.ts';
import {
  CompleteTopologyParam,
  MkClusterParam,
  MkTupleParam,
  TEST_TIMEOUT_MS,
  type CompleteTopologyParamInit,
} from './params.ts';
import { TrackedTopology } from './tracked-topology.ts';
import { TupleCaptureBolt } from './tuple-capture-bolt.ts';

export { AssertionError };

/** What `completeTopology` needs from a cluster: `LocalCluster` has it all. */
export interface CompletableCluster {
  submitTopology(name: string, conf: Conf | null | undefined, topology: StormTopology): Promise<unknown>;
  killTopologyWithOpts(name: string, options: KillOptions): Promise<void>;
  isAlive(name: string): boolean;
  whenStopped(name: string): Promise<void>;
  getTopologyRun?(name: string): TopologyRun | undefined;
  isSimulating?(): boolean;
  advanceClusterTime?(secs: number, incSecs?: number): Promise<void>;
}

export type CapturedResults = Map<string, FixedTuple[]>;

export interface CapturedTopology<T = StormTopology> {
  readonly topology: T;
  readonly capturer: TupleCaptureBolt;
}

type ClusterFn<T> = (cluster: LocalCluster) => T | Promise<T>;

/** Storm's `MkClusterParam` or a plain `{ daemonConf }`, then the callback. */
function clusterArgs<T>(a: unknown, b: ClusterFn<T> | undefined): [Conf | null | undefined, ClusterFn<T>] {
  if (typeof a === 'function') return [undefined, a as ClusterFn<T>];
  const daemonConf =
    a instanceof MkClusterParam ? a.getDaemonConf() : (a as { daemonConf?: Conf } | undefined)?.daemonConf;
  return [daemonConf, b!];
}

async function withCluster<T>(
  builder: InstanceType<typeof LocalCluster.Builder>,
  daemonConf: Conf | null | undefined,
  fn: ClusterFn<T>,
): Promise<T> {
  if (daemonConf != null) builder.withDaemonConf(daemonConf);
  const cluster = builder.build();
  try {
    return await fn(cluster);
  } finally {
    await cluster.shutdown();
  }
}

/** How often completion is polled, and how long the counters must rest before the topology counts as idle. */
const POLL_MS = 10;
const QUIET_MS = 50;
/** Counters at rest this long mean idle even when delivered tuples never executed (a crashed task dropped its queue). */
const LONG_QUIET_MS = 500;

/** The streams a capture bolt subscribes to: user streams only (the `$checkpoint` protocol never reaches user code). */
function capturableStreams(componentId: string, streams: Map<string, StreamInfo>): Array<[string, StreamInfo]> {
  if (componentId === CP.CHECKPOINT_COMPONENT_ID) return [];
  return [...streams].filter(([id]) => id !== CP.CHECKPOINT_STREAM_ID && !Utils.isSystemId(id));
}

interface Activity {
  /** Changes whenever anything was emitted, transferred, executed, acked or failed. */
  readonly signature: number;
  /** Tuples sent to tasks minus tuples (and ticks/timers) whose execute finished. */
  readonly backlog: number;
}

function activity(run: TopologyRun | undefined): Activity {
  if (run === undefined) return { signature: -1, backlog: 0 };
  let signature = 0;
  let transferred = 0;
  let executed = 0;
  for (const s of run.stats.values()) {
    signature += s.emitted + s.transferred + s.executed + s.acked + s.failed;
    transferred += s.transferred;
    executed += s.executed;
  }
  return { signature, backlog: transferred - executed };
}

function normaliseParam(
  param: CompleteTopologyParam | CompleteTopologyParamInit | null | undefined,
): CompleteTopologyParam {
  if (param instanceof CompleteTopologyParam) return param;
  return new CompleteTopologyParam(param ?? {});
}

function describe(o: unknown): string {
  const name = (o as { constructor?: { name?: string } } | null)?.constructor?.name;
  return name !== undefined && name !== 'Object' ? name : String(o);
}

export class Testing {
  /** Storm's default wait for test conditions (10 s, or env STORM_TEST_TIMEOUT_MS). */
  static readonly TEST_TIMEOUT_MS = TEST_TIMEOUT_MS;

  /**
   * A copy of `topology` plus one capture bolt (random id) subscribed to every user stream of
   * every component: global grouping, direct grouping for direct streams. The original is not
   * modified; component objects are shared (each task clones its own anyway, R9).
   */
  static captureTopology(topology: StormTopology): CapturedTopology {
    const capturer = new TupleCaptureBolt();
    const inputs = new GlobalStreamIdMap<Grouping>();
    const subscribe = (id: string, streams: Map<string, StreamInfo>): void => {
      for (const [stream, info] of capturableStreams(id, streams)) {
        inputs.set(new GlobalStreamId(id, stream), info.is_direct() ? Grouping.direct() : Grouping.fields([]));
      }
    };
    for (const [id, spec] of topology.get_spouts()) subscribe(id, spec.get_common().get_streams());
    for (const [id, bolt] of topology.get_bolts()) subscribe(id, bolt.get_common().get_streams());
    const bolts = new Map(topology.get_bolts());
    bolts.set(randomUUID(), new Bolt(capturer, new ComponentCommon(inputs, new Map(), null, null), 'rich'));
    const copy = new StormTopology(
      new Map(topology.get_spouts()),
      bolts,
      new Map(topology.get_state_spouts()),
      topology.get_worker_hooks(),
    );
    return { topology: copy, capturer };
  }

  /**
   * Runs `topology` until every spout is exhausted and the topology is idle, then kills it and
   * resolves with the captured tuples by component id. Spouts named in the param's
   * `MockedSources` are replaced by `FixedTupleSpout`s emitting the mock data as tracked tuples;
   * every other spout must be a `CompletableSpout`. Rejects with `AssertionError` after
   * `timeoutMs` (the topology is killed first).
   */
  static async completeTopology(
    cluster: CompletableCluster,
    topology: StormTopology,
    param?: CompleteTopologyParam | CompleteTopologyParamInit | null,
  ): Promise<CapturedResults> {
    const p = normaliseParam(param);
    const captured = Testing.captureTopology(topology);
    const spoutObjects: CompletableSpout[] = [];
    let results: CapturedResults;
    let timedOut = false;
    const name = p.getTopologyName() ?? `topologytest-${randomUUID()}`;
    const timeoutMs = p.getTimeoutMs();
    try {
      const spouts = captured.topology.get_spouts();
      for (const [spoutId, tuples] of p.getMockedSources().getData()) {
        const spec = spouts.get(spoutId);
        if (spec === undefined)
          throw new RuntimeException(`Cannot mock '${spoutId}': the topology has no spout with that id`);
        spouts.set(spoutId, new SpoutSpec(new FixedTupleSpout(tuples), spec.get_common(), 'rich'));
      }
      for (const [id, spec] of spouts) {
        // stormshift's checkpoint spout is internal: the protocol rides runtime barriers (§10).
        if (id === CP.CHECKPOINT_COMPONENT_ID) continue;
        const o = spec.get_spout_object();
        if (!isCompletableSpout(o)) {
          throw new RuntimeException(
            `Cannot complete topology unless every spout is a CompletableSpout (or mocked to be); failed by ${describe(o)}`,
          );
        }
        spoutObjects.push(o);
      }
      for (const s of spoutObjects) s.startup?.();
      const clock = p.getCompletionClock() ?? systemClock;
      const deadline = clock.now() + timeoutMs;
      await cluster.submitTopology(name, p.getStormConf(), captured.topology);
      try {
        timedOut =
          cluster.isSimulating?.() === true
            ? !(await Testing.waitUntilCompleteSimulated(cluster, spoutObjects, deadline, clock))
            : !(await Testing.waitUntilComplete(cluster, name, spoutObjects, deadline, clock));
      } finally {
        if (cluster.isAlive(name)) {
          const kill = new KillOptions();
          kill.set_wait_secs(0);
          await cluster.killTopologyWithOpts(name, kill);
        }
        await cluster.whenStopped(name);
      }
    } finally {
      // Also on failure, so the process-wide registries do not keep this run's tuples.
      if (p.getCleanupState()) {
        for (const s of spoutObjects) s.clean?.();
        results = captured.capturer.getAndRemoveResults();
      } else {
        results = captured.capturer.getAndClearResults();
      }
    }
    if (timedOut) {
      throw new AssertionError(
        `Test timed out (${timeoutMs}ms): topology ${name} did not complete (every spout exhausted and the topology idle)`,
      );
    }
    return results;
  }

  /**
   * Polls until every spout is exhausted and the topology is idle: its counters rested for
   * QUIET_MS with nothing delivered left unexecuted, or rested for LONG_QUIET_MS. Work a bolt
   * does outside `execute` (its own timers) is invisible here, as it is to Storm. False on timeout.
   */
  private static async waitUntilComplete(
    cluster: CompletableCluster,
    name: string,
    spoutObjects: readonly CompletableSpout[],
    deadline: number,
    clock: Clock,
  ): Promise<boolean> {
    let last = activity(cluster.getTopologyRun?.(name));
    let lastChange = clock.now();
    for (;;) {
      await sleepOn(clock, POLL_MS);
      const now = clock.now();
      const current = activity(cluster.getTopologyRun?.(name));
      if (current.signature !== last.signature) {
        last = current;
        lastChange = now;
      }
      if (!cluster.isAlive(name)) return true;
      const quiet = now - lastChange;
      if (
        spoutObjects.every((s) => s.isExhausted()) &&
        ((quiet >= QUIET_MS && current.backlog <= 0) || quiet >= LONG_QUIET_MS)
      ) {
        return true;
      }
      if (now > deadline) return false;
    }
  }

  /**
   * In simulated time, as Storm: 11 simulated seconds for the topology to come up, then 10 more
   * per round until every spout is exhausted; each step waits for the cluster to be idle.
   */
  private static async waitUntilCompleteSimulated(
    cluster: CompletableCluster,
    spoutObjects: readonly CompletableSpout[],
    deadline: number,
    clock: Clock,
  ): Promise<boolean> {
    await cluster.advanceClusterTime!(11);
    await cluster.advanceClusterTime!(10);
    while (!spoutObjects.every((s) => s.isExhausted())) {
      if (clock.now() > deadline) return false;
      await cluster.advanceClusterTime!(10);
    }
    return true;
  }

  /** The value lists captured from `componentId` on `streamId`, in capture order. */
  static readTuples(
    results: Map<string, readonly FixedTuple[]> | Record<string, readonly FixedTuple[]>,
    componentId: string,
    streamId: string = Utils.DEFAULT_STREAM_ID,
  ): unknown[][] {
    const streamResult = results instanceof Map ? results.get(componentId) : results[componentId];
    const ret: unknown[][] = [];
    for (const t of streamResult ?? []) if (t.stream === streamId) ret.push([...t.values]);
    return ret;
  }

  /** A standalone `Tuple` for unit tests: component "component", stream "default", fields field1…n, task 1 unless set. */
  static testTuple(values: readonly unknown[], param: MkTupleParam = new MkTupleParam()): Tuple {
    const stream = param.getStream() ?? Utils.DEFAULT_STREAM_ID;
    const component = param.getComponent() ?? 'component';
    const task = 1;
    const fields = param.getFields() ?? values.map((_, i) => `field${i + 1}`);
    const context = new GeneralTopologyContext(
      new StormTopology(new Map(), new Map()),
      {},
      new Map([[task, component]]),
      new Map([[component, [task]]]),
      new Map([[component, new Map([[stream, new Fields(fields)]])]]),
      'test-storm-id',
    );
    return new TupleImpl(context, values, component, task, stream);
  }

  /**
   * Count of each element (Storm's `multiset`). Elements are equal by value (lists included, `5`
   * ≡ `5n`, as Java's `equals` on boxed lists); the first element seen is the key.
   */
  static multiset<T>(c: Iterable<T>): Map<T, number> {
    const firstByKey = new Map<string, T>();
    const ret = new Map<T, number>();
    for (const t of c) {
      const k = canonicalKey(t);
      let rep = firstByKey.get(k);
      if (rep === undefined) firstByKey.set(k, (rep = t));
      ret.set(rep, (ret.get(rep) ?? 0) + 1);
    }
    return ret;
  }

  /** True iff `a` and `b` hold the same elements (by value) the same number of times, in any order. */
  static multiseteq<T>(a: Iterable<T>, b: Iterable<T>): boolean {
    const count = (c: Iterable<T>): Map<string, number> => {
      const m = new Map<string, number>();
      for (const t of c) {
        const k = canonicalKey(t);
        m.set(k, (m.get(k) ?? 0) + 1);
      }
      return m;
    };
    const ma = count(a);
    const mb = count(b);
    if (ma.size !== mb.size) return false;
    for (const [k, n] of ma) if (mb.get(k) !== n) return false;
    return true;
  }

  /** Runs `fn` with a fresh `LocalCluster` and always shuts it down. */
  static withLocalCluster<T>(fn: ClusterFn<T>): Promise<T>;
  static withLocalCluster<T>(param: MkClusterParam | { daemonConf?: Conf }, fn: ClusterFn<T>): Promise<T>;
  static withLocalCluster<T>(a: unknown, b?: ClusterFn<T>): Promise<T> {
    const [daemonConf, fn] = clusterArgs(a, b);
    return withCluster(new LocalCluster.Builder(), daemonConf, fn);
  }

  /** Like `withLocalCluster` on a simulated-time cluster (§12): time starts at 0 and moves only when advanced. */
  static withSimulatedTimeLocalCluster<T>(fn: ClusterFn<T>): Promise<T>;
  static withSimulatedTimeLocalCluster<T>(param: MkClusterParam | { daemonConf?: Conf }, fn: ClusterFn<T>): Promise<T>;
  static withSimulatedTimeLocalCluster<T>(a: unknown, b?: ClusterFn<T>): Promise<T> {
    const [daemonConf, fn] = clusterArgs(a, b);
    return withCluster(new LocalCluster.Builder().withSimulatedTime(), daemonConf, fn);
  }

  /** A tracked cluster; as in Storm, it runs in simulated time. */
  static withTrackedCluster<T>(fn: ClusterFn<T>): Promise<T>;
  static withTrackedCluster<T>(param: MkClusterParam | { daemonConf?: Conf }, fn: ClusterFn<T>): Promise<T>;
  static withTrackedCluster<T>(a: unknown, b?: ClusterFn<T>): Promise<T> {
    const [daemonConf, fn] = clusterArgs(a, b);
    return withCluster(new LocalCluster.Builder().withTracked().withSimulatedTime(), daemonConf, fn);
  }

  /** Runs `fn` in simulated time (Storm's `Time.SimulatedTime` scope) and always ends it, also when `fn` rejects. */
  static async withSimulatedTime<T>(fn: () => T | Promise<T>): Promise<T> {
    const time = new SimulatedTime();
    try {
      return await fn();
    } finally {
      time.close();
    }
  }

  static mkTrackedTopology(cluster: LocalCluster, topology: StormTopology): TrackedTopology {
    return new TrackedTopology(topology, cluster);
  }

  /** `captureTopology`, then tracked: submit `result.topology.getTopology()`, wait with `trackedWait(result)`. */
  static trackAndCaptureTopology(cluster: LocalCluster, topology: StormTopology): CapturedTopology<TrackedTopology> {
    const captured = Testing.captureTopology(topology);
    return { topology: new TrackedTopology(captured.topology, cluster), capturer: captured.capturer };
  }

  /** Waits until `amt` (default 1) more spout tuples were emitted and fully processed (`TrackedTopology.trackedWait`). */
  static trackedWait(
    topo: TrackedTopology | CapturedTopology<TrackedTopology>,
    amt?: number | null,
    timeoutMs?: number | null,
  ): Promise<void> {
    const tracked = topo instanceof TrackedTopology ? topo : topo.topology;
    return tracked.trackedWait(amt ?? 1, timeoutMs ?? TEST_TIMEOUT_MS);
  }

  /** Moves a simulated-time cluster `secs` seconds forward in steps of `step` (default 1), idle after each step. */
  static advanceClusterTime(cluster: LocalCluster, secs: number, step = 1): Promise<void> {
    return cluster.advanceClusterTime(secs, step);
  }

  /** In simulated time, 10 seconds of cluster time (Storm's internal helper); nothing otherwise. */
  static async simulateWait(cluster: LocalCluster): Promise<void> {
    if (Time.isSimulating()) await cluster.advanceClusterTime(10);
  }

  /**
   * Storm's `whileTimeout`: runs `body` while `condition` holds, AssertionError once `timeoutMs` of
   * wall time passed. `body` may be async (it is awaited), so it can advance cluster time.
   */
  static async whileTimeout(timeoutMs: number, condition: () => boolean, body: () => unknown): Promise<void>;
  static async whileTimeout(condition: () => boolean, body: () => unknown): Promise<void>;
  static async whileTimeout(a: unknown, b: unknown, c?: unknown): Promise<void> {
    const [timeoutMs, condition, body] =
      typeof a === 'number'
        ? [a, b as () => boolean, c as () => unknown]
        : [TEST_TIMEOUT_MS, a as () => boolean, b as () => unknown];
    const end = Date.now() + timeoutMs;
    while (condition()) {
      if (Date.now() > end) throw new AssertionError(`Test timed out (${timeoutMs}ms) ${String(condition)}`);
      await body();
      // A synchronous body must still let the cluster run before the condition is read again.
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  /** True iff `pred` holds for every element (Storm's `isEvery`). */
  static isEvery<T>(data: Iterable<T>, pred: (t: T) => boolean): boolean {
    for (const t of data) if (!pred(t)) return false;
    return true;
  }
}
