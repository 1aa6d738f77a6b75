/**
 * Storm's in-process cluster (§12, R8): every topology runs as a runtime job on this event loop.
 * `submitTopology` resolves once every task opened/prepared; `killTopology` deactivates spouts and
 * tears down after the message timeout, letting in-flight tuples finish meanwhile.
 */
import type { JobHandle, Logger, RuntimeMetrics } from '../../runtime/index.ts';
import { CONFIG_KEYS } from '../component/config-keys.ts';
import { confInt, type Conf } from '../component/config.ts';
import { randomUUID } from 'node:crypto';
import {
  AlreadyAliveException,
  IllegalStateException,
  NotAliveException,
  UnsupportedOperationException,
} from '../component/exceptions.ts';
import { SimulatedTime, Time } from '../component/time.ts';
import type { StormTopology } from '../topology/storm-topology.ts';
import { validateTopology } from '../topology/validate.ts';
import type { TopologyRun } from '../translate/topology-run.ts';
import { notifyTrackedSubmit, TEST_TIMEOUT_MS, waitForIdle } from './idle.ts';
import { KillOptions } from './kill-options.ts';
import { LocalTopology, type TopologyKiller } from './local-topology.ts';
import { setLocalOverride } from './local-override.ts';
import { RunningTopology } from './running-topology.ts';

const defaultLog: Logger = (level, message) => {
  if (level === 'info') return;
  process.stderr.write(`[stormshift] ${level}: ${message}\n`);
};

export interface LocalClusterOptions {
  daemonConf?: Conf;
  /** Conf applied over every submitted topology's own (command-line flags such as `stormshift run -w`). */
  overrideConf?: Conf;
  log?: Logger;
  metrics?: RuntimeMetrics;
  /**
   * Simulated time (§12): time starts at 0 and moves only with `advanceClusterTime` /
   * `Time.advanceTime`; every timer of the cluster's topologies follows it. Uses the simulated
   * time already on (`Testing.withSimulatedTime`), else turns it on until `shutdown`.
   */
  simulatedTime?: boolean;
  /** Storm's tracked-cluster id (`withTracked`). */
  trackedId?: string | null;
}

let stormIdCounter = 0;
/** Upper bound on waiting for spouts to run `deactivate` (a spout stuck in an async callback must not hang kill). */
const DEACTIVATE_WAIT_MS = 1000;

export class LocalCluster implements TopologyKiller, AsyncDisposable {
  static Builder: typeof LocalClusterBuilder;

  private readonly daemonConf: Conf;
  private readonly overrideConf: Conf;
  private readonly log: Logger;
  private readonly metrics: RuntimeMetrics | undefined;
  private readonly topologies = new Map<string, RunningTopology>();
  private shutDown = false;
  private readonly simulated: boolean;
  /** The simulated time this cluster turned on (and turns off at shutdown), if it did. */
  private readonly ownSimulation: SimulatedTime | null = null;
  private readonly trackedId: string | null;

  constructor(options: LocalClusterOptions = {}) {
    this.daemonConf = { [CONFIG_KEYS.TOPOLOGY_ENABLE_MESSAGE_TIMEOUTS]: true, ...(options.daemonConf ?? {}) };
    this.overrideConf = options.overrideConf ?? {};
    this.log = options.log ?? defaultLog;
    this.metrics = options.metrics;
    this.simulated = options.simulatedTime === true;
    if (this.simulated && !Time.isSimulating()) this.ownSimulation = new SimulatedTime();
    this.trackedId = options.trackedId ?? null;
  }

  /** True when this cluster was built with simulated time (and it is still on). */
  isSimulating(): boolean {
    return this.simulated && Time.isSimulating();
  }

  getTrackedId(): string | null {
    return this.trackedId;
  }

  /**
   * Storm's `advanceClusterTime`: waits until the cluster is idle, then moves simulated time
   * `secs` seconds in steps of `incSecs`, waiting for idle after each step (ticks, timeouts,
   * window triggers and sleeping spouts due in a step have run before the next one).
   */
  async advanceClusterTime(secs: number, incSecs = 1): Promise<void> {
    if (!Time.isSimulating()) throw new IllegalStateException('Cannot simulate time unless in simulation mode');
    if (!(incSecs > 0)) throw new IllegalStateException(`advanceClusterTime step must be positive, got ${incSecs}`);
    await this.waitForIdle();
    for (let left = secs; left > 0; left -= incSecs) {
      Time.advanceTimeSecs(Math.min(incSecs, left));
      await this.waitForIdle();
    }
  }

  /** Resolves once every live topology is idle (§12); AssertionError after `timeoutMs` of wall time. */
  waitForIdle(timeoutMs: number = TEST_TIMEOUT_MS): Promise<void> {
    return waitForIdle(() => [...this.topologies.values()].map((t) => t.run), timeoutMs);
  }

  async submitTopology(name: string, conf: Conf | null | undefined, topology: StormTopology): Promise<LocalTopology> {
    if (this.shutDown) throw new UnsupportedOperationException('LocalCluster was shut down');
    const validated = validateTopology(name, conf, topology);
    if (this.isAlive(name) || this.topologies.has(name)) {
      throw new AlreadyAliveException(`Topology with name \`${name}\` already exists on cluster`);
    }
    const topoConf: Conf = {
      ...this.daemonConf,
      ...validated,
      ...this.overrideConf,
      [CONFIG_KEYS.TOPOLOGY_NAME]: name,
    };
    const stormId = `${name}-${++stormIdCounter}-${Math.floor(Date.now() / 1000)}`;
    const running = await RunningTopology.create(
      { name, stormId, conf: topoConf, topology, log: this.log },
      this.metrics,
    );
    this.topologies.set(name, running);
    notifyTrackedSubmit(topology, running.run);
    void running.stopped.then(() => {
      if (this.topologies.get(name) === running) this.topologies.delete(name);
    });
    try {
      await running.run.ready;
    } catch (error) {
      running.kill(0);
      await running.stopped;
      throw error;
    }
    return new LocalTopology(this, name);
  }

  isAlive(name: string): boolean {
    const t = this.topologies.get(name);
    return t !== undefined && !t.killed;
  }

  whenStopped(name: string): Promise<void> {
    return this.topologies.get(name)?.stopped ?? Promise.resolve();
  }

  private alive(name: string): RunningTopology {
    const t = this.topologies.get(name);
    if (t === undefined || t.killed) throw new NotAliveException(`${name} is not alive`);
    return t;
  }

  killTopology(name: string): Promise<void> {
    return this.killTopologyWithOpts(name, new KillOptions());
  }

  async killTopologyWithOpts(name: string, options: KillOptions): Promise<void> {
    const t = this.alive(name);
    const wait = options.is_set_wait_secs()
      ? options.get_wait_secs()
      : confInt(t.run.conf, CONFIG_KEYS.TOPOLOGY_MESSAGE_TIMEOUT_SECS, 30);
    t.kill(wait);
    // Storm returns once the topology is marked killed and its spouts are deactivated.
    await t.run.whenSpoutsInactive(DEACTIVATE_WAIT_MS);
  }

  /**
   * stormshift extension: takes a checkpoint of a checkpointing topology (checkpoint mode or
   * stateful bolts) now, e.g. before a stop, so the next run resumes exactly there. Resolves to
   * the checkpoint's path, or undefined when the topology does not checkpoint.
   */
  async checkpoint(name: string): Promise<string | undefined> {
    const t = this.alive(name);
    if (t.run.mode !== 'checkpoint' && !t.run.stateful) return undefined;
    return (await t.job.triggerCheckpoint()).path;
  }

  async activate(name: string): Promise<void> {
    this.alive(name).run.active = true;
  }

  async deactivate(name: string): Promise<void> {
    const run = this.alive(name).run;
    run.active = false;
    await run.whenSpoutsInactive(DEACTIVATE_WAIT_MS);
  }

  /** The shared state of a live topology (stats, reported errors): stormshift's stand-in for cluster info. */
  getTopologyRun(name: string): TopologyRun | undefined {
    return this.topologies.get(name)?.run;
  }

  /** The runtime job of a live topology (status, checkpoints, savepoints): what the console reads. */
  getTopologyJob(name: string): JobHandle | undefined {
    return this.topologies.get(name)?.job;
  }

  getTopologyNames(): string[] {
    return [...this.topologies.keys()];
  }

  async shutdown(): Promise<void> {
    this.shutDown = true;
    const all = [...this.topologies.values()];
    for (const t of all) t.kill(0);
    await Promise.all(all.map((t) => t.stopped));
    this.ownSimulation?.close();
  }

  close(): Promise<void> {
    return this.shutdown();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.shutdown();
  }

  /**
   * Starts a cluster, routes `StormSubmitter` to it, awaits `fn`, keeps the topologies running
   * `ttlSec` seconds, then shuts down (how `storm local` / `stormshift run` run a main).
   */
  static async withLocalModeOverride<T>(fn: () => T | Promise<T>, ttlSec: number, daemonConf?: Conf): Promise<T> {
    const cluster = new LocalCluster(daemonConf === undefined ? {} : { daemonConf });
    const restore = setLocalOverride(cluster);
    try {
      const result = await fn();
      await new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, Number(ttlSec)) * 1000));
      return result;
    } finally {
      restore();
      await cluster.shutdown();
    }
  }
}

export class LocalClusterBuilder {
  private daemonConf: Conf = {};
  private simulated = false;
  private trackedId: string | null = null;

  withSupervisors(_n: number): this {
    return this;
  }
  withPortsPerSupervisor(_n: number): this {
    return this;
  }
  withDaemonConf(conf: Conf | Map<string, unknown>): this {
    this.daemonConf = { ...this.daemonConf, ...(conf instanceof Map ? Object.fromEntries(conf) : conf) };
    return this;
  }
  /** A tracked cluster (Storm's id for its counters; a random one when not given). */
  withTracked(id?: string | null): this {
    this.trackedId = id ?? randomUUID();
    return this;
  }
  /** Simulated time drives every timer of the cluster's topologies (§12). */
  withSimulatedTime(simulated = true): this {
    this.simulated = simulated;
    return this;
  }
  build(): LocalCluster {
    return new LocalCluster({ daemonConf: this.daemonConf, simulatedTime: this.simulated, trackedId: this.trackedId });
  }
}

LocalCluster.Builder = LocalClusterBuilder;
