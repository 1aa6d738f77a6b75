/**
 * The hash join the migration generates for a JoinBolt, against compat's JoinBolt itself: a
 * three-stream join (inner and left, qualified and unqualified select fields) is migrated in a
 * temp project, its generated window function is loaded, and both get the same random windows
 * (keys from a small set, nulls included). Output records must be equal, in the same order.
 */
import fc from 'fast-check';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OutputCollector } from '../../compat/component/collectors.ts';
import type { TopologyContext } from '../../compat/component/context.ts';
import { Count } from '../../compat/windowing/count.ts';
import { JoinBolt } from '../../compat/windowing/join-bolt.ts';
import { TupleWindowImpl } from '../../compat/windowing/window.ts';
import { migrate } from '../../transpiler/index.ts';
import { tupleFactory } from '../compat/windowing/helpers.ts';
import { removeSandbox, sandbox } from './sandbox.ts';

const SCHEMA = { users: ['userId', 'name'], orders: ['userId', 'amount'], cities: ['uid', 'city'] };

const spout = (name: string, fields: string[]): string => `export class ${name} extends BaseRichSpout {
  private collector!: SpoutOutputCollector;
  open(_conf: unknown, _context: unknown, collector: SpoutOutputCollector): void {
    this.collector = collector;
  }
  nextTuple(): void {
    this.collector.emit(new Values(${fields.map((f) => `'${f}'`).join(', ')}));
  }
  override declareOutputFields(declarer: OutputFieldsDeclarer): void {
    declarer.declare(new Fields(${fields.map((f) => `'${f}'`).join(', ')}));
  }
}
`;

const TOPOLOGY = `import { BaseRichSpout, Count, Fields, JoinBolt, TopologyBuilder, Values, type OutputFieldsDeclarer, type SpoutOutputCollector } from '../compat/index.ts';

${spout('Users', SCHEMA.users)}
${spout('Orders', SCHEMA.orders)}
${spout('Cities', SCHEMA.cities)}
const builder = new TopologyBuilder();
builder.setSpout('users', new Users());
builder.setSpout('orders', new Orders());
builder.setSpout('cities', new Cities());
builder
  .setBolt('joiner', new JoinBolt('users', 'userId').leftJoin('orders', 'userId', 'users').join('cities', 'uid', 'users').select('userId,name,orders:amount,city,cities:uid').withTumblingWindow(Count.of(5)))
  .fieldsGrouping('users', new Fields('userId'))
  .fieldsGrouping('orders', new Fields('userId'))
  .fieldsGrouping('cities', new Fields('uid'));

export default builder.createTopology();
`;

type JoinFn = (key: number, elements: unknown[], out: { collect(v: Record<string, unknown>): void }) => void;

const dir = sandbox();
let generated: JoinFn;

beforeAll(async () => {
  mkdirSync(join(dir, 'src'));
  const file = join(dir, 'src', 'topology.ts');
  writeFileSync(file, TOPOLOGY);
  const result = await migrate({ paths: ['src'], cwd: dir });
  const after = result.changes.get(file)?.after;
  if (!after) throw new Error(`not migrated: ${JSON.stringify(result.report.files)}`);
  const start = after.indexOf("/** The JoinBolt 'joiner'");
  // The generated function on its own, exported, so the test can call it.
  const module = join(dir, 'src', 'join-function.ts');
  writeFileSync(module, `import type { Collector } from '../runtime/index.ts';\nexport ${after.slice(start)}`);
  generated = ((await import(pathToFileURL(module).href)) as { joinerJoin: JoinFn }).joinerJoin;
}, 120_000);

afterAll(() => removeSandbox(dir));

const mk = tupleFactory(
  Object.fromEntries(Object.entries(SCHEMA).map(([source, fields]) => [`${source}:default`, fields])),
);

function compatJoin(window: Array<{ source: keyof typeof SCHEMA; values: unknown[] }>): unknown[][] {
  const bolt = new JoinBolt('users', 'userId')
    .leftJoin('orders', 'userId', 'users')
    .join('cities', 'uid', 'users')
    .select('userId,name,orders:amount,city,cities:uid')
    .withTumblingWindow(Count.of(5));
  const emitted: unknown[][] = [];
  const collector = { emit: (_anchors: unknown, values: unknown[]) => void emitted.push(values) };
  bolt.prepare({}, {} as TopologyContext, collector as unknown as OutputCollector);
  const tuples = window.map((t) => mk(t.source, 'default', t.values));
  bolt.execute(new TupleWindowImpl(tuples, tuples, []));
  return emitted;
}

describe('the generated JoinBolt window function', () => {
  it('emits what compat JoinBolt emits for the same window, in the same order', () => {
    const key = fc.constantFrom('u1', 'u2', 'u3', null);
    const element = fc.oneof(
      fc.record({ source: fc.constant('users' as const), values: fc.tuple(key, fc.constantFrom('ann', 'bob', null)) }),
      fc.record({ source: fc.constant('orders' as const), values: fc.tuple(key, fc.integer({ min: 0, max: 9 })) }),
      fc.record({ source: fc.constant('cities' as const), values: fc.tuple(key, fc.constantFrom('oslo', 'rome')) }),
    );
    let joined = 0;
    fc.assert(
      fc.property(fc.array(element, { maxLength: 14 }), (window) => {
        const native: unknown[][] = [];
        const elements = window.map((t) => ({
          source: t.source,
          record: Object.fromEntries(SCHEMA[t.source].map((f, i) => [f, t.values[i]])),
        }));
        generated(0, elements, { collect: (v) => void native.push(Object.values(v)) });
        expect(native).toEqual(compatJoin(window));
        joined += native.length;
      }),
      { numRuns: 300 },
    );
    // Not vacuous: many windows joined something.
    expect(joined).toBeGreaterThan(100);
  });
});
