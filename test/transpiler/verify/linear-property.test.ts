/**
 * The migration property on random linear topologies (spout → map/filter/flatMap bolts over
 * shuffle and fields groupings): verify finds a correct native rewrite equal, and the real
 * `migrate` turns each topology into a native job that verify finds equal.
 * Each case runs two side processes (compat and native): a few cases per property. The timeouts
 * only catch a hang: on the shared 2-core machine under load these take minutes, not seconds.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { migrate } from '../../../transpiler/index.ts';
import { formatVerdicts, verifyMigration, verifyTopology } from '../../../transpiler/verify/index.ts';
import { linearTopologyArb, nativeSource, stormSource } from './linear-topology.ts';
import { userProject } from './user-project.ts';

const HANG = 600_000;

describe('random linear topologies', () => {
  it(
    'verify finds the correct native rewrite equal',
    async () => {
      const project = userProject();
      let n = 0;
      try {
        await fc.assert(
          fc.asyncProperty(linearTopologyArb, async (t) => {
            const id = ++n;
            const original = project.write(`gen${id}/topology.ts`, stormSource(t, 'stormshift/compat'));
            const rewrite = project.write(`gen${id}/topology.native.ts`, nativeSource(t, 'stormshift/runtime'));
            const v = await verifyTopology({ original, rewrite, records: 40 });
            expect(v.status, `${JSON.stringify(t)}\n${formatVerdicts([v])}`).toBe('equal');
            expect(v.replayed).toEqual({ spout: 40 });
          }),
          { numRuns: 3 },
        );
      } finally {
        project.remove();
      }
    },
    HANG,
  );

  it(
    'migrate turns them into native jobs that verify equal',
    async () => {
      let run = 0;
      // One migration and one verify run per batch: each pays for a TypeScript program and a project copy.
      await fc.assert(
        fc.asyncProperty(fc.array(linearTopologyArb, { minLength: 4, maxLength: 4 }), async (topologies) => {
          const project = userProject();
          try {
            const files = topologies.map((t, i) =>
              project.write(`run${++run}/gen${i}.ts`, stormSource(t, 'stormshift/compat')),
            );
            const result = await migrate({ paths: ['.'], cwd: project.root });
            expect([...result.topologies].sort()).toEqual([...files].sort());
            for (const file of files) {
              const after = result.changes.get(file)!.after;
              expect(after).toContain("from 'stormshift/runtime'");
              expect(after).not.toContain('stormshift/compat');
            }
            const verdicts = await verifyMigration({
              root: result.root,
              changes: result.changes,
              topologies: files,
              records: 40,
            });
            for (const [i, v] of verdicts.entries()) {
              expect(v.status, `${JSON.stringify(topologies[i])}\n${formatVerdicts([v])}`).toBe('equal');
            }
          } finally {
            project.remove();
          }
        }),
        { numRuns: 1 },
      );
    },
    HANG,
  );
});
