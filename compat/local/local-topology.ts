/** What `LocalCluster.submitTopology` resolves with: closing it kills that topology at once (§12). */
import { KillOptions } from './kill-options.ts';

export interface TopologyKiller {
  killTopologyWithOpts(name: string, options: KillOptions): Promise<void>;
  /** Resolves when the topology's tasks are torn down. */
  whenStopped(name: string): Promise<void>;
  isAlive(name: string): boolean;
}

export class LocalTopology implements AsyncDisposable {
  constructor(
    private readonly cluster: TopologyKiller,
    readonly name: string,
  ) {}

  async close(): Promise<void> {
    if (this.cluster.isAlive(this.name)) {
      const options = new KillOptions();
      options.set_wait_secs(0);
      await this.cluster.killTopologyWithOpts(this.name, options);
    }
    await this.cluster.whenStopped(this.name);
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
