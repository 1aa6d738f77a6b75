import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  collectSink,
  ConfigError,
  PoisonRecordError,
  RuntimeMetrics,
  StreamEnvironment,
  ValueStateDescriptor,
  type DeadLetter,
  type JobConfig,
  type KeyedProcessFunction,
  type ValueState,
} from '../../../runtime/index.ts';

const N = 400;
const KEYS = 7;

type Where = 'Parse' | 'Count';

/** generator → Parse (map) → keyBy → Count (keyed running count) → exactly-once sink; `poison` makes `where` throw on it, every time. */
function job(
  config: JobConfig,
  poison: number,
  where: Where,
  sink = collectSink<string>({ exactlyOnce: true }),
  metrics = new RuntimeMetrics(),
) {
  const env = StreamEnvironment.create({
    log: () => {},
    checkpoint: { intervalMs: 10 },
    restart: { type: 'fixed-delay', attempts: 20, delayMs: 1 },
    metrics,
    ...config,
  });
  const count: KeyedProcessFunction<number, number, string> & { n?: ValueState<number> } = {
    open(ctx) {
      this.n = ctx.getState(new ValueStateDescriptor<number>('n'));
    },
    processElement(i, ctx, out) {
      if (where === 'Count' && i === poison) throw new Error(`cannot count ${i}`);
      const n = (this.n!.value() ?? 0) + 1;
      this.n!.update(n);
      out.collect(`${ctx.getCurrentKey()}:${i}`);
    },
  };
  env
    .generate({ count: N, ratePerSecond: 20_000, generate: (i) => i }, { name: 'Numbers' })
    .map(
      (i) => {
        if (where === 'Parse' && i === poison) throw new Error(`cannot parse ${i}`);
        return i;
      },
      { name: 'Parse' },
    )
    .keyBy((i) => i % KEYS)
    .process(count, { name: 'Count', parallelism: 2 })
    .sinkTo(sink.sink, { name: 'Out' });
  return { env, sink, metrics };
}

const expectedWithout = (poison: number): string[] =>
  Array.from({ length: N }, (_, i) => i)
    .filter((i) => i !== poison)
    .map((i) => `${i % KEYS}:${i}`)
    .sort();

describe('poison records', () => {
  it('default policy: the same record failing in the same operator 3 times fails the job with one clear error (no endless restarts)', async () => {
    const { env } = job({}, 123, 'Parse');
    const handle = env.executeAsync();
    const error = await handle.result.then(
      () => new Error('the job should have failed'),
      (e: unknown) => e as Error,
    );
    expect(error).toBeInstanceOf(PoisonRecordError);
    expect((error as PoisonRecordError).code).toBe('POISON_RECORD');
    expect((error as PoisonRecordError).retriable).toBe(false);
    expect(error.message).toContain("operator 'Parse' failed 3 times on record 123: cannot parse 123");
    // Three failures: the first two were restarts, the third gave up.
    expect(handle.status().restarts).toBe(2);
    expect(handle.status().poisonRecords).toBe(1);
  });

  it("policy 'skip' diverts exactly the poison record to the dead-letter output, once; everything else arrives exactly once (property over where it lands)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: N - 1 }),
        fc.constantFrom<Where>('Parse', 'Count'),
        fc.integer({ min: 1, max: 3 }),
        async (poison, where, attempts) => {
          const deadLetters: DeadLetter[] = [];
          const { env, sink, metrics } = job(
            {
              poison: {
                attempts,
                policy: 'fail',
                operators: { [where]: 'skip' },
                deadLetter: (d) => deadLetters.push(d),
              },
            },
            poison,
            where,
          );
          const handle = env.executeAsync();
          const result = await handle.result;
          expect(result.state).toBe('finished');
          expect(sink.values.sort()).toEqual(expectedWithout(poison));
          // Delivered when the checkpoint after the diversion completed, with what identifies it there.
          expect(deadLetters).toHaveLength(1);
          expect(deadLetters[0]).toMatchObject({ operator: where, record: poison, attempts, index: 0 });
          expect(deadLetters[0]!.checkpointId).toBeGreaterThan(0);
          expect(deadLetters[0]!.error).toContain(`${poison}`);
          expect(handle.status().poisonRecords).toBe(1);
          expect(handle.status().deadLettered).toBe(deadLetters.length);
          const text = await metrics.registry.metrics();
          expect(text).toMatch(
            new RegExp(`poison_records_total\\{[^}]*operator="${where}"[^}]*action="skip"[^}]*\\} 1`),
          );
        },
      ),
      { numRuns: 12 },
    );
  });

  it("policy 'restart' keeps restarting (the restart strategy decides), logging the poison record each time it recurs", async () => {
    const warnings: string[] = [];
    const { env } = job(
      {
        poison: { policy: 'restart' },
        restart: { type: 'fixed-delay', attempts: 5, delayMs: 1 },
        log: (level, m) => level === 'warn' && warnings.push(m),
      },
      50,
      'Count',
    );
    const handle = env.executeAsync();
    const error = await handle.result.catch((e: unknown) => e as Error);
    expect(error).not.toBeInstanceOf(PoisonRecordError);
    expect(handle.status().restarts).toBe(5);
    expect(
      warnings.filter((w) => w.includes("poison record: operator 'Count' failed") && w.includes("policy 'restart'")),
    ).toHaveLength(4);
  });

  it('a wrong poison option is a ConfigError naming it', () => {
    expect(() => StreamEnvironment.create({ poison: { policy: 'ignore' as never } })).toThrow(ConfigError);
    expect(() => StreamEnvironment.create({ poison: { policy: 'ignore' as never } })).toThrow(/poison.policy/);
    expect(() => StreamEnvironment.create({ poison: { attempts: 0 } })).toThrow(/poison.attempts/);
  });
});
