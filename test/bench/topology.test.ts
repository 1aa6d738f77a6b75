/**
 * `stormshift bench --topology`: argument errors name the flag; an end-to-end quick run of the
 * exclamation sample against a given native migration reports both variants with their ratio.
 * No speed is asserted here (speed targets live in bench/).
 */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseTopologyArgs } from '../../bench/topology.ts';

const root = resolve(import.meta.dirname, '../..');

describe('stormshift bench --topology', () => {
  it('parses its flags and rejects bad ones by name', () => {
    const o = parseTopologyArgs([
      '--topology',
      'samples/storm/word-count.ts',
      '--max-parallelism',
      '1',
      '--runs',
      '2',
      '--quick',
    ]);
    expect(o.topology).toBe(resolve('samples/storm/word-count.ts'));
    expect([o.maxParallelism, o.runs, o.quick, o.records]).toEqual([1, 2, true, 1000]);
    expect(() => parseTopologyArgs(['--topology', 'nope.ts'])).toThrow(/--topology: no such file/);
    expect(() => parseTopologyArgs(['--topology', 'samples/storm/word-count.ts', '--runs', '0'])).toThrow(
      /--runs needs a whole number >= 1/,
    );
    expect(() => parseTopologyArgs(['--topology', 'samples/storm/word-count.ts', '--only', 'x'])).toThrow(
      /unknown argument '--only'/,
    );
    expect(() => parseTopologyArgs(['--quick'])).toThrow(/--topology needs a file/);
  });

  it('runs the topology on compat and its migration on the same recorded input and prints the ratio', () => {
    const run = spawnSync(
      process.execPath,
      [
        'cli/bin.js',
        'bench',
        '--topology',
        'samples/storm/exclamation.ts',
        '--migrated',
        'test/transpiler/verify/fixtures/exclamation.native.ts',
        '--quick',
        '--runs',
        '1',
        '--records',
        '50',
      ],
      { cwd: root, encoding: 'utf8' },
    );
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr).toContain('[bench] recording 50 tuples per spout');
    const rows = run.stdout.split('\n').filter((l) => /^\| (compat|migrated) \|/.test(l));
    expect(rows).toHaveLength(2);
    for (const row of rows) expect(row).toMatch(/^\| \w+ \| [\d.]+[kM]? \(/);
    expect(run.stdout).toMatch(/^migrated \/ compat: [\d.]+×$/m);
  }, 600_000); // a hang guard: six processes on a loaded 2-core machine
});
