/** Submit-time validation (§3.5), in Storm's order: submitter checks, then Nimbus' basic and structural checks. */
import { CONFIG_KEYS } from '../component/config-keys.ts';
import { confInt, validateConf, type Conf } from '../component/config.ts';
import { IllegalArgumentException, InvalidTopologyException } from '../component/exceptions.ts';
import { Utils } from '../component/utils.ts';
import type { ComponentCommon, StormTopology } from './storm-topology.ts';

const TOPOLOGY_NAME_REGEX = /^[^/.:\\]+$/;

export function validateTopologyName(name: string): void {
  if (typeof name !== 'string' || !TOPOLOGY_NAME_REGEX.test(name)) {
    throw new IllegalArgumentException(
      `Topology name '${name}' is not valid. It can't be null and it must match ^[^/.:\\\\]+$`,
    );
  }
}

/**
 * Validates a submission and returns the normalised conf (R5). Throws `IllegalArgumentException`
 * for the name and the conf, `InvalidTopologyException` for the structure, with Storm's messages.
 */
export function validateTopology(name: string, conf: Conf | null | undefined, topology: StormTopology): Conf {
  validateTopologyName(name);
  const normalised = validateConf(conf);
  if (topology.get_spouts().size === 0) throw new InvalidTopologyException(`Topology ${name} does not have any spout`);
  validateBasic(topology);
  validateStructure(topology);
  return normalised;
}

function validateIds(components: Map<string, ComponentCommon>): string[] {
  for (const id of components.keys()) {
    if (Utils.isSystemId(id)) throw new InvalidTopologyException(`${id} is not a valid component id.`);
  }
  for (const common of components.values()) {
    for (const s of common.get_streams().keys()) {
      if (Utils.isSystemId(s)) throw new InvalidTopologyException(`${s} is not a valid stream id.`);
    }
  }
  return [...components.keys()];
}

export function validateBasic(topology: StormTopology): void {
  const ids: string[] = [];
  const commonsOf = <T extends { get_common(): ComponentCommon }>(m: Map<string, T>): Map<string, ComponentCommon> =>
    new Map([...m].map(([k, v]) => [k, v.get_common()]));
  ids.push(...validateIds(commonsOf(topology.get_bolts())));
  ids.push(...validateIds(commonsOf(topology.get_spouts())));
  ids.push(...validateIds(commonsOf(topology.get_state_spouts())));
  const seen = new Set<string>();
  const repeated: string[] = [];
  for (const id of ids) {
    if (seen.has(id) && !repeated.includes(id)) repeated.push(id);
    seen.add(id);
  }
  if (repeated.length > 0) throw new InvalidTopologyException(`Duplicate component ids: [${repeated.join(', ')}]`);

  for (const spec of [...topology.get_spouts().values(), ...topology.get_state_spouts().values()]) {
    if (spec.get_common().get_inputs().size > 0)
      throw new InvalidTopologyException('May not declare inputs for a spout');
  }

  for (const common of topology.allComponents().values()) {
    const tasks = confInt(common.parsedConf(), CONFIG_KEYS.TOPOLOGY_TASKS, 0);
    const hint = common.is_set_parallelism_hint() ? common.get_parallelism_hint() : 1;
    if (tasks > 0 && hint <= 0) {
      throw new InvalidTopologyException(
        'Number of executors must be greater than 0 when number of tasks is greater than 0',
      );
    }
  }
}

export function validateStructure(topology: StormTopology): void {
  const components = topology.allComponents();
  for (const [componentId, common] of components) {
    for (const [gsid, grouping] of common.get_inputs()) {
      const sourceComponentId = gsid.get_componentId();
      const sourceStreamId = gsid.get_streamId();
      const source = components.get(sourceComponentId);
      if (source === undefined) {
        throw new InvalidTopologyException(
          `Component: [${componentId}] subscribes from non-existent component [${sourceComponentId}]`,
        );
      }
      if (!source.get_streams().has(sourceStreamId)) {
        throw new InvalidTopologyException(
          `Component: [${componentId}] subscribes from non-existent stream: [${sourceStreamId}] of component [${sourceComponentId}]`,
        );
      }
      if (grouping.is_set_fields()) {
        // Storm checks against the union of all the source's streams, not the subscribed one.
        const union = new Set<string>();
        for (const info of source.get_streams().values()) for (const f of info.get_output_fields()) union.add(f);
        const missing = grouping.get_fields().filter((f) => !union.has(f));
        if (missing.length > 0) {
          throw new InvalidTopologyException(
            `Component: [${componentId}] subscribes from stream: [${sourceStreamId}] of component [${sourceComponentId}] + with non-existent fields: [${missing.join(', ')}]`,
          );
        }
      }
    }
  }
}
