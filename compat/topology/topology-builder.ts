/** Storm's `TopologyBuilder` (§3.1). */
import { validateConf } from '../component/config.ts';
import { CONFIG_KEYS } from '../component/config-keys.ts';
import { LATE_TUPLE_FIELD } from '../component/constants.ts';
import { CheckpointSpout as CP } from '../component/constants.ts';
import { IllegalArgumentException } from '../component/exceptions.ts';
import { Fields } from '../component/fields.ts';
import { GlobalStreamId, GlobalStreamIdMap } from '../component/global-stream-id.ts';
import type { IComponent, IWorkerHook, OutputFieldsDeclarer } from '../component/interfaces.ts';
import { classifyBolt, classifySpout, type BoltKind, type SpoutKind } from '../component/kind.ts';
import { cloneComponent } from './clone.ts';
import { BoltDeclarer, SpoutDeclarer, type ComponentRecord } from './declarers.ts';
import {
  LambdaBiConsumerBolt,
  LambdaConsumerBolt,
  LambdaSpout,
  type SerializableBiConsumer,
  type SerializableConsumer,
  type SerializableSupplier,
} from './lambda.ts';
import { OutputFieldsGetter } from './output-fields-getter.ts';
import {
  Bolt,
  ComponentCommon,
  Grouping,
  SpoutSpec,
  StateSpoutSpec,
  StormTopology,
  StreamInfo,
} from './storm-topology.ts';

type Hint = number | bigint | null | undefined;

/**
 * The spout placed at `$checkpointspout` in stateful topologies. The state engineer's
 * `CheckpointSpout` implementation is installed with `setCheckpointSpoutFactory`; until then a
 * stub declares the right stream and refuses to run.
 */
class CheckpointSpoutStub {
  declareOutputFields(declarer: OutputFieldsDeclarer): void {
    declarer.declareStream(CP.CHECKPOINT_STREAM_ID, new Fields(CP.CHECKPOINT_FIELD_TXID, CP.CHECKPOINT_FIELD_ACTION));
  }
  getComponentConfiguration(): null {
    return null;
  }
  open(): void {
    throw new Error('No CheckpointSpout implementation installed (setCheckpointSpoutFactory)');
  }
  nextTuple(): void {}
  ack(): void {}
  fail(): void {}
  close(): void {}
  activate(): void {}
  deactivate(): void {}
}

let checkpointSpoutFactory: () => IComponent = () => new CheckpointSpoutStub();

/** INTEGRATION HOOK for compat/state: what `createTopology` puts at `$checkpointspout`. */
export function setCheckpointSpoutFactory(factory: (() => IComponent) | null): void {
  checkpointSpoutFactory = factory ?? (() => new CheckpointSpoutStub());
}

/** Truncate toward zero, then require ≥ 1 (§3.1); null/undefined = unset. */
export function normaliseHint(hint: Hint): number | null {
  if (hint === null || hint === undefined) return null;
  const n = typeof hint === 'bigint' ? Number(hint) : Math.trunc(Number(hint));
  if (!(n >= 1)) throw new IllegalArgumentException('Parallelism must be positive.');
  return n;
}

interface Entry extends ComponentRecord {
  readonly object: IComponent;
  readonly hint: number | null;
}

interface SpoutEntry extends Entry {
  readonly kind: SpoutKind;
}

interface BoltEntry extends Entry {
  readonly kind: BoltKind;
}

function isStateful(kind: BoltKind): boolean {
  return kind === 'stateful' || kind === 'stateful-windowed';
}

export class TopologyBuilder {
  private readonly bolts = new Map<string, BoltEntry>();
  private readonly spouts = new Map<string, SpoutEntry>();
  private readonly stateSpouts = new Map<string, Entry>();
  private readonly workerHooks: IWorkerHook[] = [];
  private hasStatefulBolt = false;

  setSpout(id: string, spout: IComponent | SerializableSupplier, parallelismHint?: Hint): SpoutDeclarer {
    this.validateUnusedId(id);
    const kind = classifySpout(spout);
    const object = (kind === 'lambda' ? new LambdaSpout(spout as SerializableSupplier) : spout) as IComponent;
    const entry: SpoutEntry = {
      ...this.initCommon(id, object, parallelismHint),
      kind: kind === 'lambda' ? 'rich' : kind,
    };
    this.spouts.set(id, entry);
    return new SpoutDeclarer(entry);
  }

  setBolt(id: string, bolt: IComponent, parallelismHint?: Hint): BoltDeclarer;
  setBolt(id: string, consumer: SerializableConsumer, parallelismHint?: Hint): BoltDeclarer;
  setBolt(id: string, biConsumer: SerializableBiConsumer, parallelismHint: Hint, ...fields: string[]): BoltDeclarer;
  setBolt(id: string, biConsumer: SerializableBiConsumer, ...fields: string[]): BoltDeclarer;
  setBolt(id: string, bolt: unknown, ...rest: unknown[]): BoltDeclarer {
    this.validateUnusedId(id);
    let kind = classifyBolt(bolt);
    let object: IComponent;
    let hint: Hint;
    if (kind === 'lambda-bi-consumer') {
      // A number (or null) in third position is the hint; every string after it is a field.
      const first = rest[0];
      const hasHint = rest.length > 0 && typeof first !== 'string';
      hint = hasHint ? (first as Hint) : undefined;
      const fields = (hasHint ? rest.slice(1) : rest).map((f) => {
        if (typeof f !== 'string') throw new TypeError('setBolt: lambda output fields must be strings');
        return f;
      });
      object = new LambdaBiConsumerBolt(bolt as SerializableBiConsumer, fields);
      kind = 'basic';
    } else if (kind === 'lambda-consumer') {
      object = new LambdaConsumerBolt(bolt as SerializableConsumer);
      hint = rest[0] as Hint;
      kind = 'basic';
    } else {
      object = bolt as IComponent;
      hint = rest[0] as Hint;
    }
    const entry: BoltEntry = { ...this.initCommon(id, object, hint), kind };
    if (isStateful(kind)) this.hasStatefulBolt = true;
    this.bolts.set(id, entry);
    return new BoltDeclarer(entry);
  }

  /** Storm keeps state spouts in the structure; stormshift stores them and never runs them. */
  setStateSpout(id: string, stateSpout: IComponent, parallelismHint?: Hint): void {
    this.validateUnusedId(id);
    this.stateSpouts.set(id, this.initCommon(id, stateSpout, parallelismHint));
  }

  addWorkerHook(workerHook: IWorkerHook): void {
    if (workerHook == null) throw new IllegalArgumentException('WorkerHook must not be null.');
    this.workerHooks.push(workerHook);
  }

  /**
   * Builds the `StormTopology`: calls `declareOutputFields` once per component, wires the
   * checkpoint streams when a bolt is stateful, and trial-clones every component (R9).
   */
  createTopology(): StormTopology {
    if (this.hasStatefulBolt) this.setSpout(CP.CHECKPOINT_COMPONENT_ID, checkpointSpoutFactory(), 1);
    const bolts = new Map<string, Bolt>();
    const spouts = new Map<string, SpoutSpec>();
    for (const [id, e] of this.bolts) {
      const streams = this.declareStreams(e.object);
      // Storm's windowed executor declares the late-tuple stream itself (§9).
      const late =
        e.jsonConf === null
          ? undefined
          : (JSON.parse(e.jsonConf) as Record<string, unknown>)[CONFIG_KEYS.TOPOLOGY_BOLTS_LATE_TUPLE_STREAM];
      if (typeof late === 'string' && (e.kind === 'windowed' || e.kind === 'stateful-windowed') && !streams.has(late)) {
        streams.set(late, new StreamInfo([LATE_TUPLE_FIELD], false));
      }
      const inputs = new GlobalStreamIdMap<Grouping>(e.inputs);
      if (this.hasStatefulBolt) {
        if (!streams.has(CP.CHECKPOINT_STREAM_ID)) {
          streams.set(
            CP.CHECKPOINT_STREAM_ID,
            new StreamInfo([CP.CHECKPOINT_FIELD_TXID, CP.CHECKPOINT_FIELD_ACTION], false),
          );
        }
        this.addCheckpointInputs(inputs);
      }
      cloneComponent(e.object, 'Bolt', id);
      bolts.set(id, new Bolt(e.object, new ComponentCommon(inputs, streams, e.hint, e.jsonConf), e.kind));
    }
    for (const [id, e] of this.spouts) {
      const streams = this.declareStreams(e.object);
      cloneComponent(e.object, 'Spout', id);
      spouts.set(
        id,
        new SpoutSpec(
          e.object,
          new ComponentCommon(new GlobalStreamIdMap(e.inputs), streams, e.hint, e.jsonConf),
          e.kind,
        ),
      );
    }
    const stateSpouts = new Map<string, StateSpoutSpec>();
    for (const [id, e] of this.stateSpouts) {
      stateSpouts.set(
        id,
        new StateSpoutSpec(
          e.object,
          new ComponentCommon(new GlobalStreamIdMap(), this.declareStreams(e.object), e.hint, e.jsonConf),
        ),
      );
    }
    return new StormTopology(spouts, bolts, stateSpouts, this.workerHooks);
  }

  private declareStreams(component: IComponent): Map<string, StreamInfo> {
    const getter = new OutputFieldsGetter();
    component.declareOutputFields(getter);
    return new Map(getter.getFieldsDeclaration());
  }

  /** Spout inputs subscribe to `$checkpointspout/$checkpoint`, bolt inputs to `<upstream>/$checkpoint`; all grouping. */
  private addCheckpointInputs(inputs: GlobalStreamIdMap<Grouping>): void {
    const extra = new GlobalStreamIdMap<Grouping>();
    for (const gsid of inputs.keys()) {
      const source = gsid.get_componentId();
      const from = this.spouts.has(source) ? CP.CHECKPOINT_COMPONENT_ID : source;
      extra.set(new GlobalStreamId(from, CP.CHECKPOINT_STREAM_ID), Grouping.all());
    }
    for (const [k, v] of extra) inputs.set(k, v);
  }

  private validateUnusedId(id: string): void {
    if (this.bolts.has(id)) throw new IllegalArgumentException(`Bolt has already been declared for id ${id}`);
    if (this.spouts.has(id)) throw new IllegalArgumentException(`Spout has already been declared for id ${id}`);
    if (this.stateSpouts.has(id))
      throw new IllegalArgumentException(`State spout has already been declared for id ${id}`);
  }

  private initCommon(id: string, component: IComponent, hint: Hint): Entry {
    const parallelism = normaliseHint(hint);
    // Read now, stored as a JSON copy: later mutation of the component's map has no effect (§3.1).
    const own: unknown =
      typeof component.getComponentConfiguration === 'function' ? component.getComponentConfiguration() : null;
    const plain = own instanceof Map ? Object.fromEntries(own) : (own as Record<string, unknown> | null);
    const jsonConf = plain == null ? null : JSON.stringify(validateConf(plain));
    return { id, object: component, hint: parallelism, jsonConf, inputs: new GlobalStreamIdMap(), sharedMemory: [] };
  }
}
