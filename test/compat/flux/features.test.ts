import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  Count,
  Duration,
  KafkaSpout,
  RedisStoreBolt,
  loadFluxTopology,
  type StormTopology,
} from '../../../compat/index.ts';

const FIX = fileURLToPath(new URL('./fixtures/components.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'flux-features-'));
function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

function boltObject(t: StormTopology, id: string): Record<string, unknown> {
  return t.get_bolts().get(id)!.get_bolt_object() as Record<string, unknown>;
}

describe('Flux features', () => {
  it('components with constructorArgs, ref, reflist, properties, configMethods and static factories', async () => {
    const f = file(
      'components.yaml',
      `
name: comp
components:
  - id: settings
    className: "${FIX}#Settings"
    factory: of
    factoryArgs: ["redis.local", 6380]
  - id: count
    className: "org.apache.storm.topology.base.BaseWindowedBolt$Count"
    constructorArgs: [10]
  - id: duration
    className: "org.apache.storm.topology.base.BaseWindowedBolt$Duration"
    constructorArgs: [5, SECONDS]
  - id: minutes
    className: "org.apache.storm.topology.base.BaseWindowedBolt$Duration"
    factory: minutes
    factoryArgs: [2]
spouts:
  - id: words
    className: "${FIX}#WordSpout"
bolts:
  - id: pass
    className: "${FIX}#PassBolt"
    constructorArgs: [{ref: settings}, {reflist: [count, duration, minutes]}, "plain", [1, 2]]
    parallelism: 3
    numTasks: 6
    config: { my.key: 7 }
    properties:
      - name: label
        value: "from-yaml"
    configMethods:
      - name: withTags
        args: [a, b]
streams:
  - from: words
    to: pass
    grouping: { type: SHUFFLE }
`,
    );
    const ft = await loadFluxTopology(f);
    const bolt = boltObject(ft.topology, 'pass');
    const [settings, list, plain, nums] = bolt.parts as [Record<string, unknown>, unknown[], string, number[]];
    expect(settings).toMatchObject({ host: 'redis.local', port: 6380 });
    expect(list[0]).toBeInstanceOf(Count);
    expect((list[1] as Duration).value).toBe(5000);
    expect((list[2] as Duration).value).toBe(120_000);
    expect(plain).toBe('plain');
    expect(nums).toEqual([1, 2]);
    expect(bolt.label).toBe('from-yaml');
    expect(bolt.tags).toEqual(['a', 'b']);
    const common = ft.topology.get_bolts().get('pass')!.get_common();
    expect(common.get_parallelism_hint()).toBe(3);
    expect(JSON.parse(common.get_json_conf() ?? '{}')).toMatchObject({ 'my.key': 7, 'topology.tasks': 6 });
  });

  it('Kafka spout config builders and Redis bolts by their Java names', async () => {
    const f = file(
      'external.yaml',
      `
name: ext
components:
  - id: builder
    className: "org.apache.storm.kafka.spout.KafkaSpoutConfig$Builder"
    constructorArgs: ["localhost:9092", ["events"]]
    properties:
      - name: firstPollOffsetStrategy
        value: EARLIEST
    configMethods:
      - name: setProp
        args: [{ "group.id": "g1" }]
  - id: spoutConfig
    className: "org.apache.storm.kafka.spout.KafkaSpoutConfig"
    constructorArgs: [{ref: builder}]
  - id: pool
    className: "org.apache.storm.redis.common.config.JedisPoolConfig$Builder"
    configMethods:
      - name: setHost
        args: ["127.0.0.1"]
      - name: setPort
        args: [6379]
  - id: mapper
    className: "${FIX}#Settings"
spouts:
  - id: kafka
    className: "org.apache.storm.kafka.spout.KafkaSpout"
    constructorArgs: [{ref: spoutConfig}]
bolts:
  - id: store
    className: "org.apache.storm.redis.bolt.RedisStoreBolt"
    constructorArgs: [{ref: pool}, {ref: mapper}]
streams:
  - from: kafka
    to: store
    grouping: { type: LOCAL_OR_SHUFFLE }
`,
    );
    const ft = await loadFluxTopology(f);
    expect(ft.topology.get_spouts().get('kafka')!.get_spout_object()).toBeInstanceOf(KafkaSpout);
    expect(boltObject(ft.topology, 'store')).toBeInstanceOf(RedisStoreBolt);
  });

  it('property filter (${key}, ${list[i]}), env filter (${ENV-NAME}) and includes with override', async () => {
    const props = file('dev.properties', '# dev\nspout.parallelism = 2\nhosts=["h1", "h2"]\nname: filtered-topology\n');
    file(
      'base.yaml',
      `
name: "from-include"
config:
  topology.workers: 3
  shared.key: "included"
bolts:
  - id: pass
    className: "${FIX}#PassBolt"
    parallelism: 5
`,
    );
    const f = file(
      'main.yaml',
      `
name: "\${name}"
includes:
  - resource: false
    file: "base.yaml"
    override: false
config:
  shared.key: "main"
  host: "\${hosts[1]}"
  home: "\${ENV-FLUX_TEST_HOME}"
spouts:
  - id: words
    className: "${FIX}#WordSpout"
    parallelism: \${spout.parallelism}
bolts:
  - id: pass
    className: "${FIX}#PassBolt"
    parallelism: 1
streams:
  - from: words
    to: pass
    grouping: { type: SHUFFLE }
`,
    );
    const env = { FLUX_TEST_HOME: '/srv/flux' };
    const ft = await loadFluxTopology(f, { filter: props, envFilter: true, env });
    expect(ft.name).toBe('filtered-topology');
    expect(ft.conf).toMatchObject({ 'topology.workers': 3, 'shared.key': 'main', host: 'h2', home: '/srv/flux' });
    expect(ft.topology.get_spouts().get('words')!.get_common().get_parallelism_hint()).toBe(2);
    // override: false keeps the including file's bolt.
    expect(ft.topology.get_bolts().get('pass')!.get_common().get_parallelism_hint()).toBe(1);
    expect(ft.warnings).toContain("Ignoring attempt to create bolt 'pass' with override == false.");

    const overriding = file(
      'main2.yaml',
      `
name: mine
includes: [{ file: base.yaml, override: true }]
config:
  shared.key: "main"
  home: "\${ENV-FLUX_TEST_HOME}"
spouts:
  - id: words
    className: "${FIX}#WordSpout"
bolts:
  - id: pass
    className: "${FIX}#PassBolt"
streams:
  - { from: words, to: pass, grouping: { type: SHUFFLE } }
`,
    );
    const ft2 = await loadFluxTopology(overriding, { filter: props });
    expect(ft2.name).toBe('from-include');
    expect(ft2.topology.get_bolts().get('pass')!.get_common().get_parallelism_hint()).toBe(5);
    expect(ft2.conf['shared.key']).toBe('included');
    // Without --env-filter, ${ENV-…} stays as written (Flux logs it).
    expect(ft2.conf.home).toBe('${ENV-FLUX_TEST_HOME}');
  });

  it('topologySource builds an existing topology with the Flux config', async () => {
    const f = file(
      'source.yaml',
      `name: src\nconfig: { test.spouts: 4 }\ntopologySource:\n  className: "${FIX}#ExistingTopology"\n`,
    );
    const ft = await loadFluxTopology(f);
    expect(ft.topology.get_spouts().get('words')!.get_common().get_parallelism_hint()).toBe(4);
  });

  it('custom groupings (TS class and org.apache.storm.testing.NGrouping) and stream ids', async () => {
    const f = file(
      'custom.yaml',
      `
name: custom
spouts:
  - id: words
    className: "${FIX}#WordSpout"
bolts:
  - id: a
    className: "${FIX}#PassBolt"
    parallelism: 3
  - id: b
    className: "${FIX}#PassBolt"
    parallelism: 3
streams:
  - from: words
    to: a
    grouping:
      type: CUSTOM
      customClass: { className: "${FIX}#FirstTaskGrouping" }
  - from: words
    to: b
    grouping:
      type: CUSTOM
      streamId: other
      customClass: { className: "org.apache.storm.testing.NGrouping", constructorArgs: [2] }
`,
    );
    const ft = await loadFluxTopology(f);
    const inputs = ft.topology.get_bolts().get('b')!.get_common().get_inputs();
    const [[gsid, grouping]] = [...inputs];
    expect(gsid.get_streamId()).toBe('other');
    expect(grouping.getSetField()).toBe('custom_serialized');
  });
});
