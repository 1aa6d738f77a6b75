import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  EventTimeSessionWindows,
  JobGraphError,
  ProcessingTimeSessionWindows,
  StreamEnvironment,
  TumblingProcessingTimeWindows,
  ValueStateDescriptor,
  type DataStream,
  type ProcessFunction,
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

describe('configuration errors fail at once, naming the operator, instead of restarting forever', () => {
  it('keyed state without keyBy: a JobGraphError naming the operator and the missing keyBy, with no restart', async () => {
    for (const where of ['open', 'processElement'] as const) {
      const env = StreamEnvironment.create({
        ...quiet,
        checkpoint: { intervalMs: 10 },
        restart: { type: 'fixed-delay', attempts: 50, delayMs: 1 },
      });
      const fn = {
        open(ctx: { getState(d: unknown): unknown }) {
          if (where === 'open') ctx.getState(new ValueStateDescriptor<number>('n'));
        },
        processElement(value: number, ctx: { getState?(d: unknown): unknown }, out: { collect(v: number): void }) {
          if (where === 'processElement') ctx.getState!(new ValueStateDescriptor<number>('n'));
          out.collect(value);
        },
      } as unknown as ProcessFunction<number, number>;
      env.fromCollection([1, 2, 3]).process(fn, { name: 'NeedsKeys' }).print();
      const handle = env.executeAsync();
      const error = await handle.result.catch((e: unknown) => e as Error);
      expect(error).toBeInstanceOf(JobGraphError);
      expect((error as Error).message).toBe(
        "operator 'NeedsKeys' uses keyed state, but its input is not keyed: add keyBy(...) before it",
      );
      expect(handle.status().restarts).toBe(0);
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
