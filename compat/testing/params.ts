/** Parameter objects of Storm's `Testing` helpers, with Storm's getters and setters. */
import type { Clock } from '../../runtime/index.ts';
import { Config, type Conf } from '../component/config.ts';
import { TEST_TIMEOUT_MS } from '../local/idle.ts';
import { MockedSources } from './mocked-sources.ts';

export { TEST_TIMEOUT_MS } from '../local/idle.ts';

export interface CompleteTopologyParamInit {
  mockedSources?: MockedSources | null;
  stormConf?: Conf | null;
  cleanupState?: boolean | null;
  topologyName?: string | null;
  timeoutMs?: number | null;
  /** stormshift extension: the clock completion is measured on (see `setCompletionClock`). */
  completionClock?: Clock | null;
}

export class CompleteTopologyParam {
  mockedSources: MockedSources = new MockedSources();
  stormConf: Conf = new Config();
  cleanupState = true;
  topologyName: string | null = null;
  timeoutMs: number = TEST_TIMEOUT_MS;
  completionClock: Clock | null = null;

  constructor(init: CompleteTopologyParamInit = {}) {
    if (init.mockedSources !== undefined) this.setMockedSources(init.mockedSources);
    if (init.stormConf !== undefined) this.setStormConf(init.stormConf);
    if (init.cleanupState !== undefined) this.setCleanupState(init.cleanupState);
    if (init.topologyName !== undefined) this.setTopologyName(init.topologyName);
    if (init.timeoutMs !== undefined) this.setTimeoutMs(init.timeoutMs);
    if (init.completionClock !== undefined) this.setCompletionClock(init.completionClock);
  }

  getMockedSources(): MockedSources {
    return this.mockedSources;
  }
  setMockedSources(mockedSources: MockedSources | null | undefined): void {
    this.mockedSources = mockedSources ?? new MockedSources();
  }
  getStormConf(): Conf {
    return this.stormConf;
  }
  setStormConf(stormConf: Conf | null | undefined): void {
    this.stormConf = stormConf ?? new Config();
  }
  getCleanupState(): boolean {
    return this.cleanupState;
  }
  setCleanupState(cleanupState: boolean | null | undefined): void {
    this.cleanupState = cleanupState ?? true;
  }
  getTopologyName(): string | null {
    return this.topologyName;
  }
  setTopologyName(topologyName: string | null | undefined): void {
    this.topologyName = topologyName ?? null;
  }
  getTimeoutMs(): number {
    return this.timeoutMs;
  }
  setTimeoutMs(timeoutMs: number | null | undefined): void {
    this.timeoutMs = timeoutMs ?? TEST_TIMEOUT_MS;
  }
  getCompletionClock(): Clock | null {
    return this.completionClock;
  }
  /**
   * stormshift extension (not in Storm): the clock `completeTopology` polls on and measures its
   * quiet periods and `timeoutMs` with, outside simulated time. Default (null): the wall clock. A
   * test of the completion rule itself passes a ManualClock and moves it.
   */
  setCompletionClock(clock: Clock | null | undefined): void {
    this.completionClock = clock ?? null;
  }
}

/** Storm's `MkTupleParam` for `Testing.testTuple`: unset values fall back to "component", "default", field1…n. */
export class MkTupleParam {
  private stream: string | null = null;
  private component: string | null = null;
  private fields: string[] | null = null;

  getStream(): string | null {
    return this.stream;
  }
  setStream(stream: string | null): void {
    this.stream = stream;
  }
  getComponent(): string | null {
    return this.component;
  }
  setComponent(component: string | null): void {
    this.component = component;
  }
  getFields(): string[] | null {
    return this.fields;
  }
  setFields(...fields: string[]): void {
    this.fields = [...fields];
  }
  setFieldsList(fields: readonly string[] | null): void {
    this.fields = fields == null ? null : [...fields];
  }
}

/**
 * Storm's `MkClusterParam`. stormshift runs one in-process cluster, so only the daemon conf has
 * an effect; supervisors and ports are stored like `LocalCluster.Builder` stores them.
 */
export class MkClusterParam {
  private supervisors: number | null = null;
  private portsPerSupervisor: number | null = null;
  private daemonConf: Conf | null = null;
  private nimbusDaemon = false;

  getSupervisors(): number | null {
    return this.supervisors;
  }
  setSupervisors(n: number): void {
    this.supervisors = n;
  }
  getPortsPerSupervisor(): number | null {
    return this.portsPerSupervisor;
  }
  setPortsPerSupervisor(n: number): void {
    this.portsPerSupervisor = n;
  }
  getDaemonConf(): Conf | null {
    return this.daemonConf;
  }
  setDaemonConf(conf: Conf | null): void {
    this.daemonConf = conf;
  }
  isNimbusDaemon(): boolean {
    return this.nimbusDaemon;
  }
  setNimbusDaemon(b: boolean): void {
    this.nimbusDaemon = b;
  }
}
