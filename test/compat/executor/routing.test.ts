import { describe, expect, it } from 'vitest';
import { Fields, LocalCluster, TopologyBuilder, type TopologyContext } from '../../../compat/index.ts';
import { FnBolt, FnSpout, counterSpout } from './fn-components.ts';
import { sleep, waitFor } from '../e2e/fixtures.ts';
import { shutDownAfterEach } from '../cluster-per-test.ts';

let cluster: LocalCluster | undefined;
shutDownAfterEach(
  () => cluster,
  () => (cluster = undefined),
);

interface Seen {
  task: number;
  v: unknown;
  stream: string;
}

function recorder(seen: Seen[]): FnBolt {
  return new FnBolt({
    execute: (t, c, ctx) => {
      seen.push({ task: ctx.getThisTaskId(), v: t.getValue(0), stream: t.getSourceStreamId() });
      c.ack(t);
    },
  });
}

describe('groupings and emit return values (§3.3, §5.3)', () => {
  it('delivers each emit to exactly the tasks emit returned, per grouping', async () => {
    const returned: Array<{ stream: string; v: number; targets: number[] }> = [];
    const seen: Record<string, Seen[]> = { shuffle: [], fields: [], global: [], all: [], none: [], direct: [] };
    const tasks: Record<string, number[]> = {};
    const N = 12;
    const b = new TopologyBuilder();
    b.setSpout(
      'src',
      new FnSpout(
        {
          open: (ctx) => {
            for (const id of Object.keys(seen)) tasks[id] = ctx.getComponentTasks(id);
          },
          next(_ctx, c) {
            const self = this as unknown as { i?: number };
            const i = self.i ?? 0;
            if (i >= N) return;
            self.i = i + 1;
            returned.push({ stream: 'default', v: i, targets: c.emit([i, `k${i % 3}`]) });
            const dt = tasks['direct']![i % tasks['direct']!.length]!;
            c.emitDirect(dt, 'd', [i, 'x']);
            returned.push({ stream: 'd', v: i, targets: [dt] });
          },
        },
        { default: ['v', 'k'], d: { direct: true, fields: ['v', 'k'] } },
      ),
    );
    b.setBolt('shuffle', recorder(seen['shuffle']!), 3).shuffleGrouping('src');
    b.setBolt('fields', recorder(seen['fields']!), 3).fieldsGrouping('src', new Fields('k'));
    b.setBolt('global', recorder(seen['global']!), 3).globalGrouping('src');
    b.setBolt('all', recorder(seen['all']!), 3).allGrouping('src');
    b.setBolt('none', recorder(seen['none']!), 2).noneGrouping('src');
    b.setBolt('direct', recorder(seen['direct']!), 2).directGrouping('src', 'd');
    cluster = new LocalCluster();
    await cluster.submitTopology('groupings', {}, b.createTopology());
    await waitFor(() => returned.length === 2 * N, 5000, 'emits');
    // Every delivery emit promised has landed (extra ones would fail the exact checks below).
    const promised = (): number => returned.reduce((n, r) => n + r.targets.length, 0);
    await waitFor(() => Object.values(seen).reduce((n, list) => n + list.length, 0) >= promised(), 5000, 'deliveries');

    // emit's return value is exactly the set of tasks that received the tuple.
    for (const r of returned.filter((x) => x.stream === 'default')) {
      const got = Object.entries(seen)
        .filter(([id]) => id !== 'direct')
        .flatMap(([, list]) => list.filter((s) => s.v === r.v).map((s) => s.task))
        .sort((a, b) => a - b);
      expect([...r.targets].sort((a, b) => a - b)).toEqual(got);
      expect(r.targets.length).toBe(1 + 1 + 1 + 3 + 1);
    }
    expect(seen['all']!.length).toBe(3 * N);
    expect(new Set(seen['global']!.map((s) => s.task))).toEqual(new Set([Math.min(...tasks['global']!)]));
    // shuffle: round robin over the tasks, so each task gets N/3.
    const perTask = new Map<number, number>();
    for (const s of seen['shuffle']!) perTask.set(s.task, (perTask.get(s.task) ?? 0) + 1);
    expect([...perTask.values()]).toEqual([N / 3, N / 3, N / 3]);
    // fields: same key, same task.
    const keyTask = new Map<string, number>();
    for (const s of seen['fields']!) {
      const k = `k${(s.v as number) % 3}`;
      if (keyTask.has(k)) expect(keyTask.get(k)).toBe(s.task);
      keyTask.set(k, s.task);
    }
    // direct: only the chosen task, only via emitDirect.
    for (const s of seen['direct']!) {
      expect(s.stream).toBe('d');
      expect(s.task).toBe(tasks['direct']![(s.v as number) % 2]);
    }
    expect(seen['direct']!.length).toBe(N);
  });
});

describe('routing errors (§5.4) and field count (§3.5)', () => {
  it('throws Storm messages from emit, verbatim', async () => {
    const errors: string[] = [];
    let ctxRef: TopologyContext | undefined;
    const b = new TopologyBuilder();
    b.setSpout(
      's',
      new FnSpout(
        {
          open: (ctx) => void (ctxRef = ctx),
          next(_ctx, c) {
            const self = this as unknown as { done?: boolean };
            if (self.done) return;
            self.done = true;
            const attempt = (f: () => unknown): void => {
              try {
                f();
                errors.push('no error');
              } catch (e) {
                errors.push(`${(e as Error).name}: ${(e as Error).message}`);
              }
            };
            attempt(() => c.emit('nope', [1]));
            attempt(() => c.emit('d', [1]));
            attempt(() => c.emit([1, 2]));
            attempt(() => c.emitDirect(ctxRef!.getComponentTasks('regular')[0]!, [1]));
            attempt(() => c.emitDirect(9999, 'd', [1]));
            attempt(() => c.emitDirect(ctxRef!.getThisTaskId(), 'd', [1]));
          },
        },
        { default: ['v'], d: { direct: true, fields: ['v'] } },
      ),
    );
    b.setBolt('regular', new FnBolt({ execute: () => {} }), 1).shuffleGrouping('s');
    b.setBolt('direct', new FnBolt({ execute: () => {} }), 1).directGrouping('s', 'd');
    cluster = new LocalCluster();
    await cluster.submitTopology('errors', {}, b.createTopology());
    await waitFor(() => errors.length === 6, 5000, 'errors');
    expect(errors.slice(0, 4)).toEqual([
      'IllegalArgumentException: Unknown stream ID: nope',
      'IllegalArgumentException: Cannot do regular emit to direct stream',
      'IllegalArgumentException: Tuple created with wrong number of fields. Expected 1 fields but got 2 fields',
      'IllegalArgumentException: Cannot emitDirect to a task expecting a regular grouping',
    ]);
    expect(errors[4]).toMatch(/^IllegalArgumentException: .*9999/);
    // A task that does not subscribe to the stream: silently dropped.
    expect(errors[5]).toBe('no error');
  });
});

describe('several streams from one producer (§5.4 FIFO)', () => {
  it('delivers both streams to one consumer in emit order', async () => {
    const seen: string[] = [];
    const b = new TopologyBuilder();
    b.setSpout(
      's',
      new FnSpout(
        {
          next(_ctx, c) {
            const self = this as unknown as { i?: number };
            const i = self.i ?? 0;
            if (i >= 6) return;
            self.i = i + 1;
            c.emit(i % 2 === 0 ? 'even' : 'odd', [i]);
          },
        },
        { even: ['v'], odd: ['v'] },
      ),
    );
    b.setBolt(
      'both',
      new FnBolt({
        execute: (t, c) => {
          seen.push(`${t.getSourceStreamId()}:${String(t.getValue(0))}`);
          c.ack(t);
        },
      }),
      1,
    )
      .shuffleGrouping('s', 'even')
      .shuffleGrouping('s', 'odd');
    cluster = new LocalCluster();
    await cluster.submitTopology('two-streams', {}, b.createTopology());
    await waitFor(() => seen.length === 6, 5000, 'six tuples');
    expect(seen).toEqual(['even:0', 'odd:1', 'even:2', 'odd:3', 'even:4', 'odd:5']);
  });
});

describe('cyclic topologies', () => {
  it('runs a cycle through a feedback edge, with acking across it', async () => {
    const trail: string[] = [];
    const acked: unknown[] = [];
    const b = new TopologyBuilder();
    b.setSpout(
      's',
      new FnSpout({
        next(_ctx, c) {
          const self = this as unknown as { done?: boolean };
          if (self.done) return;
          self.done = true;
          c.emit([0], 'root');
        },
        ack: (id) => void acked.push(id),
      }),
    );
    b.setBolt(
      'a',
      new FnBolt(
        {
          execute: (t, c) => {
            const v = t.getInteger(0);
            trail.push(`a${v}`);
            if (v < 3) c.emit(t, [v + 1]);
            c.ack(t);
          },
        },
        { default: ['v'] },
      ),
      1,
    )
      .shuffleGrouping('s')
      .shuffleGrouping('b');
    b.setBolt(
      'b',
      new FnBolt(
        {
          execute: (t, c) => {
            trail.push(`b${t.getInteger(0)}`);
            c.emit(t, [t.getInteger(0)]);
            c.ack(t);
          },
        },
        { default: ['v'] },
      ),
      1,
    ).shuffleGrouping('a');
    cluster = new LocalCluster();
    await cluster.submitTopology('cycle', {}, b.createTopology());
    await waitFor(() => acked.length === 1, 5000, 'tree acked');
    expect(trail).toEqual(['a0', 'b1', 'a1', 'b2', 'a2', 'b3', 'a3']);
    await sleep(30);
    expect(acked).toEqual(['root']);
  });

  it('refuses a cycle in a checkpointed topology', async () => {
    const b = new TopologyBuilder();
    b.setSpout('s', counterSpout(1));
    b.setBolt('a', new FnBolt({ execute: () => {} }, { default: ['v'] }), 1)
      .shuffleGrouping('s')
      .shuffleGrouping('b');
    b.setBolt('b', new FnBolt({ execute: () => {} }, { default: ['v'] }), 1).shuffleGrouping('a');
    cluster = new LocalCluster();
    await expect(
      cluster.submitTopology('cycle-cp', { 'stormshift.reliability': 'checkpoint' }, b.createTopology()),
    ).rejects.toThrow(/must be acyclic/);
  });
});
