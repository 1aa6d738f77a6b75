import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  JobGraphError,
  KeyedStream,
  StreamEnvironment,
  TumblingEventTimeWindows,
  UserFunctionError,
  collectSink,
  generatorSource,
} from '../../../runtime/index.ts';
import { quiet, runToList } from '../../fixtures/runtime/helpers.ts';

const env = () => StreamEnvironment.create(quiet);

describe('invalid jobs are rejected at build time with errors naming the culprit', () => {
  it('a cycle names the operators on it', () => {
    const e = env();
    const a = e.fromCollection([1]).map((x) => x, { name: 'A' });
    const b = a.map((x) => x, { name: 'B' });
    b.map((x) => x, { name: 'C' }).print();
    // The fluent API cannot close a loop; a hand-edited graph can, and must not hang the planner.
    a.transformation.inputs.push({ from: b.transformation, partitioner: undefined, inputSide: 1, sideTag: undefined });
    expect(() => e.plan()).toThrow(JobGraphError);
    // Exactly the operators on the loop: 'C' and 'Print' hang off it but are not on it.
    expect(() => e.plan()).toThrow("the job graph has a cycle: 'A' -> 'B' -> 'A'");
  });

  it('parallelism below 1 (option, setParallelism, job default) names the operator or option', () => {
    expect(() =>
      env()
        .fromCollection([1])
        .map((x) => x, { name: 'Zero', parallelism: 0 }),
    ).toThrow(/operator 'Zero': parallelism must be an integer >= 1, got 0/);
    const e = env();
    e.fromCollection([1])
      .map((x) => x, { name: 'Neg' })
      .setParallelism(-2)
      .print();
    expect(() => e.plan()).toThrow(/operator 'Neg': parallelism must be an integer >= 1, got -2/);
    expect(() => StreamEnvironment.create({ parallelism: 0 })).toThrow(ConfigError);
    expect(() => StreamEnvironment.create({ parallelism: 1.5 })).toThrow(
      /'parallelism' must be an integer >= 1, got 1.5/,
    );
    const np = env();
    np.fromCollection([1], { name: 'OneOnly', parallelism: 2 }).print();
    expect(() => np.plan()).toThrow(/'OneOnly' is non-parallel/);
  });

  it('execute() reports a build error as a rejected promise, not a synchronous throw', async () => {
    const e = env();
    e.fromCollection([1])
      .map((x) => x, { name: 'Neg' })
      .setParallelism(0)
      .print();
    let promise: Promise<unknown> | undefined;
    expect(() => {
      promise = e.execute();
    }).not.toThrow();
    await expect(promise).rejects.toThrow(/'Neg'/);
  });

  it('a keyed operator without a keyBy() input is rejected, naming it and its input', () => {
    const e = env();
    const plain = e.fromCollection([1, 2]).map((x) => x, { name: 'Plain' });
    new KeyedStream(e, plain.inputs, (x: number) => x)
      .process((x, _c, out) => out.collect(x), { name: 'NeedsKeys' })
      .print();
    expect(() => e.plan()).toThrow(
      /keyed operator 'NeedsKeys' needs a keyBy\(\) input, but its input from 'Plain' is not keyed/,
    );
  });

  it('an unknown operator option names the operator and the option', () => {
    expect(() =>
      env()
        .fromCollection([1])
        .map((x) => x, { name: 'Typo', paralelism: 2 } as never),
    ).toThrow(/operator 'Typo': unknown option 'paralelism'/);
    expect(() =>
      env()
        .fromCollection([1])
        .asyncMap(async (x) => x, { name: 'Async', capacty: 2 } as never),
    ).toThrow(/operator 'Async': unknown option 'capacty'/);
    expect(() =>
      env()
        .fromCollection([1])
        .sinkTo(collectSink().sink, { name: 'S', maxInflight: 1 } as never),
    ).toThrow(/operator 'S': unknown option 'maxInflight'/);
    expect(() => env().fromCollection([1], { name: 'Src', bogus: true } as never)).toThrow(
      /operator 'Src': unknown option 'bogus'/,
    );
    expect(() =>
      env()
        .fromCollection([1])
        .keyBy((x) => x)
        .aggregate(
          {
            createAccumulator: () => 0,
            add: (v: number, a: number) => a + v,
            getResult: (a) => a,
            merge: (a, b) => a + b,
          },
          { name: 'Agg', minibatch: {} } as never,
        ),
    ).toThrow(/operator 'Agg': unknown option 'minibatch'/);
  });

  it('an unknown job option (top level or under checkpoint) names the option', () => {
    expect(() => StreamEnvironment.create({ paralelism: 2 } as never)).toThrow(/unknown job option 'paralelism'/);
    expect(() => StreamEnvironment.create({ checkpoint: { intervalMS: 10 } } as never)).toThrow(
      /unknown checkpoint option 'checkpoint.intervalMS'/,
    );
    expect(() => env().configure({ restor: 'latest' } as never)).toThrow(/unknown job option 'restor'/);
    expect(() => StreamEnvironment.create({ checkpoint: { intervalMs: 1 } })).toThrow(
      /checkpoint.intervalMs must be >= 10/,
    );
    expect(() => StreamEnvironment.create({ restore: 'newest' } as never)).toThrow(/'restore'/);
    expect(() =>
      StreamEnvironment.create({ restart: { type: 'fixed-delay', attempts: 3, delay: 10 } } as never),
    ).toThrow(/delayMs/);
    expect(() => StreamEnvironment.create({ restart: { type: 'sometimes' } } as never)).toThrow(ConfigError);
  });

  it('other structural mistakes', () => {
    expect(() => env().plan()).toThrow(/has no operators/);
    const fwd = env();
    fwd
      .fromCollection([1], { name: 'One' })
      .forward()
      .map((x) => x, { name: 'Two', parallelism: 2 })
      .print();
    expect(() => fwd.plan()).toThrow(/forward edge 'One' -> 'Two' needs equal parallelism/);
    const dup = env();
    dup
      .fromCollection([1])
      .map((x) => x, { uid: 'same', name: 'X' })
      .map((x) => x, { uid: 'same', name: 'Y' })
      .print();
    expect(() => dup.plan()).toThrow(/'X' and 'Y' share the uid 'same'/);
    const keyed = env()
      .fromCollection([1])
      .keyBy((x) => x);
    expect(() => keyed.countWindow(0)).toThrow(/countWindow/);
    expect(() => TumblingEventTimeWindows.of(0)).toThrow(/window size/);
    expect(() => keyed.window(TumblingEventTimeWindows.of(5)).allowedLateness(-1)).toThrow(/allowedLateness/);
    expect(() =>
      env()
        .fromCollection([1])
        .asyncMap(async (x) => x, { name: 'Cap', capacity: 0 }),
    ).toThrow(/'Cap': capacity must be an integer >= 1/);
    const sum = {
      createAccumulator: () => 0,
      add: (v: number, a: number) => a + v,
      getResult: (a: number) => a,
      merge: (a: number, b: number) => a + b,
    };
    expect(() => keyed.aggregate(sum, { name: 'LG', localGlobal: true })).toThrow(/'LG': localGlobal needs miniBatch/);
    expect(() => keyed.aggregate(sum, { name: 'MB', miniBatch: { size: 0, intervalMs: 5 } })).toThrow(
      /'MB': miniBatch needs size >= 1/,
    );
    expect(() => generatorSource({ count: -1, generate: (i) => i })).toThrow(ConfigError);
  });
});

describe('failing user code names the operator and the record', () => {
  const cases: Array<[string, (e: StreamEnvironment) => void, RegExp]> = [
    [
      'map',
      (e) =>
        e
          .fromCollection([1, 2, 3])
          .map(
            (x) => {
              if (x === 2) throw new Error('bad map');
              return x;
            },
            { name: 'M' },
          )
          .print(),
      /operator 'M' failed on record 2: bad map/,
    ],
    [
      'filter',
      (e) =>
        e
          .fromCollection(['a', 'b'])
          .filter(
            (x) => {
              if (x === 'b') throw new TypeError('bad filter');
              return true;
            },
            { name: 'F' },
          )
          .print(),
      /operator 'F' failed on record "b": bad filter/,
    ],
    [
      'flatMap',
      (e) =>
        e
          .fromCollection([{ id: 7 }])
          .flatMap(
            () => {
              throw new Error('bad flat');
            },
            { name: 'FM' },
          )
          .print(),
      /operator 'FM' failed on record \{"id":7\}: bad flat/,
    ],
    [
      'keyed process',
      (e) =>
        e
          .fromCollection([5])
          .keyBy((x) => x)
          .process(
            () => {
              throw new Error('bad process');
            },
            { name: 'KP' },
          )
          .print(),
      /operator 'KP' failed on record 5: bad process/,
    ],
    [
      'reduce',
      (e) =>
        e
          .fromCollection([1, 2])
          .keyBy(() => 0)
          .reduce(
            () => {
              throw new Error('bad reduce');
            },
            { name: 'R' },
          )
          .print(),
      /operator 'R' failed on record 2: bad reduce/,
    ],
    [
      'mini-batch merge',
      (e) =>
        e
          .fromCollection([1, 2, 3])
          .keyBy(() => 0)
          .aggregate(
            {
              createAccumulator: () => 0,
              add: (v: number, a: number) => a + v,
              getResult: (a) => a,
              merge: () => {
                throw new Error('bad merge');
              },
            },
            { name: 'MB', miniBatch: { size: 1, intervalMs: 5 } },
          )
          .print(),
      /operator 'MB' failed on record 0: bad merge/,
    ],
    [
      'sink',
      (e) =>
        e.fromCollection([9]).sinkTo(
          {
            createWriter: () => ({
              write: () => {
                throw new Error('bad sink');
              },
            }),
          },
          { name: 'Snk' },
        ),
      /operator 'Snk' failed on record 9: bad sink/,
    ],
  ];
  it.each(cases)('%s', async (_kind, build, message) => {
    const e = StreamEnvironment.create({ ...quiet, restart: { type: 'none' } });
    build(e);
    const error = await e.execute().catch((err: unknown) => err);
    expect(error).toBeInstanceOf(UserFunctionError);
    expect((error as Error).message).toMatch(message);
  });

  it.each([1, 2])('a throwing key selector names the keyed operator it feeds (parallelism %i)', async (p) => {
    await expect(
      runToList(
        (e) =>
          e
            .fromCollection([1])
            .keyBy(() => {
              throw new Error('no key');
            })
            .reduce((a, b) => a + b, { name: 'Summer' }),
        { parallelism: p },
      ),
    ).rejects.toThrow(/'Summer'.*no key/);
  });
});
