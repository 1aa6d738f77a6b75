/** `stormshift run topology.yaml` and `stormshift flux [--dry-run]`: Flux files, like `storm local … org.apache.storm.flux.Flux`. */
import type { LocalCluster } from '../compat/index.ts';
import { FluxException, formatFluxTopology, loadFluxTopology, type FluxParseOptions } from '../compat/index.ts';
import type { RuntimeMetrics } from '../runtime/index.ts';
import type { RunOptions } from './run-job.ts';
import { applyRunOptions, runTopologyModule } from './run-topology.ts';

export interface FluxFlags {
  filter?: string;
  envFilter?: boolean;
}

function parseOptions(flags: FluxFlags): FluxParseOptions {
  const o: FluxParseOptions = { envFilter: Boolean(flags.envFilter) };
  if (flags.filter !== undefined) o.filter = flags.filter;
  return o;
}

function report(error: unknown): number {
  process.stderr.write(
    `stormshift flux: ${error instanceof FluxException ? error.message : ((error as Error)?.stack ?? String(error))}\n`,
  );
  return 1;
}

/** Parses, validates and builds the topology, then prints it; runs nothing. */
export async function fluxDryRun(file: string, flags: FluxFlags): Promise<number> {
  try {
    const ft = await loadFluxTopology(file, parseOptions(flags));
    process.stdout.write(`${formatFluxTopology(ft)}\n`);
    return 0;
  } catch (error) {
    return report(error);
  }
}

export async function runFluxFile(
  file: string,
  args: string[],
  options: RunOptions,
  flags: FluxFlags,
  cluster: LocalCluster,
  metrics: RuntimeMetrics,
): Promise<number> {
  try {
    const ft = await loadFluxTopology(file, parseOptions(flags));
    for (const w of ft.warnings) process.stderr.write(`[stormshift] warn: ${w}\n`);
    await cluster.submitTopology(ft.name, applyRunOptions(ft.name, ft.conf, options), ft.topology);
  } catch (error) {
    await cluster.shutdown();
    return report(error);
  }
  // The topology is submitted: wait like `storm local` for a submitting main.
  return runTopologyModule(file, {}, args, options, cluster, metrics);
}
