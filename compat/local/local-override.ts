/** The process-wide "local mode override" (`LocalCluster.withLocalModeOverride`): where `StormSubmitter` submits. */
import type { Conf } from '../component/config.ts';
import type { StormTopology } from '../topology/storm-topology.ts';

export interface SubmitTarget {
  submitTopology(name: string, conf: Conf | null | undefined, topology: StormTopology): Promise<unknown>;
}

let override: SubmitTarget | null = null;

/** Installs `cluster` as the override; returns the function restoring the previous one. */
export function setLocalOverride(cluster: SubmitTarget): () => void {
  const prev = override;
  override = cluster;
  return () => {
    override = prev;
  };
}

export function localOverride(): SubmitTarget | null {
  return override;
}
