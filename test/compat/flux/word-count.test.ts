import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalCluster, loadFluxTopology } from '../../../compat/index.ts';
import { waitFor } from '../e2e/fixtures.ts';
import { RESOURCES, expectedCounts, newRecord, record } from '../multilang/components.ts';

const FILE = fileURLToPath(new URL('../multilang/word-count.flux.yaml', import.meta.url));

let cluster: LocalCluster | undefined;
afterEach(async () => {
  await cluster?.shutdown();
  cluster = undefined;
});

describe('Flux: the multilang word count from a YAML file', () => {
  it('builds FluxShellSpout/FluxShellBolt and a TS bolt by path#export, starts the scripts in resources/, counts every word', async () => {
    const rec = newRecord();
    const ft = await loadFluxTopology(FILE, { properties: { 'record.id': rec } });
    expect(ft.name).toBe('flux-ml-word-count');
    expect(ft.conf['stormshift.multilang.code.dir']).toBe(RESOURCES.replace(/\/$/, ''));
    cluster = new LocalCluster();
    await cluster.submitTopology(ft.name, ft.conf, ft.topology);
    const verdicts = (): Array<[string, number]> =>
      record(rec)
        .tuples.filter((t) => t.stream === 'verdicts')
        .map((t) => t.values as [string, number]);
    await waitFor(
      () =>
        new Set(
          verdicts()
            .filter(([v]) => v === 'ack')
            .map(([, id]) => id),
        ).size === 20,
      30_000,
      '20 acked sentences',
    );
    expect(
      verdicts()
        .filter(([v]) => v === 'fail')
        .map(([, id]) => id)
        .sort(),
    ).toEqual([11, 3]);
    const expected = expectedCounts(20);
    const counts = (): Map<string, number> => {
      const m = new Map<string, number>();
      for (const t of record(rec).tuples.filter((x) => x.source === 'count'))
        m.set(t.values[0] as string, Math.max(m.get(t.values[0] as string) ?? 0, t.values[1] as number));
      return m;
    };
    await waitFor(() => [...expected].every(([w, n]) => counts().get(w) === n), 10_000, 'final counts');
    expect(counts()).toEqual(expected);
  });
});
