import { describe, expect, it } from 'vitest';
import {
  dispatchBasicEmit,
  dispatchBoltEmit,
  dispatchBoltEmitDirect,
  dispatchSpoutEmit,
  dispatchSpoutEmitDirect,
  isTupleLike,
} from '../../../compat/component/collectors.ts';
import type { Tuple } from '../../../compat/component/tuple.ts';
import { TopologyBuilder } from '../../../compat/topology/topology-builder.ts';

const fakeTuple = { getValues: () => [1], getSourceComponent: () => 'x' } as unknown as Tuple;

describe('R2 emit overload dispatch', () => {
  it('spout emit([stream,] values[, msgId])', () => {
    expect(dispatchSpoutEmit([['a']])).toEqual({ streamId: 'default', values: ['a'], messageId: undefined });
    expect(dispatchSpoutEmit([['a'], 'id1'])).toEqual({ streamId: 'default', values: ['a'], messageId: 'id1' });
    expect(dispatchSpoutEmit(['s', ['a']])).toEqual({ streamId: 's', values: ['a'], messageId: undefined });
    expect(dispatchSpoutEmit(['s', ['a'], 7])).toEqual({ streamId: 's', values: ['a'], messageId: 7 });
    expect(dispatchSpoutEmit([['a'], null]).messageId).toBeNull();
  });

  it('spout emitDirect(task, [stream,] values[, msgId]); bigint task accepted', () => {
    expect(dispatchSpoutEmitDirect([3, ['a']])).toEqual({ taskId: 3, streamId: 'default', values: ['a'], messageId: undefined });
    expect(dispatchSpoutEmitDirect([3n, 's', ['a'], 'm'])).toEqual({ taskId: 3, streamId: 's', values: ['a'], messageId: 'm' });
    expect(() => dispatchSpoutEmitDirect(['s', ['a']])).toThrow(TypeError);
  });

  it('bolt emit([stream,] [anchor | anchors,] values)', () => {
    expect(dispatchBoltEmit([['a']])).toEqual({ streamId: 'default', anchors: [], values: ['a'] });
    expect(dispatchBoltEmit([fakeTuple, ['a']])).toEqual({ streamId: 'default', anchors: [fakeTuple], values: ['a'] });
    expect(dispatchBoltEmit([[fakeTuple, fakeTuple], ['a']]).anchors).toHaveLength(2);
    expect(dispatchBoltEmit(['s', ['a']])).toEqual({ streamId: 's', anchors: [], values: ['a'] });
    expect(dispatchBoltEmit(['s', fakeTuple, ['a']]).anchors).toEqual([fakeTuple]);
    expect(dispatchBoltEmit(['s', [fakeTuple], ['a']]).anchors).toEqual([fakeTuple]);
    // null/undefined anchor = unanchored (§13)
    expect(dispatchBoltEmit([null, ['a']]).anchors).toEqual([]);
    expect(dispatchBoltEmit(['s', undefined, ['a']]).anchors).toEqual([]);
    expect(() => dispatchBoltEmit([[fakeTuple, 'nope'], ['a']])).toThrow(TypeError);
    expect(() => dispatchBoltEmit([{}, ['a']])).toThrow(TypeError);
  });

  it('bolt emitDirect(task, [stream,] [anchor | anchors,] values)', () => {
    expect(dispatchBoltEmitDirect([4, ['a']])).toEqual({ taskId: 4, streamId: 'default', anchors: [], values: ['a'] });
    expect(dispatchBoltEmitDirect([4, 's', fakeTuple, ['a']])).toEqual({ taskId: 4, streamId: 's', anchors: [fakeTuple], values: ['a'] });
  });

  it('basic emit([stream,] values)', () => {
    expect(dispatchBasicEmit([['a']])).toEqual({ streamId: 'default', values: ['a'] });
    expect(dispatchBasicEmit(['s', ['a']])).toEqual({ streamId: 's', values: ['a'] });
  });

  it('structural Tuple detection lets test fakes anchor', () => {
    expect(isTupleLike(fakeTuple)).toBe(true);
    expect(isTupleLike({ getValues: () => [] })).toBe(false);
    expect(isTupleLike(null)).toBe(false);
  });

  it('lambda bolt overloads type-check with contextual parameter types', () => {
    const b = new TopologyBuilder();
    b.setSpout('s', () => 1);
    b.setBolt('bi', (t, c) => void c.emit([t.getValue(0)]), 2, 'v').shuffleGrouping('s');
    b.setBolt('cons', (t) => void t.getValue(0)).shuffleGrouping('bi');
    expect(b.createTopology().get_bolts().size).toBe(2);
  });
});
