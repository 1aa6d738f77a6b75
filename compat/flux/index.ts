/** Flux (Storm's YAML topologies): parse, validate, build, print. */
import { buildFluxTopology, type FluxTopology } from './builder.ts';
import { parseFluxFile, type FluxParseOptions } from './parser.ts';

export { FluxException } from './errors.ts';
export { parseFluxFile, parseFluxText, parseProperties, substitute, type FluxParseOptions } from './parser.ts';
export { buildFluxTopology, formatFluxTopology, validateFluxDef, type FluxTopology } from './builder.ts';
export { JAVA_CLASSES, supportedJavaClasses, type JavaClass } from './registry.ts';
export { FluxShellBolt, FluxShellSpout, LogInfoBolt, NGrouping } from './wrappers.ts';
export type * from './model.ts';

/** Parses a Flux file (with its filter, env filter and includes) and builds its topology. */
export async function loadFluxTopology(file: string, options: FluxParseOptions = {}): Promise<FluxTopology> {
  const warnings: string[] = [];
  const def = parseFluxFile(file, { ...options, warn: (m) => (warnings.push(m), options.warn?.(m)) });
  const built = await buildFluxTopology(def);
  built.warnings.unshift(...warnings);
  return built;
}
