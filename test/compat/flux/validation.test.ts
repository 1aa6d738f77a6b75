import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { FluxException, loadFluxTopology, supportedJavaClasses } from '../../../compat/index.ts';

const FIX = fileURLToPath(new URL('./fixtures/components.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'flux-validation-'));
let n = 0;
function file(text: string): string {
  const p = join(dir, `t${++n}.yaml`);
  writeFileSync(p, text);
  return p;
}

const SPOUT = `spouts:\n  - id: words\n    className: "${FIX}#WordSpout"\n`;
const BOLT = (id = 'pass'): string => `  - id: ${id}\n    className: "${FIX}#PassBolt"\n`;
const STREAM = (from = 'words', to = 'pass', grouping = '{ type: SHUFFLE }'): string =>
  `  - from: ${from}\n    to: ${to}\n    grouping: ${grouping}\n`;

async function error(text: string): Promise<FluxException> {
  const f = file(text);
  try {
    await loadFluxTopology(f);
  } catch (e) {
    expect(e).toBeInstanceOf(FluxException);
    return e as FluxException;
  }
  throw new Error('expected a FluxException');
}

describe('Flux validation: one clear error naming file, line and column', () => {
  it('YAML syntax error with line and column', async () => {
    const e = await error(`name: x\nspouts:\n  - id: words\n    className: [unclosed\n`);
    expect(e.message).toMatch(/t\d+\.yaml:\d+:\d+: YAML syntax error: /);
  });

  it('a duplicate mapping key is a YAML error at its line', async () => {
    const e = await error(`name: x\nname: y\n`);
    expect(e.message).toMatch(/t\d+\.yaml:2:1: YAML syntax error: Map keys must be unique/);
  });

  it('unknown component reference', async () => {
    const e = await error(
      `name: x\n${SPOUT}bolts:\n  - id: pass\n    className: "${FIX}#PassBolt"\n    constructorArgs: [{ref: nowhere}]\nstreams:\n${STREAM()}`,
    );
    expect(e.message).toMatch(
      /t\d+\.yaml:6:5: unknown component reference 'nowhere' \(a ref must name a component defined above it; defined: none\)/,
    );
  });

  it('a ref to a component defined below is unknown (Flux builds components in order)', async () => {
    const e = await error(
      `name: x\ncomponents:\n  - id: a\n    className: "${FIX}#PassBolt"\n    constructorArgs: [{ref: b}]\n  - id: b\n    className: "${FIX}#Settings"\n${SPOUT}`,
    );
    expect(e.message).toContain("unknown component reference 'b'");
  });

  it('unknown reference in reflist and in a property', async () => {
    expect(
      (
        await error(
          `name: x\ncomponents:\n  - id: a\n    className: "${FIX}#PassBolt"\n    constructorArgs: [{reflist: [zz]}]\n${SPOUT}`,
        )
      ).message,
    ).toContain("unknown component reference 'zz'");
    expect(
      (
        await error(
          `name: x\ncomponents:\n  - id: a\n    className: "${FIX}#PassBolt"\n    properties: [{name: label, ref: yy}]\n${SPOUT}`,
        )
      ).message,
    ).toContain("unknown component reference 'yy'");
  });

  it('missing stream source and target', async () => {
    const from = await error(`name: x\n${SPOUT}bolts:\n${BOLT()}streams:\n${STREAM('nosuch')}`);
    expect(from.message).toMatch(
      /t\d+\.yaml:9:5: stream 'nosuch --> pass': no spout or bolt with id 'nosuch' \(from\); defined: words, pass/,
    );
    const to = await error(`name: x\n${SPOUT}bolts:\n${BOLT()}streams:\n${STREAM('words', 'ghost')}`);
    expect(to.message).toContain("no bolt with id 'ghost' (to)");
    const toSpout = await error(`name: x\n${SPOUT}bolts:\n${BOLT()}streams:\n${STREAM('pass', 'words')}`);
    expect(toSpout.message).toContain("no bolt with id 'words' (to): it is a spout");
  });

  it('duplicate ids: bolts, spouts, components, and a bolt named like a spout', async () => {
    expect((await error(`name: x\n${SPOUT}bolts:\n${BOLT()}${BOLT()}`)).message).toMatch(
      /t\d+\.yaml:8:9: duplicate id 'pass' in bolts \(first defined at .*t\d+\.yaml:6:5\)/,
    );
    expect((await error(`name: x\n${SPOUT}  - id: words\n    className: x\n`)).message).toContain(
      "duplicate id 'words' in spouts",
    );
    expect(
      (
        await error(
          `name: x\ncomponents:\n  - {id: c, className: "${FIX}#Settings"}\n  - {id: c, className: "${FIX}#Settings"}\n${SPOUT}`,
        )
      ).message,
    ).toContain("duplicate id 'c' in components");
    expect((await error(`name: x\n${SPOUT}bolts:\n${BOLT('words')}`)).message).toContain(
      "duplicate id 'words': a spout has the same id",
    );
  });

  it('bad groupings: unknown type, FIELDS without args, CUSTOM without customClass, a grouping that is not one', async () => {
    const unknown = await error(
      `name: x\n${SPOUT}bolts:\n${BOLT()}streams:\n${STREAM('words', 'pass', '{ type: ROUND_ROBIN }')}`,
    );
    expect(unknown.message).toMatch(
      /t\d+\.yaml:11:23: stream 'words --> pass': unknown grouping type 'ROUND_ROBIN'; expected one of ALL, CUSTOM, DIRECT, SHUFFLE, LOCAL_OR_SHUFFLE, FIELDS, GLOBAL, NONE/,
    );
    expect(
      (await error(`name: x\n${SPOUT}bolts:\n${BOLT()}streams:\n${STREAM('words', 'pass', '{ type: FIELDS }')}`))
        .message,
    ).toContain('a FIELDS grouping needs args (the field names)');
    expect(
      (await error(`name: x\n${SPOUT}bolts:\n${BOLT()}streams:\n${STREAM('words', 'pass', '{ type: CUSTOM }')}`))
        .message,
    ).toContain('a CUSTOM grouping needs customClass');
    expect(
      (
        await error(
          `name: x\n${SPOUT}bolts:\n${BOLT()}streams:\n${STREAM('words', 'pass', `{ type: CUSTOM, customClass: { className: "${FIX}#Settings" } }`)}`,
        )
      ).message,
    ).toContain('is not a CustomStreamGrouping');
    expect(
      (await error(`name: x\n${SPOUT}bolts:\n${BOLT()}streams:\n${STREAM('words', 'pass', '')}`)).message,
    ).toContain('grouping is required');
  });

  it('topologySource together with spouts', async () => {
    const e = await error(`name: x\ntopologySource:\n  className: "${FIX}#ExistingTopology"\n${SPOUT}`);
    expect(e.message).toContain(
      'Invalid topology config. Spouts, bolts and streams cannot be defined in the same configuration as a topologySource.',
    );
  });

  it('an unknown Java class lists the supported names and how to provide the component in TS', async () => {
    const e = await error(`name: x\nspouts:\n  - id: s\n    className: "com.example.MySpout"\n`);
    expect(e.message).toMatch(/t\d+\.yaml:3:5: Class 'com\.example\.MySpout' is not available in stormshift/);
    for (const name of supportedJavaClasses()) expect(e.message).toContain(name);
    expect(e.message).toContain('className: "./bolts/split.ts#SplitBolt"');
    expect(supportedJavaClasses()).toEqual(
      expect.arrayContaining([
        'org.apache.storm.flux.wrappers.bolts.FluxShellBolt',
        'org.apache.storm.flux.wrappers.spouts.FluxShellSpout',
        'org.apache.storm.flux.wrappers.bolts.LogInfoBolt',
        'org.apache.storm.testing.TestWordSpout',
        'org.apache.storm.topology.base.BaseWindowedBolt$Count',
        'org.apache.storm.topology.base.BaseWindowedBolt$Duration',
        'org.apache.storm.kafka.spout.KafkaSpoutConfig$Builder',
        'org.apache.storm.redis.bolt.RedisStoreBolt',
        'org.apache.storm.redis.bolt.RedisLookupBolt',
      ]),
    );
  });

  it('a module without the named export, a missing config method, a missing setter, a class that is not a bolt', async () => {
    expect((await error(`name: x\nspouts:\n  - id: s\n    className: "${FIX}#Nope"\n`)).message).toMatch(
      /has no export 'Nope' \(it exports: .*PassBolt/,
    );
    expect(
      (
        await error(
          `name: x\n${SPOUT}bolts:\n  - id: p\n    className: "${FIX}#PassBolt"\n    configMethods: [{name: withNothing}]\n`,
        )
      ).message,
    ).toContain("Unable to find configuration method 'withNothing'");
    expect(
      (
        await error(
          `name: x\n${SPOUT}bolts:\n  - id: p\n    className: "${FIX}#PassBolt"\n    properties: [{name: colour, value: red}]\n`,
        )
      ).message,
    ).toContain("no setter 'setColour' or public field 'colour'");
    expect((await error(`name: x\n${SPOUT}bolts:\n  - id: p\n    className: "${FIX}#Settings"\n`)).message).toContain(
      'Class does not appear to be a bolt',
    );
  });

  it('no spouts, a missing include, a wrongly shaped section', async () => {
    expect((await error(`name: x\nbolts:\n${BOLT()}`)).message).toContain('a Flux topology needs at least one spout');
    expect((await error(`name: x\nincludes: [{file: missing.yaml}]\n${SPOUT}`)).message).toContain(
      'include file not found: missing.yaml',
    );
    expect((await error(`name: x\nspouts: {id: s}\n`)).message).toMatch(/t\d+\.yaml:2:9: spouts must be a list/);
    expect((await error(`name: x\n${SPOUT}    parallelism: two\n`)).message).toContain(
      "spout 'words': parallelism must be an integer",
    );
  });

  it('a bolt no stream reaches is reported as a warning (Flux leaves it out of the topology)', async () => {
    const ft = await loadFluxTopology(file(`name: x\n${SPOUT}bolts:\n${BOLT()}${BOLT('lonely')}streams:\n${STREAM()}`));
    expect(ft.warnings).toEqual([
      "bolt 'lonely' has no incoming stream, so it is not part of the topology (as in Flux)",
    ]);
    expect([...ft.topology.get_bolts().keys()]).toEqual(['pass']);
  });
});
