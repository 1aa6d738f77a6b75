import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  AlreadyAliveException,
  FailedException,
  InvalidTopologyException,
  NotAliveException,
  RuntimeException,
  StormException,
} from '../../../compat/index.ts';
import {
  ConnectorError,
  createRestartStrategy,
  ERROR_CODES,
  isErrorCode,
  StormshiftError,
} from '../../../runtime/index.ts';
import { runToList } from '../../fixtures/runtime/helpers.ts';

const ROOT = resolve(import.meta.dirname, '../../..');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

describe('one error hierarchy with a closed set of codes', () => {
  it('every code the shipped code raises is in the catalogue (the type system checks constructors; this checks worker messages and literals)', () => {
    const raised = new Set<string>();
    for (const file of [...sourceFiles(join(ROOT, 'runtime')), ...sourceFiles(join(ROOT, 'compat'))]) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/(?:Error|Exception|super)\(\s*'([A-Z][A-Z_]+)'/g)) raised.add(m[1]!);
    }
    expect(raised.size).toBeGreaterThan(20);
    expect([...raised].filter((code) => !isErrorCode(code))).toEqual([]);
    expect(isErrorCode('SOMETHING_ELSE')).toBe(false);
    expect(Object.values(ERROR_CODES).every((text) => text.length > 10)).toBe(true);
  });

  it('compat exceptions share the base: a code, a retriable flag, and Storm names', () => {
    const thrown = new RuntimeException('boom');
    expect(thrown).toBeInstanceOf(StormshiftError);
    expect(thrown).toBeInstanceOf(StormException);
    expect(thrown).toBeInstanceOf(Error);
    expect(thrown.name).toBe('RuntimeException');
    expect(thrown.code).toBe('STORM_RUNTIME_EXCEPTION');
    expect(thrown.retriable).toBe(true);
    const failed = new FailedException('nope');
    expect(failed).toBeInstanceOf(RuntimeException);
    expect(failed.name).toBe('FailedException');
    for (const [error, code] of [
      [new InvalidTopologyException('bad'), 'STORM_INVALID_TOPOLOGY'],
      [new AlreadyAliveException('x'), 'STORM_ALREADY_ALIVE'],
      [new NotAliveException('x'), 'STORM_NOT_ALIVE'],
    ] as const) {
      expect(error).toBeInstanceOf(StormshiftError);
      expect(error.code).toBe(code);
      expect(error.retriable).toBe(false);
      expect(error.get_msg()).toBe(error.message);
    }
    // Java's new RuntimeException(cause) keeps the cause.
    const cause = new Error('inner');
    expect(new RuntimeException(cause).cause).toBe(cause);
  });

  it('the restart strategy follows the flag: a Storm RuntimeException restarts, an InvalidTopologyException does not', () => {
    const strategy = createRestartStrategy({ type: 'fixed-delay', attempts: 5, delayMs: 7 });
    expect(strategy.nextDelay(new RuntimeException('transient'), 0)).toBe(7);
    expect(strategy.nextDelay(new InvalidTopologyException('never'), 0)).toBeUndefined();
  });

  it('async I/O retries honour retriable: a non-retriable error is not retried, a retriable one is', async () => {
    let badValueCalls = 0;
    const failure = await runToList(
      (env) =>
        env.fromCollection([1]).asyncMap(
          async () => {
            badValueCalls++;
            throw new ConnectorError('REDIS_BAD_VALUE', 'value of key k is not JSON', { retriable: false });
          },
          { name: 'Lookup', retry: { maxAttempts: 5, delayMs: 1 } },
        ),
      { restart: { type: 'none' } },
    ).catch((e: unknown) => e as Error);
    expect(failure).toBeInstanceOf(ConnectorError);
    expect(badValueCalls).toBe(1);

    let flakyCalls = 0;
    const out = await runToList((env) =>
      env.fromCollection([1]).asyncMap(
        async (x) => {
          if (++flakyCalls < 3)
            throw new ConnectorError('REDIS_LOOKUP_FAILED', 'connection reset', { retriable: true });
          return x * 10;
        },
        { name: 'Lookup', retry: { maxAttempts: 5, delayMs: 1 } },
      ),
    );
    expect(out).toEqual([10]);
    expect(flakyCalls).toBe(3);
  });
});
