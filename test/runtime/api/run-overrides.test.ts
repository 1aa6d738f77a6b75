/**
 * Run overrides' parallelism cap, as verify's timed replay uses it: every operator on one task but
 * the ones named uncapped (the JoinBolts' keyed windows), which keep the job's parallelism.
 */
import { describe, expect, it } from 'vitest';
import { applyRunOverrides, JobGraphError, StreamEnvironment } from '../../../runtime/index.ts';

function build(): StreamEnvironment {
  const env = StreamEnvironment.create({ parallelism: 2 });
  env
    .fromCollection([1, 2, 3], { uid: 'numbers' })
    .map((n) => n + 1, { uid: 'plus', parallelism: 3 })
    .keyBy((n) => n % 2)
    .map((n) => n * 2, { uid: 'times' });
  return env;
}

const parallelismOf = (env: StreamEnvironment): Record<string, number | undefined> =>
  Object.fromEntries(
    env.transformations.filter((t) => ['numbers', 'plus', 'times'].includes(t.uid)).map((t) => [t.uid, t.parallelism]),
  );

describe('applyRunOverrides maxParallelism', () => {
  it('caps every operator but the uncapped ones, which keep their own or the job parallelism', () => {
    const env = build();
    applyRunOverrides(env, { maxParallelism: 1, uncapped: ['plus', 'times'] });
    expect(parallelismOf(env)).toEqual({ numbers: 1, plus: 3, times: undefined });
    const capped = build();
    applyRunOverrides(capped, { maxParallelism: 1 });
    expect(parallelismOf(capped)).toEqual({ numbers: 1, plus: 1, times: 1 });
  });

  it('names an uncapped uid the job does not have', () => {
    expect(() => applyRunOverrides(build(), { maxParallelism: 1, uncapped: ['joiner'] })).toThrow(JobGraphError);
    expect(() => applyRunOverrides(build(), { maxParallelism: 1, uncapped: ['joiner'] })).toThrow(
      "run override: no operator with uid 'joiner'",
    );
  });
});
