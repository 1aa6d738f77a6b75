import { describe, expect, it } from 'vitest';
import { JoinBolt } from '../../../compat/windowing/join-bolt.ts';
import { Count } from '../../../compat/windowing/count.ts';
import { Duration } from '../../../compat/windowing/duration.ts';
import { TupleWindowImpl } from '../../../compat/windowing/window.ts';
import type { Fields } from '../../../compat/component/fields.ts';
import type { OutputCollector } from '../../../compat/component/collectors.ts';
import type { TopologyContext } from '../../../compat/component/context.ts';
import type { OutputFieldsDeclarer } from '../../../compat/component/interfaces.ts';
import type { Tuple } from '../../../compat/component/tuple.ts';
import { tupleFactory } from './helpers.ts';

const mk = tupleFactory({
  'users:default': ['userId', 'name'],
  'orders:default': ['userId', 'orderId', 'amount'],
  'cities:default': ['uid', 'city'],
  'src:users': ['userId', 'name'],
  'src:orders': ['userId', 'orderId', 'amount'],
  'profiles:default': ['userId', 'profile'],
});

const NO_CONTEXT = {} as TopologyContext;

interface Emitted {
  stream: string;
  anchors: Tuple[];
  values: unknown[];
}

function fakeCollector() {
  const emitted: Emitted[] = [];
  const collector = {
    emit(...args: unknown[]): number[] {
      if (args.length === 3)
        emitted.push({ stream: args[0] as string, anchors: args[1] as Tuple[], values: args[2] as unknown[] });
      else emitted.push({ stream: 'default', anchors: args[0] as Tuple[], values: args[1] as unknown[] });
      return [];
    },
    emitDirect() {},
    ack() {},
    fail() {},
    reportError() {},
  };
  return { emitted, collector: collector as unknown as OutputCollector };
}

function declared(bolt: JoinBolt) {
  const out: { stream: string; fields: string[] }[] = [];
  const declarer = {
    declare: (f: Fields) => void out.push({ stream: 'default', fields: f.toList() }),
    declareStream: (s: string, f: Fields) => void out.push({ stream: s, fields: f.toList() }),
  };
  bolt.declareOutputFields(declarer as OutputFieldsDeclarer);
  return out;
}

function runJoin(bolt: JoinBolt, tuples: Tuple[]) {
  const { emitted, collector } = fakeCollector();
  bolt.prepare({}, NO_CONTEXT, collector);
  bolt.execute(new TupleWindowImpl(tuples, tuples, []));
  return emitted;
}

const u1 = mk('users', 'default', [1, 'ann']);
const u2 = mk('users', 'default', [2, 'bob']);
const u3 = mk('users', 'default', [3, 'cy']);
const o1 = mk('orders', 'default', [1, 'o-1', 10]);
const o2 = mk('orders', 'default', [1, 'o-2', 20]);
const o3 = mk('orders', 'default', [2n, 'o-3', 30]); // bigint key joins with number key 2

describe('JoinBolt', () => {
  it('inner-joins by source component and anchors each result to the tuples it joined', () => {
    const bolt = new JoinBolt('users', 'userId')
      .join('orders', 'userId', 'users')
      .select('users:userId,name,orderId,amount')
      .withTumblingWindow(Count.of(10));
    expect(bolt).toBeInstanceOf(JoinBolt);
    expect(declared(bolt)).toEqual([{ stream: 'default', fields: ['users:userId', 'name', 'orderId', 'amount'] }]);
    const out = runJoin(bolt, [u1, o1, u2, o2, o3, u3]);
    expect(out.map((e) => e.values)).toEqual([
      [1, 'ann', 'o-1', 10],
      [1, 'ann', 'o-2', 20],
      [2, 'bob', 'o-3', 30],
    ]);
    expect(out[0]!.anchors).toEqual([u1, o1]);
    expect(out[0]!.anchors[0]).toBe(u1);
    expect(out[2]!.anchors[1]).toBe(o3);
  });

  it('left-joins: unmatched records keep nulls for the missing stream', () => {
    const bolt = new JoinBolt('users', 'userId')
      .leftJoin('orders', 'userId', 'users')
      .select('userId,name,orderId')
      .withOutputStream('joined');
    expect(declared(bolt)).toEqual([{ stream: 'joined', fields: ['userId', 'name', 'orderId'] }]);
    const out = runJoin(bolt, [u1, u3, o1]);
    expect(out.map((e) => [e.stream, e.values])).toEqual([
      ['joined', [1, 'ann', 'o-1']],
      ['joined', [3, 'cy', null]],
    ]);
    expect(out[1]!.anchors).toEqual([u3]);
  });

  it("chains joins in declaration order, each on the prior stream's join field", () => {
    const cities = mk('cities', 'default', [1, 'Oslo']);
    const bolt = new JoinBolt('users', 'userId')
      .join('orders', 'userId', 'users')
      .join('cities', 'uid', 'orders')
      .select('orderId,name,city');
    const out = runJoin(bolt, [u1, u2, o1, o3, cities]);
    expect(out.map((e) => e.values)).toEqual([['o-1', 'ann', 'Oslo']]);
    expect(out[0]!.anchors).toEqual([u1, o1, cities]);
  });

  it('selects inputs by stream id with Selector.STREAM, and reads nested Map fields', () => {
    const su = mk('src', 'users', [1, 'ann']);
    const so = mk('src', 'orders', [1, 'o-9', 5]);
    const bolt = new JoinBolt(JoinBolt.Selector.STREAM, 'users', 'userId')
      .join('orders', 'userId', 'users')
      .select('name,orderId');
    expect(runJoin(bolt, [su, so]).map((e) => e.values)).toEqual([['ann', 'o-9']]);

    const p = mk('profiles', 'default', [1, new Map([['address', new Map([['zip', '0150']])]])]);
    const nested = new JoinBolt('users', 'userId')
      .join('profiles', 'userId', 'users')
      .select('name,profile.address.zip');
    expect(runJoin(nested, [u1, p]).map((e) => e.values)).toEqual([['ann', '0150']]);
  });

  it('validates its clauses like Storm', () => {
    const bolt = new JoinBolt('users', 'userId').join('orders', 'userId', 'users');
    expect(() => bolt.join('orders', 'userId', 'users')).toThrow(
      "'orders' is already part of join. Cannot join with it more than once.",
    );
    expect(() => bolt.join('x', 'id', 'nope')).toThrow("Stream 'nope' was not previously declared");
    expect(() => bolt.join('y', 's:id', 'users')).toThrow(/Not expecting stream qualifier ':' in 's:id'/);
    expect(() => new JoinBolt('users', 'userId').prepare({}, NO_CONTEXT, fakeCollector().collector)).toThrow(
      'Must specify output fields via .select() method.',
    );
  });

  it('window builders keep the JoinBolt type and write the component conf', () => {
    const bolt = new JoinBolt('users', 'userId')
      .select('name')
      .withWindow(Duration.seconds(10), Duration.seconds(2))
      .withTimestampField('ts')
      .withLag(Duration.seconds(1));
    expect(bolt).toBeInstanceOf(JoinBolt);
    expect(bolt.getComponentConfiguration()).toMatchObject({
      'topology.bolts.window.length.duration.ms': 10000,
      'topology.bolts.window.sliding.interval.duration.ms': 2000,
      'topology.bolts.tuple.timestamp.max.lag.ms': 1000,
    });
  });
});
