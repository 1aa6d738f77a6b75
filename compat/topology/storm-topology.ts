/**
 * The built topology, mirroring Storm's Thrift structs and accessor names (§3.1) so code reading
 * `topology.get_bolts().get("x").get_common().get_inputs()` keeps working. Component objects are
 * held as live JS objects (Thrift holds serialized bytes); `get_kind()` is a stormshift extension
 * carrying the R2 classification for the executor.
 */
import { Fields } from '../component/fields.ts';
import type { GlobalStreamIdMap } from '../component/global-stream-id.ts';
import type { BoltKind, SpoutKind } from '../component/kind.ts';
import type { IWorkerHook } from '../component/interfaces.ts';

export type GroupingKind =
  | 'fields'
  | 'shuffle'
  | 'all'
  | 'none'
  | 'direct'
  | 'custom_object'
  | 'custom_serialized'
  | 'local_or_shuffle';

/** Thrift's `Grouping` union: exactly one field is set. */
export class Grouping {
  private readonly kind: GroupingKind;
  private readonly value: unknown;

  private constructor(kind: GroupingKind, value: unknown) {
    this.kind = kind;
    this.value = value;
    Object.freeze(this);
  }

  /** Global grouping is `fields([])` in Thrift. */
  static fields(fields: readonly string[]): Grouping {
    return new Grouping('fields', Object.freeze([...fields]));
  }
  static shuffle(): Grouping {
    return new Grouping('shuffle', null);
  }
  static all(): Grouping {
    return new Grouping('all', null);
  }
  static none(): Grouping {
    return new Grouping('none', null);
  }
  static direct(): Grouping {
    return new Grouping('direct', null);
  }
  static local_or_shuffle(): Grouping {
    return new Grouping('local_or_shuffle', null);
  }
  /** A non-JVM grouping object (Thrift JavaObject); kept for structure fidelity. */
  static custom_object(obj: unknown): Grouping {
    return new Grouping('custom_object', obj);
  }
  /** A `CustomStreamGrouping` instance (Storm: its Java-serialized bytes). */
  static custom_serialized(grouping: unknown): Grouping {
    return new Grouping('custom_serialized', grouping);
  }

  getSetField(): GroupingKind {
    return this.kind;
  }
  is_set_fields(): boolean {
    return this.kind === 'fields';
  }
  is_set_shuffle(): boolean {
    return this.kind === 'shuffle';
  }
  is_set_all(): boolean {
    return this.kind === 'all';
  }
  is_set_none(): boolean {
    return this.kind === 'none';
  }
  is_set_direct(): boolean {
    return this.kind === 'direct';
  }
  is_set_local_or_shuffle(): boolean {
    return this.kind === 'local_or_shuffle';
  }
  is_set_custom_object(): boolean {
    return this.kind === 'custom_object';
  }
  is_set_custom_serialized(): boolean {
    return this.kind === 'custom_serialized';
  }
  /** The grouping fields (a copy); throws unless this is a fields grouping, as Thrift does. */
  get_fields(): string[] {
    if (this.kind !== 'fields')
      throw new Error(`Cannot get field 'fields' because union is currently set to ${this.kind}`);
    return [...(this.value as string[])];
  }
  get_custom_object(): unknown {
    if (this.kind !== 'custom_object')
      throw new Error(`Cannot get field 'custom_object' because union is currently set to ${this.kind}`);
    return this.value;
  }
  get_custom_serialized(): unknown {
    if (this.kind !== 'custom_serialized') {
      throw new Error(`Cannot get field 'custom_serialized' because union is currently set to ${this.kind}`);
    }
    return this.value;
  }
  /** True for `fields([])`, i.e. global grouping. */
  isGlobal(): boolean {
    return this.kind === 'fields' && (this.value as string[]).length === 0;
  }
  toString(): string {
    return this.kind === 'fields'
      ? `<Grouping fields:[${(this.value as string[]).join(', ')}]>`
      : `<Grouping ${this.kind}>`;
  }
}

export class StreamInfo {
  private readonly outputFields: readonly string[];
  private readonly direct: boolean;

  constructor(outputFields: readonly string[], direct: boolean) {
    this.outputFields = Object.freeze([...outputFields]);
    this.direct = direct;
    Object.freeze(this);
  }
  get_output_fields(): string[] {
    return [...this.outputFields];
  }
  is_direct(): boolean {
    return this.direct;
  }
  /** The declared fields as a `Fields`. */
  fields(): Fields {
    return new Fields([...this.outputFields]);
  }
}

export class ComponentCommon {
  private readonly inputs: GlobalStreamIdMap<Grouping>;
  private readonly streams: Map<string, StreamInfo>;
  private readonly parallelismHint: number | null;
  private readonly jsonConf: string | null;

  constructor(
    inputs: GlobalStreamIdMap<Grouping>,
    streams: Map<string, StreamInfo>,
    parallelismHint: number | null,
    jsonConf: string | null,
  ) {
    this.inputs = inputs;
    this.streams = streams;
    this.parallelismHint = parallelismHint;
    this.jsonConf = jsonConf;
  }

  get_inputs(): GlobalStreamIdMap<Grouping> {
    return this.inputs;
  }
  get_streams(): Map<string, StreamInfo> {
    return this.streams;
  }
  is_set_parallelism_hint(): boolean {
    return this.parallelismHint !== null;
  }
  /** Unset ⇒ Thrift's default 0; use `parallelismHintOrDefault` for the effective value (1). */
  get_parallelism_hint(): number {
    return this.parallelismHint ?? 0;
  }
  parallelismHintOrDefault(): number {
    return this.parallelismHint ?? 1;
  }
  is_set_json_conf(): boolean {
    return this.jsonConf !== null;
  }
  get_json_conf(): string | null {
    return this.jsonConf;
  }
  /** The component conf parsed from `json_conf` ({} when unset). */
  parsedConf(): Record<string, unknown> {
    return this.jsonConf === null ? {} : (JSON.parse(this.jsonConf) as Record<string, unknown>);
  }
}

export class SpoutSpec {
  private readonly spoutObject: unknown;
  private readonly common: ComponentCommon;
  private readonly kind: SpoutKind;

  constructor(spoutObject: unknown, common: ComponentCommon, kind: SpoutKind) {
    this.spoutObject = spoutObject;
    this.common = common;
    this.kind = kind;
  }
  /** The object given to `setSpout` (or the `LambdaSpout` wrapping a supplier); clone per task (R9). */
  get_spout_object(): unknown {
    return this.spoutObject;
  }
  get_common(): ComponentCommon {
    return this.common;
  }
  get_kind(): SpoutKind {
    return this.kind;
  }
}

export class Bolt {
  private readonly boltObject: unknown;
  private readonly common: ComponentCommon;
  private readonly kind: BoltKind;

  constructor(boltObject: unknown, common: ComponentCommon, kind: BoltKind) {
    this.boltObject = boltObject;
    this.common = common;
    this.kind = kind;
  }
  get_bolt_object(): unknown {
    return this.boltObject;
  }
  get_common(): ComponentCommon {
    return this.common;
  }
  /** R2 classification; lambda bolts are already wrapped (kind 'basic' / 'rich' with the wrapper). */
  get_kind(): BoltKind {
    return this.kind;
  }
}

export class StateSpoutSpec {
  private readonly stateSpoutObject: unknown;
  private readonly common: ComponentCommon;
  constructor(stateSpoutObject: unknown, common: ComponentCommon) {
    this.stateSpoutObject = stateSpoutObject;
    this.common = common;
  }
  get_state_spout_object(): unknown {
    return this.stateSpoutObject;
  }
  get_common(): ComponentCommon {
    return this.common;
  }
}

export class StormTopology {
  private readonly spouts: Map<string, SpoutSpec>;
  private readonly bolts: Map<string, Bolt>;
  private readonly stateSpouts: Map<string, StateSpoutSpec>;
  private readonly workerHooks: readonly IWorkerHook[];

  constructor(
    spouts: Map<string, SpoutSpec>,
    bolts: Map<string, Bolt>,
    stateSpouts: Map<string, StateSpoutSpec> = new Map(),
    workerHooks: readonly IWorkerHook[] = [],
  ) {
    this.spouts = spouts;
    this.bolts = bolts;
    this.stateSpouts = stateSpouts;
    this.workerHooks = workerHooks;
  }

  get_spouts(): Map<string, SpoutSpec> {
    return this.spouts;
  }
  get_bolts(): Map<string, Bolt> {
    return this.bolts;
  }
  get_state_spouts(): Map<string, StateSpoutSpec> {
    return this.stateSpouts;
  }
  get_spouts_size(): number {
    return this.spouts.size;
  }
  get_bolts_size(): number {
    return this.bolts.size;
  }
  /** Storm: serialized hooks; here the hook objects, in `addWorkerHook` order. */
  get_worker_hooks(): IWorkerHook[] {
    return [...this.workerHooks];
  }
  is_set_worker_hooks(): boolean {
    return this.workerHooks.length > 0;
  }

  /** Every component's common struct by id (spouts, bolts, state spouts). */
  allComponents(): Map<string, ComponentCommon> {
    const out = new Map<string, ComponentCommon>();
    for (const [id, s] of this.spouts) out.set(id, s.get_common());
    for (const [id, b] of this.bolts) out.set(id, b.get_common());
    for (const [id, s] of this.stateSpouts) out.set(id, s.get_common());
    return out;
  }
}
