import { describe, expect, it } from 'vitest';
import { copyFunctionObject } from '../../runtime/api/copy-function.ts';
import {
  collectSink,
  StreamEnvironment,
  ValueStateDescriptor,
  type Collector,
  type KeyedProcessContext,
  type KeyedProcessFunction,
  type KeyedRuntimeContext,
  type ValueState,
} from '../../runtime/index.ts';

class Counter implements KeyedProcessFunction<string, string, string> {
  private count!: ValueState<number>;
  readonly seen: string[] = [];
  open(context: KeyedRuntimeContext): void {
    this.count = context.getState(new ValueStateDescriptor<number>('count'));
  }
  processElement(word: string, _ctx: KeyedProcessContext<string>, out: Collector<string>): void {
    this.seen.push(word);
    const n = (this.count.value() ?? 0) + 1;
    this.count.update(n);
    out.collect(`${word}=${n}`);
  }
}

describe('user function objects', () => {
  it('get one copy per subtask, so state handles stored on `this` in open() do not collide', async () => {
    const env = StreamEnvironment.create({ parallelism: 3 });
    const out = collectSink<string>();
    const words = ['a', 'b', 'c', 'd', 'e', 'f'];
    const input = Array.from({ length: 600 }, (_, i) => words[i % words.length]!);
    const counter = new Counter();
    env
      .fromCollection(input)
      .keyBy((w) => w)
      .process(counter)
      .sinkTo(out.sink);
    await env.execute();
    const finals = new Map<string, number>();
    for (const line of out.values) {
      const [w, n] = line.split('=');
      finals.set(w!, Math.max(finals.get(w!) ?? 0, Number(n)));
    }
    expect(Object.fromEntries(finals)).toEqual(Object.fromEntries(words.map((w) => [w, 100])));
    // The object handed to process() is a template: subtasks work on their own copies.
    expect(counter.seen).toEqual([]);
  });

  it('copy data fields deeply and keep the prototype and shared functions', () => {
    const callback = (): number => 1;
    class Holder {
      list = [1, 2];
      map = new Map([['k', { v: 1 }]]);
      fn = callback;
      method(): number {
        return this.list.length;
      }
    }
    const original = new Holder();
    const copy = copyFunctionObject(original);
    expect(copy).toBeInstanceOf(Holder);
    expect(copy.method()).toBe(2);
    copy.list.push(3);
    copy.map.get('k')!.v = 2;
    expect(original.list).toEqual([1, 2]);
    expect(original.map.get('k')!.v).toBe(1);
    expect(copy.fn).toBe(callback);
  });
});
