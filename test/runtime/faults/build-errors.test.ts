import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  EventTimeSessionWindows,
  JobGraphError,
  ListStateDescriptor,
  ProcessingTimeSessionWindows,
  StreamEnvironment,
  TumblingProcessingTimeWindows,
  ValueStateDescriptor,
  type Collector,
  type DataStream,
  type KeyedProcessFunction,
  type KeyedRuntimeContext,
  type OnTimerContext,
  type ProcessFunction,
  type ValueState,
} from '../../../runtime/index.ts';
import { quiet } from '../../fixtures/runtime/helpers.ts';

const ROOT = resolve(import.meta.dirname, '../../..');

/** Runs the CLI without blocking the test worker's event loop (spawnSync would starve vitest's RPC). */
function cli(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolveRun) => {
    const child = spawn(process.execPath, [join(ROOT, 'cli/bin.js'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.once('close', (status) => resolveRun({ status, stdout, stderr }));
  });
}

/** A keyed function that shows it is keyed only through an onTimer method. */
class Expiring implements KeyedProcessFunction<number, number, number> {
  opened = 0;
  open(): void {
    this.opened++;
  }
  processElement(value: number, ctx: OnTimerContext<number>, out: Collector<number>): void {
    ctx.timerService().registerProcessingTimeTimer(ctx.currentProcessingTime() + 10);
    out.collect(value);
  }
  onTimer(timestamp: number, _ctx: OnTimerContext<number>, out: Collector<number>): void {
    out.collect(timestamp);
  }
}

/** A keyed function that shows it is keyed only through the state descriptor it holds as a field. */
class Counting implements KeyedProcessFunction<number, number, number> {
  private readonly countDescriptor = new ValueStateDescriptor<number>('count', 0);
  private count!: ValueState<number>;
  opened = 0;
  open(ctx: KeyedRuntimeContext): void {
    this.opened++;
    this.count = ctx.getState(this.countDescriptor);
  }
  processElement(value: number, _ctx: unknown, out: Collector<number>): void {
    this.count.update(this.count.value()! + 1);
    out.collect(value);
  }
}

/** Helpers that ask a context for keyed things out of sight of the calling function's own text. */
const takeState = (ctx: unknown): unknown =>
  (ctx as KeyedRuntimeContext).getState(new ValueStateDescriptor<number>('n'));
const armSubtaskTimer = (ctx: unknown): void => (ctx as KeyedRuntimeContext).registerSubtaskTimer(10);
const armTimer = (ctx: unknown): void => (ctx as OnTimerContext<number>).timerService().registerEventTimeTimer(10);
const readKey = (ctx: unknown): void => void (ctx as OnTimerContext<number>).getCurrentKey();

/** Like the soak word count's counter: the descriptor is made inside open(), on the spot. */
class RunningCount implements KeyedProcessFunction<string, string, string> {
  private count!: ValueState<number>;
  open(ctx: KeyedRuntimeContext): void {
    this.count = ctx.getState(new ValueStateDescriptor<number>('count'));
  }
  processElement(word: string, _ctx: unknown, out: Collector<string>): void {
    const n = (this.count.value() ?? 0) + 1;
    this.count.update(n);
    out.collect(`${word}:${n}`);
  }
}

describe('keyed state or timers without keyBy, seen while building: one line naming the operator, before any task starts', () => {
  it('a function with onTimer on an unkeyed stream is rejected by plan() and execute(); nothing opens', async () => {
    const expected =
      "operator 'expire' uses keyed timers (it has onTimer) but its input is not keyed: add .keyBy(...) before it";
    const fn = new Expiring();
    const env = StreamEnvironment.create(quiet);
    // Method parameters are bivariant: TypeScript lets a keyed function through here.
    env
      .fromCollection([1, 2])
      .process(fn as ProcessFunction<number, number>, { name: 'expire' })
      .print();
    expect(() => env.plan()).toThrow(JobGraphError);
    expect(() => env.plan()).toThrow(expected);
    expect(() => env.executeAsync()).toThrow(expected);
    await expect(env.execute()).rejects.toThrow(expected);
    expect(fn.opened).toBe(0);
  });

  it('a function holding a state descriptor (alone or in an array) on an unkeyed stream is rejected, naming field and state', () => {
    const env = StreamEnvironment.create(quiet);
    env
      .fromCollection([1])
      .process(new Counting() as unknown as ProcessFunction<number, number>, { name: 'count' })
      .print();
    expect(() => env.plan()).toThrow(
      "operator 'count' uses keyed state (its field 'countDescriptor' holds the state descriptor 'count') but its input is not keyed: add .keyBy(...) before it",
    );

    const inArray = StreamEnvironment.create(quiet);
    const fn = {
      descriptors: [new ListStateDescriptor<number>('seen')],
      processElement(value: number, _ctx: unknown, out: Collector<number>) {
        out.collect(value);
      },
    };
    inArray.fromCollection([1]).process(fn, { name: 'dedupe' }).print();
    expect(() => inArray.plan()).toThrow(
      "operator 'dedupe' uses keyed state (its field 'descriptors' holds the state descriptor 'seen') but its input is not keyed: add .keyBy(...) before it",
    );

    // A job module loaded by another loader than the runtime's gets its own copy of the classes.
    const OtherCopy = class ValueStateDescriptor {
      readonly kind = 'value';
      constructor(readonly name: string) {}
    };
    const copied = StreamEnvironment.create(quiet);
    const withCopy = {
      last: new OtherCopy('last'),
      processElement: (v: number, _c: unknown, out: Collector<number>) => out.collect(v),
    };
    copied.fromCollection([1]).process(withCopy, { name: 'latest' });
    expect(() => copied.plan()).toThrow(
      "operator 'latest' uses keyed state (its field 'last' holds the state descriptor 'last') but its input is not keyed: add .keyBy(...) before it",
    );
  });

  it('a keyed call on the context parameter in the function text of open() or processElement is rejected, naming the call', () => {
    const cases: Array<[string, (s: DataStream<string>) => unknown, string]> = [
      [
        'counter',
        (s) => s.process(new RunningCount() as unknown as ProcessFunction<string, string>, { name: 'counter' }),
        'uses keyed state (its open() calls ctx.getState())',
      ],
      [
        'timed',
        (s) =>
          s.process(
            (v, ctx, out) => {
              (ctx as unknown as OnTimerContext<string>).timerService().registerProcessingTimeTimer(1);
              out.collect(v);
            },
            { name: 'timed' },
          ),
        'uses keyed timers (its processElement() calls ctx.timerService())',
      ],
      [
        'keyed',
        (s) =>
          s.process(
            (v, c, out) => out.collect(`${String((c as unknown as OnTimerContext<string>).getCurrentKey())}${v}`),
            {
              name: 'keyed',
            },
          ),
        'uses keys (its processElement() calls c.getCurrentKey())',
      ],
    ];
    for (const [name, build, uses] of cases) {
      const env = StreamEnvironment.create(quiet);
      build(env.fromCollection(['a']));
      expect(() => env.plan(), name).toThrow(
        `operator '${name}' ${uses} but its input is not keyed: add .keyBy(...) before it`,
      );
    }
    // The same member names on other objects are not the context's.
    const env = StreamEnvironment.create(quiet);
    const registry = { getState: (n: string) => n, timerService: () => 'none' };
    env
      .fromCollection(['a'])
      .process(
        (v, ctx, out) => out.collect(`${registry.getState(v)}${registry.timerService()}${String(ctx.timestamp)}`),
        {
          name: 'lookalike',
        },
      );
    expect(() => env.plan()).not.toThrow();
  });

  it('a co-process function with onTimer on connected unkeyed streams is rejected the same way', () => {
    const env = StreamEnvironment.create(quiet);
    const fn = {
      processElement1: (v: number, _c: unknown, out: Collector<number>) => out.collect(v),
      processElement2: (v: number, _c: unknown, out: Collector<number>) => out.collect(v),
      onTimer: () => {},
    };
    env
      .fromCollection([1])
      .connect(env.fromCollection([2]))
      .process(fn, { name: 'join' })
      .print();
    expect(() => env.plan()).toThrow(
      "operator 'join' uses keyed timers (it has onTimer) but its input is not keyed: add .keyBy(...) before it",
    );
  });

  it('the same functions after keyBy, and plain unkeyed functions, build as before', () => {
    const env = StreamEnvironment.create(quiet);
    const src = env.fromCollection([1, 2, 2]);
    src.keyBy((x) => x).process(new Counting(), { name: 'count' });
    src.keyBy((x) => x).process(new Expiring(), { name: 'expire' });
    src
      .map(String)
      .keyBy((w) => w)
      .process(new RunningCount(), { name: 'counter' });
    src
      .connect(src)
      .keyBy(
        (x) => x,
        (x) => x,
      )
      .process(
        {
          processElement1: (v, _c, out) => out.collect(v),
          processElement2: (v, _c, out) => out.collect(v),
          onTimer: () => {},
        },
        { name: 'join' },
      );
    src.process((v, _ctx, out) => out.collect(v), { name: 'plain' });
    // Fields that merely look like a descriptor are the function's own business.
    const configured = {
      settings: { kind: 'value', name: 'mode' },
      processElement: (v: number, _c: unknown, out: Collector<number>) => out.collect(v),
    };
    src.process(configured, { name: 'configured' });
    // A comment that mentions a keyed call is not a call. Built from text, as plain JavaScript keeps
    // its comments (the TypeScript transform of this file would drop them).
    const commented = new Function(
      'v',
      'ctx',
      'out',
      '// keyed later: ctx.getState(desc) once this runs after keyBy\n/* ctx.timerService() */\nout.collect(v);',
    ) as (v: number, ctx: unknown, out: Collector<number>) => void;
    src.process({ processElement: commented }, { name: 'commented' });
    expect(() => env.plan()).not.toThrow();
  });
});

describe('configuration errors fail at once, naming the operator, instead of restarting forever', () => {
  it('keyed state without keyBy that only shows when the function runs: a JobGraphError naming the operator, no restart', async () => {
    for (const where of ['open', 'processElement'] as const) {
      const env = StreamEnvironment.create({
        ...quiet,
        checkpoint: { intervalMs: 10 },
        restart: { type: 'fixed-delay', attempts: 50, delayMs: 1 },
      });
      // The context goes to a helper, so the function's own text shows no keyed call.
      const fn = {
        open(ctx: unknown) {
          if (where === 'open') takeState(ctx);
        },
        processElement(value: number, ctx: unknown, out: Collector<number>) {
          if (where === 'processElement') takeState(ctx);
          out.collect(value);
        },
      } as unknown as ProcessFunction<number, number>;
      env.fromCollection([1, 2, 3]).process(fn, { name: 'NeedsKeys' }).print();
      expect(() => env.plan()).not.toThrow();
      const handle = env.executeAsync();
      const error = await handle.result.catch((e: unknown) => e as Error);
      expect(error).toBeInstanceOf(JobGraphError);
      expect((error as Error).message).toBe(
        "operator 'NeedsKeys' uses keyed state but its input is not keyed: add .keyBy(...) before it",
      );
      expect(handle.status().restarts).toBe(0);
    }
  });

  it('timers and keys asked for by an unkeyed function at run time fail the same way, naming what was asked', async () => {
    const cases: Array<[string, Partial<ProcessFunction<number, number>>, string]> = [
      ['registerSubtaskTimer in open', { open: (ctx) => armSubtaskTimer(ctx) }, 'uses timers (registerSubtaskTimer())'],
      [
        'timerService in processElement',
        { processElement: (_v, ctx) => armTimer(ctx) },
        'uses keyed timers (timerService())',
      ],
      ['getCurrentKey in processElement', { processElement: (_v, ctx) => readKey(ctx) }, 'uses keys (getCurrentKey())'],
    ];
    for (const [label, parts, uses] of cases) {
      const env = StreamEnvironment.create({ ...quiet, restart: { type: 'fixed-delay', attempts: 50, delayMs: 1 } });
      const fn: ProcessFunction<number, number> = { processElement: (v, _c, out) => out.collect(v), ...parts };
      env.fromCollection([1, 2]).process(fn, { name: 'Late' }).print();
      const handle = env.executeAsync();
      const error = await handle.result.catch((e: unknown) => e as Error);
      expect(error, label).toBeInstanceOf(JobGraphError);
      expect((error as Error).message, label).toBe(
        `operator 'Late' ${uses} but its input is not keyed: add .keyBy(...) before it`,
      );
      expect(handle.status().restarts, label).toBe(0);
    }
  });

  it('a session window whose aggregate has no merge() is rejected while building, naming the operator', () => {
    const agg = {
      createAccumulator: () => 0,
      add: (v: number, acc: number) => acc + v,
      getResult: (acc: number) => acc,
    };
    for (const assigner of [EventTimeSessionWindows.withGap(100), ProcessingTimeSessionWindows.withGap(100)]) {
      const env = StreamEnvironment.create(quiet);
      expect(() =>
        env
          .fromCollection([1])
          .keyBy((x) => x)
          .window(assigner)
          .aggregate(agg, undefined, { name: 'Sessions' }),
      ).toThrow(JobGraphError);
      expect(() =>
        env
          .fromCollection([1])
          .keyBy((x) => x)
          .window(assigner)
          .aggregate(agg, undefined, { name: 'Sessions' }),
      ).toThrow(/operator 'Sessions'.*needs merge/);
    }
    // Tumbling windows never merge: no merge() needed.
    const env = StreamEnvironment.create(quiet);
    expect(() =>
      env
        .fromCollection([1])
        .keyBy((x) => x)
        .window(TumblingProcessingTimeWindows.of(100))
        .aggregate(agg),
    ).not.toThrow();
  });

  it('a graph cycle names exactly the operators on the cycle, in flow order, whatever hangs off it (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 3 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 0, max: 3 }),
        (before, loop, after) => {
          const env = StreamEnvironment.create(quiet);
          let stream: DataStream<number> = env.fromCollection([1], { name: 'Src' });
          for (let i = 0; i < before; i++) stream = stream.map((x) => x, { name: `Pre${i}` });
          const loopStreams: DataStream<number>[] = [];
          for (let i = 0; i < loop; i++) loopStreams.push((stream = stream.map((x) => x, { name: `Loop${i}` })));
          for (let i = 0; i < after; i++) stream = stream.map((x) => x, { name: `Post${i}` });
          stream.print();
          // Close the loop by hand (the fluent API cannot): Loop0 also reads from the last loop member.
          loopStreams[0]!.transformation.inputs.push({
            from: loopStreams.at(-1)!.transformation,
            partitioner: undefined,
            inputSide: 1,
            sideTag: undefined,
          });
          const names = Array.from({ length: loop }, (_, i) => `'Loop${i}'`);
          expect(() => env.plan()).toThrow(`the job graph has a cycle: ${[...names, names[0]].join(' -> ')}`);
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe('the CLI rejects -p 0 with the rule', () => {
  it('stormshift run -p 0 prints one line with the rule and exits non-zero, no stack trace', async () => {
    const run = await cli(['run', join(ROOT, 'samples/word-count/job.ts'), '-p', '0']);
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain('--parallelism must be a whole number >= 1');
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });
});
