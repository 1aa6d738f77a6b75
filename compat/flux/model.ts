/** Flux's YAML model (org.apache.storm.flux.model), as plain data. */

export const GROUPING_TYPES = [
  'ALL',
  'CUSTOM',
  'DIRECT',
  'SHUFFLE',
  'LOCAL_OR_SHUFFLE',
  'FIELDS',
  'GLOBAL',
  'NONE',
] as const;
export type GroupingType = (typeof GROUPING_TYPES)[number];

/** A constructor / method argument: a value, `{ref: id}` or `{reflist: [ids]}`. */
export type FluxArg = unknown;

export interface PropertyDef {
  name: string;
  value?: unknown;
  ref?: string;
}

export interface ConfigMethodDef {
  name: string;
  args?: FluxArg[];
}

export interface ObjectDef {
  className: string;
  constructorArgs?: FluxArg[];
  factory?: string;
  factoryArgs?: FluxArg[];
  properties?: PropertyDef[];
  configMethods?: ConfigMethodDef[];
  /** Where the definition is in its file (`file:line:col`), for errors. */
  where: string;
}

export interface BeanDef extends ObjectDef {
  id: string;
}

export interface VertexDef extends BeanDef {
  parallelism: number;
  numTasks?: number;
  onHeapMemoryLoad?: number;
  offHeapMemoryLoad?: number;
  cpuLoad?: number;
  config?: Record<string, unknown>;
}

export interface GroupingDef {
  type: GroupingType;
  streamId?: string;
  args?: string[];
  customClass?: ObjectDef;
}

export interface StreamDef {
  name?: string;
  from: string;
  to: string;
  grouping: GroupingDef;
  where: string;
}

export interface IncludeDef {
  resource: boolean;
  file: string;
  override: boolean;
}

export interface TopologySourceDef extends ObjectDef {
  methodName: string;
}

export interface TopologyDef {
  name?: string;
  config: Record<string, unknown>;
  components: BeanDef[];
  spouts: VertexDef[];
  bolts: VertexDef[];
  streams: StreamDef[];
  workerHooks: BeanDef[];
  includes: IncludeDef[];
  topologySource?: TopologySourceDef;
  /** The file the definition came from (absolute). */
  file: string;
}
