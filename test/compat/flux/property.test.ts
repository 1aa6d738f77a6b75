import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import {
  Fields,
  TopologyBuilder,
  loadFluxTopology,
  type BoltDeclarer,
  type ComponentCommon,
  type StormTopology,
} from '../../../compat/index.ts';
import { FirstTaskGrouping, PassBolt, WordSpout } from './fixtures/components.ts';

const FIX = fileURLToPath(new URL('./fixtures/components.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'flux-property-'));

const TYPES = ['SHUFFLE', 'FIELDS', 'ALL', 'GLOBAL', 'NONE', 'LOCAL_OR_SHUFFLE', 'DIRECT', 'CUSTOM'] as const;
type GroupingType = (typeof TYPES)[number];

interface Edge {
  from: number;
  stream: 'default' | 'other';
  type: GroupingType;
}
interface Vertex {
  parallelism: number;
  numTasks: number | null;
}
interface Shape {
  spouts: Vertex[];
  bolts: Array<Vertex & { inputs: Edge[] }>;
}

const vertex = fc.record({
  parallelism: fc.integer({ min: 1, max: 4 }),
  numTasks: fc.option(fc.integer({ min: 1, max: 8 }), { nil: null }),
});

/** Bolt i reads from spouts or bolts before it (indices into spouts ++ bolts), so every source exists. */
const shape: fc.Arbitrary<Shape> = fc.integer({ min: 1, max: 3 }).chain((ns) =>
  fc.record({
    spouts: fc.array(vertex, { minLength: ns, maxLength: ns }),
    bolts: fc.integer({ min: 1, max: 5 }).chain((nb) =>
      fc.tuple(
        ...Array.from({ length: nb }, (_, i) =>
          fc.record({
            parallelism: fc.integer({ min: 1, max: 4 }),
            numTasks: fc.option(fc.integer({ min: 1, max: 8 }), { nil: null }),
            inputs: fc.array(
              fc.record({
                from: fc.integer({ min: 0, max: ns + i - 1 }),
                stream: fc.constantFrom('default' as const, 'other' as const),
                type: fc.constantFrom(...TYPES),
              }),
              { minLength: 1, maxLength: 3 },
            ),
          }),
        ),
      ),
    ),
  }),
);

function ids(s: Shape): string[] {
  return [...s.spouts.map((_, i) => `spout${i}`), ...s.bolts.map((_, i) => `bolt${i}`)];
}

const fieldOf = (stream: string): string => (stream === 'default' ? 'word' : 'side');

function toYaml(s: Shape): string {
  const names = ids(s);
  const vertexYaml = (id: string, v: Vertex, cls: string): Record<string, unknown> => ({
    id,
    className: `${FIX}#${cls}`,
    parallelism: v.parallelism,
    ...(v.numTasks !== null ? { numTasks: v.numTasks } : {}),
  });
  return stringify({
    name: 'prop',
    spouts: s.spouts.map((v, i) => vertexYaml(`spout${i}`, v, 'WordSpout')),
    bolts: s.bolts.map((v, i) => vertexYaml(`bolt${i}`, v, 'PassBolt')),
    streams: s.bolts.flatMap((b, i) =>
      b.inputs.map((e) => ({
        from: names[e.from],
        to: `bolt${i}`,
        grouping: {
          type: e.type,
          ...(e.stream !== 'default' ? { streamId: e.stream } : {}),
          ...(e.type === 'FIELDS' ? { args: [fieldOf(e.stream)] } : {}),
          ...(e.type === 'CUSTOM' ? { customClass: { className: `${FIX}#FirstTaskGrouping` } } : {}),
        },
      })),
    ),
  });
}

/** The same topology through TopologyBuilder, wired in Flux's order (streams in file order). */
function byBuilder(s: Shape): StormTopology {
  const names = ids(s);
  const b = new TopologyBuilder();
  s.spouts.forEach((v, i) => {
    const d = b.setSpout(`spout${i}`, new WordSpout(), v.parallelism);
    if (v.numTasks !== null) d.setNumTasks(v.numTasks);
  });
  s.bolts.forEach((v, i) => {
    let d: BoltDeclarer | undefined;
    for (const e of v.inputs) {
      if (d === undefined) {
        d = b.setBolt(`bolt${i}`, new PassBolt(), v.parallelism);
        if (v.numTasks !== null) d.setNumTasks(v.numTasks);
      }
      const from = names[e.from]!;
      switch (e.type) {
        case 'SHUFFLE':
          d.shuffleGrouping(from, e.stream);
          break;
        case 'FIELDS':
          d.fieldsGrouping(from, e.stream, new Fields(fieldOf(e.stream)));
          break;
        case 'ALL':
          d.allGrouping(from, e.stream);
          break;
        case 'GLOBAL':
          d.globalGrouping(from, e.stream);
          break;
        case 'NONE':
          d.noneGrouping(from, e.stream);
          break;
        case 'LOCAL_OR_SHUFFLE':
          d.localOrShuffleGrouping(from, e.stream);
          break;
        case 'DIRECT':
          d.directGrouping(from, e.stream);
          break;
        case 'CUSTOM':
          d.customGrouping(from, e.stream, new FirstTaskGrouping());
          break;
      }
    }
  });
  return b.createTopology();
}

/** Component graph, parallelism, conf, declared streams and groupings, as comparable data. */
function describeTopology(t: StormTopology): unknown {
  const out: Record<string, unknown> = {};
  const all: Array<[string, ComponentCommon]> = [
    ...[...t.get_spouts()].map(([id, s]): [string, ComponentCommon] => [`spout:${id}`, s.get_common()]),
    ...[...t.get_bolts()].map(([id, b]): [string, ComponentCommon] => [`bolt:${id}`, b.get_common()]),
  ];
  for (const [id, c] of all.sort((a, b) => a[0].localeCompare(b[0]))) {
    out[id] = {
      parallelism: c.get_parallelism_hint(),
      conf: JSON.parse(c.get_json_conf() || '{}'),
      streams: Object.fromEntries([...c.get_streams()].map(([s, info]) => [s, info.get_output_fields()]).sort()),
      inputs: [...c.get_inputs()]
        .map(([g, gr]) => [
          g.get_componentId(),
          g.get_streamId(),
          gr.getSetField(),
          gr.is_set_fields() ? gr.get_fields() : null,
        ])
        .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
    };
  }
  return out;
}

describe('Flux property: a random Flux file builds the topology TopologyBuilder builds', () => {
  it('same components, parallelism, tasks, streams and groupings', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(shape, async (s) => {
        const file = join(dir, `p${++n}.yaml`);
        writeFileSync(file, toYaml(s));
        const ft = await loadFluxTopology(file);
        expect(describeTopology(ft.topology)).toEqual(describeTopology(byBuilder(s)));
      }),
      { numRuns: 60 },
    );
  });
});
