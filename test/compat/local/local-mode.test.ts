import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  Config,
  ConfigurableTopology,
  LocalCluster,
  NimbusClient,
  StormSubmitter,
  TopologyBuilder,
  UnsupportedOperationException,
  IllegalStateException,
  Time,
  type Tuple,
} from '../../../compat/index.ts';
import { waitFor } from '../e2e/fixtures.ts';

afterEach(async () => {
  await StormSubmitter.shutdownEmbedded();
});

describe('StormSubmitter and the local-mode override (§12)', () => {
  it('submits to the override cluster inside withLocalModeOverride', async () => {
    const got: unknown[] = [];
    const result = await LocalCluster.withLocalModeOverride(async () => {
      expect(NimbusClient.isLocalOverride()).toBe(true);
      const b = new TopologyBuilder();
      let i = 0;
      b.setSpout('s', () => (i < 3 ? i++ : null));
      b.setBolt('b', (t: Tuple) => void got.push(t.getValueByField('lambda'))).shuffleGrouping('s');
      await StormSubmitter.submitTopology('override', new Config(), b.createTopology());
      await waitFor(() => got.length === 3, 5000, 'lambda tuples');
      return 'done';
    }, 0);
    expect(result).toBe('done');
    expect(got).toEqual([0, 1, 2]);
    expect(StormSubmitter.embeddedCluster()).toBeNull();
  });

  it('falls back to a lazily created embedded cluster and validates the submission', async () => {
    const b = new TopologyBuilder();
    b.setSpout('s', () => null);
    await StormSubmitter.submitTopologyWithProgressBar('embedded', {}, b.createTopology());
    expect(StormSubmitter.embeddedCluster()!.getTopologyNames()).toEqual(['embedded']);
    await expect(StormSubmitter.submitTopology('bad/name', {}, b.createTopology())).rejects.toMatchObject({
      name: 'IllegalArgumentException',
    });
    const noSpout = new TopologyBuilder().createTopology();
    await expect(StormSubmitter.submitTopology('nospout', {}, noSpout)).rejects.toThrow(
      'Topology nospout does not have any spout',
    );
  });

  it('runs a lambda bi-consumer bolt as a basic bolt declaring the given fields', async () => {
    const got: unknown[] = [];
    const b = new TopologyBuilder();
    let i = 0;
    b.setSpout('s', () => (i < 2 ? `w${i++}` : undefined));
    b.setBolt(
      'upper',
      (t: Tuple, c: { emit(v: unknown[]): number[] }) => void c.emit([String(t.getValue(0)).toUpperCase()]),
      2,
      'up',
    ).shuffleGrouping('s');
    b.setBolt('sink', (t: Tuple) => void got.push(t.getValueByField('up'))).shuffleGrouping('upper');
    await using cluster = new LocalCluster();
    await using _topology = await cluster.submitTopology('lambdas', {}, b.createTopology());
    await waitFor(() => got.length === 2, 5000, 'lambda output');
    expect([...got].sort()).toEqual(['W0', 'W1']);
  });

  it('logs every emit when topology.debug is set', async () => {
    const lines: string[] = [];
    const b = new TopologyBuilder();
    let i = 0;
    b.setSpout('s', () => (i < 1 ? `w${i++}` : null));
    await using cluster = new LocalCluster({ log: (_level, message) => void lines.push(message) });
    const conf = new Config();
    conf.setDebug(true);
    await cluster.submitTopology('debug', conf, b.createTopology());
    await waitFor(() => lines.some((l) => l.startsWith('Emitting: s default [w0]')), 5000, 'debug line');
  });

  it('a cluster built withSimulatedTime() turns simulated time on until it shuts down', async () => {
    const cluster = new LocalCluster.Builder().withSimulatedTime().build();
    expect([Time.isSimulating(), Time.currentTimeMillis()]).toEqual([true, 0]);
    Time.advanceTime(1500);
    expect(Time.currentTimeSecs()).toBe(1);
    await cluster.shutdown();
    expect(Time.isSimulating()).toBe(false);
    expect(() => Time.advanceTime(1)).toThrow(IllegalStateException);
  });
});

class YamlTopology extends ConfigurableTopology {
  seenArgs: string[] = [];
  protected run(args: string[]): Promise<number> {
    this.seenArgs = args;
    const b = new TopologyBuilder();
    b.setSpout('s', () => null);
    return this.submit(this.conf, b);
  }
  get confView(): Config {
    return this.conf;
  }
}

describe('ConfigurableTopology (§12)', () => {
  it('reads -conf YAML (nested under config:) and submits with topology.name', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stormshift-conf-'));
    const file = join(dir, 'conf.yaml');
    writeFileSync(file, 'config:\n  topology.name: from-yaml\n  topology.workers: 2\n  custom.key: hello\n');
    const topo = new YamlTopology();
    const rc = await ConfigurableTopology.start(topo, ['-conf', file, 'extra']);
    expect(rc).toBe(0);
    expect(topo.seenArgs).toEqual(['extra']);
    expect(topo.confView['custom.key']).toBe('hello');
    expect(StormSubmitter.embeddedCluster()!.getTopologyNames()).toEqual(['from-yaml']);
    // A second submission under the same name fails: submit resolves -1.
    expect(await ConfigurableTopology.start(new YamlTopology(), ['-conf', file])).toBe(-1);
  });
});
