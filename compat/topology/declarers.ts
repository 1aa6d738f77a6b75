/** Fluent declarers returned by `setSpout`/`setBolt` (§3.2, §3.3). */
import { Config, validateConf, type Conf } from '../component/config.ts';
import { IllegalArgumentException } from '../component/exceptions.ts';
import { Fields } from '../component/fields.ts';
import { GlobalStreamId, type GlobalStreamIdMap } from '../component/global-stream-id.ts';
import type { CustomStreamGrouping } from '../component/interfaces.ts';
import { Utils } from '../component/utils.ts';
import { PartialKeyGrouping } from './partial-key-grouping.ts';
import { Grouping } from './storm-topology.ts';

/** The builder's mutable record of one component; declarers write into it. */
export interface ComponentRecord {
  readonly id: string;
  jsonConf: string | null;
  readonly inputs: GlobalStreamIdMap<Grouping>;
  /** Shared-memory requests (resource-aware scheduling, §1): stored, ignored. */
  readonly sharedMemory: unknown[];
}

function truncInt(n: number | bigint): number {
  return typeof n === 'bigint' ? Number(n) : Math.trunc(Number(n));
}

function parse(json: string | null): Conf {
  return json === null ? {} : (JSON.parse(json) as Conf);
}

abstract class BaseConfigurationDeclarer<T> {
  protected readonly record: ComponentRecord;

  constructor(record: ComponentRecord) {
    this.record = record;
  }

  /** Merges into the component conf; declarer settings win over the component's own map. */
  addConfigurations(conf: Conf | Map<string, unknown> | null | undefined): T {
    if (conf == null) return this as unknown as T;
    const plain: Conf = conf instanceof Map ? Object.fromEntries(conf) : conf;
    if (Object.hasOwn(plain, Config.TOPOLOGY_KRYO_REGISTER)) {
      throw new IllegalArgumentException('Cannot set serializations for a component using fluent API');
    }
    const checked = validateConf(plain);
    if (Object.keys(checked).length > 0) {
      this.record.jsonConf = JSON.stringify({ ...parse(this.record.jsonConf), ...checked });
    }
    return this as unknown as T;
  }

  addConfiguration(key: string, value: unknown): T {
    return this.addConfigurations({ [key]: value });
  }

  getComponentConfiguration(): Conf {
    return parse(this.record.jsonConf);
  }

  setDebug(debug: boolean): T {
    return this.addConfiguration(Config.TOPOLOGY_DEBUG, debug);
  }

  setMaxTaskParallelism(val: number | bigint | null | undefined): T {
    if (val != null) this.addConfiguration(Config.TOPOLOGY_MAX_TASK_PARALLELISM, truncInt(val));
    return this as unknown as T;
  }

  setMaxSpoutPending(val: number | bigint | null | undefined): T {
    if (val != null) this.addConfiguration(Config.TOPOLOGY_MAX_SPOUT_PENDING, truncInt(val));
    return this as unknown as T;
  }

  setNumTasks(val: number | bigint | null | undefined): T {
    if (val != null) this.addConfiguration(Config.TOPOLOGY_TASKS, truncInt(val));
    return this as unknown as T;
  }

  // Resource-aware scheduling (§1): stored in the component conf, ignored by the runtime.
  setMemoryLoad(onHeap: number, offHeap?: number): T {
    const conf: Conf = { [Config.TOPOLOGY_COMPONENT_RESOURCES_ONHEAP_MEMORY_MB]: Number(onHeap) };
    if (offHeap !== undefined) conf[Config.TOPOLOGY_COMPONENT_RESOURCES_OFFHEAP_MEMORY_MB] = Number(offHeap);
    return this.addConfigurations(conf);
  }

  setCPULoad(amount: number): T {
    return this.addConfiguration(Config.TOPOLOGY_COMPONENT_CPU_PCORE_PERCENT, Number(amount));
  }

  addResource(resourceName: string, resourceValue: number): T {
    return this.addResources({ [resourceName]: resourceValue });
  }

  addResources(resources: Record<string, number> | Map<string, number>): T {
    const key = Config.TOPOLOGY_COMPONENT_RESOURCES_MAP;
    const current = (this.getComponentConfiguration()[key] as Record<string, number> | undefined) ?? {};
    const add = resources instanceof Map ? Object.fromEntries(resources) : resources;
    return this.addConfiguration(key, { ...current, ...add });
  }

  addSharedMemory(request: unknown): T {
    this.record.sharedMemory.push(request);
    return this as unknown as T;
  }
}

export class SpoutDeclarer extends BaseConfigurationDeclarer<SpoutDeclarer> {}

/**
 * Grouping methods: each as `(componentId, …)` on "default" and `(componentId, streamId, …)`.
 * Subscribing twice to one (component, stream) keeps only the last grouping.
 */
export class BoltDeclarer extends BaseConfigurationDeclarer<BoltDeclarer> {
  fieldsGrouping(componentId: string, fields: Fields): BoltDeclarer;
  fieldsGrouping(componentId: string, streamId: string, fields: Fields): BoltDeclarer;
  fieldsGrouping(componentId: string, a: string | Fields, b?: Fields): BoltDeclarer {
    const [streamId, fields] = typeof a === 'string' ? [a, b] : [Utils.DEFAULT_STREAM_ID, a];
    if (!(fields instanceof Fields)) throw new TypeError('fieldsGrouping: expected a Fields');
    return this.subscribe(componentId, streamId, Grouping.fields(fields.toList()));
  }

  globalGrouping(componentId: string, streamId: string = Utils.DEFAULT_STREAM_ID): BoltDeclarer {
    return this.subscribe(componentId, streamId, Grouping.fields([]));
  }

  shuffleGrouping(componentId: string, streamId: string = Utils.DEFAULT_STREAM_ID): BoltDeclarer {
    return this.subscribe(componentId, streamId, Grouping.shuffle());
  }

  localOrShuffleGrouping(componentId: string, streamId: string = Utils.DEFAULT_STREAM_ID): BoltDeclarer {
    return this.subscribe(componentId, streamId, Grouping.local_or_shuffle());
  }

  noneGrouping(componentId: string, streamId: string = Utils.DEFAULT_STREAM_ID): BoltDeclarer {
    return this.subscribe(componentId, streamId, Grouping.none());
  }

  allGrouping(componentId: string, streamId: string = Utils.DEFAULT_STREAM_ID): BoltDeclarer {
    return this.subscribe(componentId, streamId, Grouping.all());
  }

  directGrouping(componentId: string, streamId: string = Utils.DEFAULT_STREAM_ID): BoltDeclarer {
    return this.subscribe(componentId, streamId, Grouping.direct());
  }

  partialKeyGrouping(componentId: string, fields?: Fields | null): BoltDeclarer;
  partialKeyGrouping(componentId: string, streamId: string, fields?: Fields | null): BoltDeclarer;
  partialKeyGrouping(componentId: string, a?: string | Fields | null, b?: Fields | null): BoltDeclarer {
    const [streamId, fields] = typeof a === 'string' ? [a, b] : [Utils.DEFAULT_STREAM_ID, a];
    return this.customGrouping(componentId, streamId, new PartialKeyGrouping(fields ?? null));
  }

  customGrouping(componentId: string, grouping: CustomStreamGrouping): BoltDeclarer;
  customGrouping(componentId: string, streamId: string, grouping: CustomStreamGrouping): BoltDeclarer;
  customGrouping(componentId: string, a: string | CustomStreamGrouping, b?: CustomStreamGrouping): BoltDeclarer {
    const [streamId, grouping] = typeof a === 'string' ? [a, b] : [Utils.DEFAULT_STREAM_ID, a];
    if (grouping == null || typeof grouping.chooseTasks !== 'function' || typeof grouping.prepare !== 'function') {
      throw new TypeError('customGrouping: expected a CustomStreamGrouping (prepare and chooseTasks)');
    }
    return this.subscribe(componentId, streamId, Grouping.custom_serialized(grouping));
  }

  /** Raw escape hatch: any Thrift grouping on any stream. */
  grouping(id: GlobalStreamId, grouping: Grouping): BoltDeclarer {
    if (!(grouping instanceof Grouping)) throw new TypeError('grouping: expected a Grouping');
    this.record.inputs.set(new GlobalStreamId(id.get_componentId(), id.get_streamId()), grouping);
    return this;
  }

  private subscribe(componentId: string, streamId: string, grouping: Grouping): BoltDeclarer {
    return this.grouping(new GlobalStreamId(componentId, streamId), grouping);
  }
}

/** Storm's `InputDeclarer` is the grouping half of `BoltDeclarer`. */
export type InputDeclarer = BoltDeclarer;
export type ComponentConfigurationDeclarer = SpoutDeclarer | BoltDeclarer;
