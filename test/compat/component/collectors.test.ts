import { describe, expect, it } from 'vitest';
import {
  BasicOutputCollector,
  OutputCollector,
  SpoutOutputCollector,
  isTupleLike,
  type IOutputCollector,
  type ISpoutOutputCollector,
} from '../../../compat/component/collectors.ts';
import type { Tuple } from '../../../compat/component/tuple.ts';
import { TopologyBuilder } from '../../../compat/topology/topology-builder.ts';

const fakeTuple = { getValues: () => [1], getSourceComponent: () => 'x' } as unknown as Tuple;
const other = { getValues: () => [2], getSourceComponent: () => 'y' } as unknown as Tuple;

function spoutDelegate() {
  const calls: unknown[][] = [];
  const d: ISpoutOutputCollector = {
    emit: (...a) => (calls.push(['emit', ...a]), [1]),
    emitDirect: (...a) => void calls.push(['emitDirect', ...a]),
    getPendingCount: () => 3,
    flush: () => void calls.push(['flush']),
    reportError: (e) => void calls.push(['reportError', e]),
  };
  return { calls, c: new SpoutOutputCollector(d) };
}

function boltDelegate() {
  const calls: unknown[][] = [];
  const d: IOutputCollector = {
    emit: (...a) => (calls.push(['emit', ...a]), [7]),
    emitDirect: (...a) => void calls.push(['emitDirect', ...a]),
    ack: (t) => void calls.push(['ack', t]),
    fail: (t) => void calls.push(['fail', t]),
    resetTimeout: (t) => void calls.push(['resetTimeout', t]),
    reportError: (e) => void calls.push(['reportError', e]),
    flush: () => void calls.push(['flush']),
  };
  return { calls, c: new OutputCollector(d) };
}

describe('SpoutOutputCollector overloads (R2, §5.3)', () => {
  it('emit([stream,] values[, msgId]) and emitDirect(task, [stream,] values[, msgId])', () => {
    const { calls, c } = spoutDelegate();
    expect(c.emit(['a'])).toEqual([1]);
    c.emit(['a'], 'id1');
    c.emit('s', ['a']);
    c.emit('s', ['a'], 7);
    c.emitDirect(3, ['a']);
    c.emitDirect(3n, 's', ['a'], 'm');
    c.emitDirect(4, ['b'], null);
    expect(calls).toEqual([
      ['emit', 'default', ['a'], undefined],
      ['emit', 'default', ['a'], 'id1'],
      ['emit', 's', ['a'], undefined],
      ['emit', 's', ['a'], 7],
      ['emitDirect', 3, 'default', ['a'], undefined],
      ['emitDirect', 3, 's', ['a'], 'm'],
      ['emitDirect', 4, 'default', ['b'], null],
    ]);
    expect(c.getPendingCount()).toBe(3);
    expect(() => c.emitDirect('s' as never, ['a'])).toThrow(TypeError);
    expect(() => c.emit('s', 'notvalues' as never)).toThrow(TypeError);
  });
});

describe('OutputCollector overloads (R2, §5.3, §13)', () => {
  it('emit([stream,] [anchor | anchors,] values)', () => {
    const { calls, c } = boltDelegate();
    expect(c.emit(['a'])).toEqual([7]);
    c.emit(fakeTuple, ['a']);
    c.emit([fakeTuple, other], ['a']);
    c.emit('s', ['a']);
    c.emit('s', fakeTuple, ['a']);
    c.emit('s', [other], ['a']);
    c.emit(null, ['a']);
    c.emit('s', undefined, ['a']);
    expect(calls).toEqual([
      ['emit', 'default', [], ['a']],
      ['emit', 'default', [fakeTuple], ['a']],
      ['emit', 'default', [fakeTuple, other], ['a']],
      ['emit', 's', [], ['a']],
      ['emit', 's', [fakeTuple], ['a']],
      ['emit', 's', [other], ['a']],
      ['emit', 'default', [], ['a']],
      ['emit', 's', [], ['a']],
    ]);
  });

  it('emitDirect(task, [stream,] [anchor | anchors,] values)', () => {
    const { calls, c } = boltDelegate();
    c.emitDirect(4, ['a']);
    c.emitDirect(4, fakeTuple, ['a']);
    c.emitDirect(4, 's', ['a']);
    c.emitDirect(4n, 's', [fakeTuple], ['a']);
    expect(calls).toEqual([
      ['emitDirect', 4, 'default', [], ['a']],
      ['emitDirect', 4, 'default', [fakeTuple], ['a']],
      ['emitDirect', 4, 's', [], ['a']],
      ['emitDirect', 4, 's', [fakeTuple], ['a']],
    ]);
  });

  it('rejects non-Tuple anchors with TypeError', () => {
    const { c } = boltDelegate();
    expect(() => c.emit([fakeTuple, 'nope'] as never, ['a'])).toThrow(TypeError);
    expect(() => c.emit({} as never, ['a'])).toThrow(TypeError);
    expect(() => c.emit(1 as never, fakeTuple, ['a'])).toThrow(TypeError);
  });

  it('ack, fail, resetTimeout, reportError, flush pass through', () => {
    const { calls, c } = boltDelegate();
    c.ack(fakeTuple);
    c.fail(fakeTuple);
    c.resetTimeout(fakeTuple);
    c.reportError('e');
    c.flush();
    expect(calls.map((x) => x[0])).toEqual(['ack', 'fail', 'resetTimeout', 'reportError', 'flush']);
  });
});

describe('BasicOutputCollector (§5.2)', () => {
  it('anchors every emit to the current input', () => {
    const { calls, c } = boltDelegate();
    const basic = new BasicOutputCollector(c);
    basic.setContext(fakeTuple);
    basic.emit(['a']);
    basic.emit('s', ['b']);
    basic.emitDirect(5, ['c']);
    basic.emitDirect(5, 's', ['d']);
    expect(calls).toEqual([
      ['emit', 'default', [fakeTuple], ['a']],
      ['emit', 's', [fakeTuple], ['b']],
      ['emitDirect', 5, 'default', [fakeTuple], ['c']],
      ['emitDirect', 5, 's', [fakeTuple], ['d']],
    ]);
    expect(basic.getOutputter()).toBe(c);
  });
});

describe('structural tuples', () => {
  it('isTupleLike', () => {
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
