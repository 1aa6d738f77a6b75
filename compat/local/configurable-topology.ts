/**
 * Storm's `ConfigurableTopology` (§12): `start` reads `-conf <file.yaml>` into `conf` (a YAML
 * whose only key is `config` contributes that nested map), then runs the subclass.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { CONFIG_KEYS } from '../component/config-keys.ts';
import { Config, type Conf } from '../component/config.ts';
import type { TopologyBuilder } from '../topology/topology-builder.ts';
import { StormSubmitter } from './storm-submitter.ts';

export abstract class ConfigurableTopology {
  protected conf: Config = new Config();

  protected abstract run(args: string[]): number | Promise<number>;

  static async start(topology: ConfigurableTopology, args: readonly string[]): Promise<number> {
    const remaining: string[] = [];
    for (let i = 0; i < args.length; i++) {
      if (args[i] === '-conf' && i + 1 < args.length) {
        ConfigurableTopology.loadConf(args[++i]!, topology.conf);
      } else {
        remaining.push(args[i]!);
      }
    }
    return topology.run(remaining);
  }

  /** Merges a YAML file into `conf`. */
  static loadConf(resource: string, conf: Conf): Conf {
    const parsed: unknown = parse(readFileSync(resource, 'utf8'));
    if (parsed === null || typeof parsed !== 'object') return conf;
    let map = parsed as Record<string, unknown>;
    const keys = Object.keys(map);
    if (keys.length === 1 && keys[0] === 'config' && map['config'] !== null && typeof map['config'] === 'object') {
      map = map['config'] as Record<string, unknown>;
    }
    Object.assign(conf, map);
    return conf;
  }

  protected submit(name: string, conf: Conf, builder: TopologyBuilder): Promise<number>;
  protected submit(conf: Conf, builder: TopologyBuilder): Promise<number>;
  protected async submit(a: string | Conf, b: Conf | TopologyBuilder, c?: TopologyBuilder): Promise<number> {
    const name = typeof a === 'string' ? a : String(a[CONFIG_KEYS.TOPOLOGY_NAME]);
    const conf = (typeof a === 'string' ? b : a) as Conf;
    const builder = (typeof a === 'string' ? c : b) as TopologyBuilder;
    try {
      await StormSubmitter.submitTopology(name, conf, builder.createTopology());
      return 0;
    } catch (error) {
      process.stderr.write(
        `[stormshift] error: failed to submit topology ${name}: ${String((error as Error)?.stack ?? error)}\n`,
      );
      return -1;
    }
  }
}
