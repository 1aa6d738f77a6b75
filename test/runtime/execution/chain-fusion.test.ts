import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  collectSink,
  InMemoryCheckpointStorage,
  RuntimeMetrics,
  StreamEnvironment,
  ValueStateDescriptor,
  type KeyedProcessFunction,
  type ValueState,
} from '../../../runtime/index.ts';
import { chainFusion } from '../../../runtime/execution/fusion.ts';
import { scriptedSource, type Step } from '../../fixtures/runtime/helpers.ts';

/**
 * The direct record hops (a chained consumer called straight, a sink in its own hop, a local
 * single-channel edge pushed without NodeOutput and the router) must be invisible: the same job run
 * through the general outputs gives the same records, the same checkpointed state and the same
 * counters.
 */

type Sentence = { words: string[]; ts: number };

/** Running count per word in keyed state, and an event-time timer per record, so watermarks matter. */
function countWithTimers(): KeyedProcessFunction<string, string, string> & { count?: ValueState<number> } {
  return {
    open(ctx) {
      this.count = ctx.getState(new ValueStateDescriptor<number>('count'));
    },
    processElement(word, ctx, out) {
      const n = (this.count!.value() ?? 0) + 1;
      this.count!.update(n);
      ctx.timerService().registerEventTimeTimer((ctx.timestamp ?? 0) + 3);
      out.collect(`${word}=${n}@${ctx.timestamp}`);
    },
    onTimer(ts, ctx, out) {
      out.collect(`timer ${ctx.getCurrentKey()}@${ts} n=${this.count!.value()}`);
    },
  };
}

interface Run {
  values: string[];
  state: unknown;
  counters: Record<string, { recordsIn: number; recordsOut: number }>;
}

async function run(script: Step<string>[], perPoll: number, parallelism: number, fused: boolean): Promise<Run> {
  const storage = new InMemoryCheckpointStorage();
  const metrics = new RuntimeMetrics();
  const sink = collectSink<string>({ exactlyOnce: true });
  const env = StreamEnvironment.create({
    jobName: 'fusion',
    log: () => {},
    parallelism,
    metrics,
    checkpoint: { storage },
  });
  env
    .fromSource(scriptedSource(script, perPoll), { name: 'sentences', uid: 'sentences' })
    .flatMap<string>(
      (line, emit) => {
        for (const word of line.split(' ')) if (word !== '') emit(word);
      },
      { name: 'split', uid: 'split' },
    )
    .keyBy((word) => word)
    .process<string>(countWithTimers(), { name: 'count', uid: 'count' })
    .sinkTo(sink.sink, { name: 'out', uid: 'out' });
  chainFusion.enabled = fused;
  try {
    await env.execute();
  } finally {
    chainFusion.enabled = true;
  }
  const latest = await storage.latest();
  if (latest === undefined) throw new Error('the job finished without its final checkpoint');
  const operators = metrics.snapshot().jobs.fusion!.operators;
  const counters: Run['counters'] = {};
  for (const [name, totals] of Object.entries(operators))
    counters[name] = { recordsIn: totals.recordsIn, recordsOut: totals.recordsOut };
  return { values: [...sink.values].sort(), state: normalise(latest.data.operators), counters };
}

/** Checkpointed keyed state with entries in a fixed order: maps iterate in insertion order. */
function normalise(value: unknown): unknown {
  if (Array.isArray(value)) {
    const items = value.map(normalise);
    return items.every((item) => Array.isArray(item))
      ? [...items].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1))
      : items;
  }
  if (value !== null && typeof value === 'object' && !(value instanceof Map)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normalise(v)]));
  }
  return value;
}

function script(sentences: Sentence[]): Step<string>[] {
  const steps: Step<string>[] = [];
  let watermark = -Infinity;
  for (const { words, ts } of sentences) {
    steps.push({ value: words.join(' '), ts });
    if (ts - 2 > watermark) {
      watermark = ts - 2;
      steps.push({ watermark });
    }
  }
  return steps;
}

const sentence = fc.record({
  words: fc.array(fc.constantFrom('the', 'cow', 'moon', 'a', 'day', ''), { maxLength: 6 }),
  ts: fc.integer({ min: 0, max: 40 }),
});

describe('direct record hops', () => {
  it('give the same records, checkpointed state and counters as the general outputs', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(sentence, { maxLength: 25 }),
        fc.integer({ min: 1, max: 7 }),
        fc.constantFrom(1, 2),
        async (sentences, perPoll, parallelism) => {
          const steps = script(sentences);
          const fused = await run(steps, perPoll, parallelism, true);
          const general = await run(steps, perPoll, parallelism, false);
          expect(fused.values).toEqual(general.values);
          expect(fused.state).toEqual(general.state);
          expect(fused.counters).toEqual(general.counters);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('count every record in and out on the direct path', async () => {
    const steps = script([
      { words: ['the', 'cow', 'the'], ts: 5 },
      { words: ['moon'], ts: 9 },
    ]);
    const { counters, values } = await run(steps, 1, 1, true);
    const words = values.filter((v) => !v.startsWith('timer')).length;
    const timers = values.length - words;
    expect(words).toBe(4);
    expect(counters).toEqual({
      sentences: { recordsIn: 0, recordsOut: 2 },
      split: { recordsIn: 2, recordsOut: 4 },
      count: { recordsIn: 4, recordsOut: 4 + timers },
      out: { recordsIn: 4 + timers, recordsOut: 0 },
    });
  });
});
