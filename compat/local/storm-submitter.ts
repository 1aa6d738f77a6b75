/**
 * `StormSubmitter` (§12, R8): submits to the local-mode override cluster if one is installed,
 * else to a process-wide embedded `LocalCluster` created on first use (like `storm local`).
 */
import type { Conf } from '../component/config.ts';
import { UnsupportedOperationException } from '../component/exceptions.ts';
import type { StormTopology } from '../topology/storm-topology.ts';
import { validateTopology } from '../topology/validate.ts';
import { LocalCluster } from './local-cluster.ts';
import { localOverride, type SubmitTarget } from './local-override.ts';

let embedded: LocalCluster | null = null;

export interface ProgressListener {
  onStart?(srcFile: string, targetFile: string, totalBytes: number): void;
  onProgress?(srcFile: string, targetFile: string, bytesUploaded: number, totalBytes: number): void;
  onCompleted?(srcFile: string, targetFile: string, totalBytes: number): void;
}

function target(): SubmitTarget {
  return localOverride() ?? (embedded ??= new LocalCluster());
}

export const StormSubmitter = {
  async submitTopology(
    name: string,
    conf: Conf | null | undefined,
    topology: StormTopology,
    _opts?: unknown,
    _progress?: ProgressListener,
  ): Promise<void> {
    validateTopology(name, conf, topology);
    await target().submitTopology(name, conf, topology);
  },

  async submitTopologyWithProgressBar(
    name: string,
    conf: Conf | null | undefined,
    topology: StormTopology,
    opts?: unknown,
  ): Promise<void> {
    process.stderr.write(`[stormshift] submitting topology ${name} to the embedded cluster\n`);
    await StormSubmitter.submitTopology(name, conf, topology, opts);
    process.stderr.write(`[stormshift] finished submitting topology: ${name}\n`);
  },

  async submitTopologyAs(
    name: string,
    conf: Conf | null | undefined,
    topology: StormTopology,
    opts?: unknown,
    progress?: ProgressListener,
    _asUser?: string,
  ): Promise<void> {
    await StormSubmitter.submitTopology(name, conf, topology, opts, progress);
  },

  /** The embedded cluster, if `StormSubmitter` created one (tests shut it down). */
  embeddedCluster(): LocalCluster | null {
    return embedded;
  },

  async shutdownEmbedded(): Promise<void> {
    const c = embedded;
    embedded = null;
    await c?.shutdown();
  },
} as const;

export const NimbusClient = {
  /** Always true: stormshift only runs topologies in-process. */
  isLocalOverride(): boolean {
    return true;
  },
  getConfiguredClient(): never {
    throw new UnsupportedOperationException(
      'stormshift has no Nimbus: only NimbusClient.isLocalOverride() is supported',
    );
  },
  getConfiguredClientAs(): never {
    throw new UnsupportedOperationException(
      'stormshift has no Nimbus: only NimbusClient.isLocalOverride() is supported',
    );
  },
} as const;
