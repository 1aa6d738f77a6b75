import { afterEach, describe, expect, it } from 'vitest';
import { Fields, LocalCluster, ShellSpout, TopologyBuilder, type OutputFieldsDeclarer } from '../../../compat/index.ts';
import { waitFor } from '../e2e/fixtures.ts';
import { RESOURCES, RecorderBolt, newRecord } from './components.ts';

let cluster: LocalCluster | undefined;
afterEach(async () => {
  await cluster?.shutdown();
  cluster = undefined;
});

class BadSpout extends ShellSpout {
  constructor(mode: string) {
    super('python3', 'bad_spout.py', mode);
  }
  declareOutputFields(d: OutputFieldsDeclarer): void {
    d.declare(new Fields('v'));
  }
}

async function errorsFor(name: string, mode: string, conf: Record<string, unknown> = {}): Promise<string[]> {
  const b = new TopologyBuilder();
  b.setSpout('bad', new BadSpout(mode));
  b.setBolt('out', new RecorderBolt(newRecord())).shuffleGrouping('bad');
  cluster = new LocalCluster();
  await cluster.submitTopology(name, { 'stormshift.multilang.code.dir': RESOURCES, ...conf }, b.createTopology());
  const errors = (): string[] => cluster!.getTopologyRun(name)!.errors.map((e) => String((e.error as Error).message));
  await waitFor(() => errors().length > 0, 30_000, 'an error');
  return errors();
}

describe('multilang spout failures (§11)', () => {
  it('a spout that never syncs after next fails its task on the heartbeat timeout', async () => {
    // Real time drives the check (1 s timeout, checked every 50 ms); the test waits for the error event.
    const [first] = await errorsFor('ml-spout-hang', 'hang', {
      'topology.subprocess.timeout.secs': 1,
      'stormshift.multilang.heartbeat.interval.ms': 50,
      'stormshift.multilang.handshake.timeout.secs': 60,
    });
    expect(first).toMatch(
      /^Halting process: ShellSpout died\. Component: bad:\d+, Command: \[python3, bad_spout\.py, hang\]/,
    );
    expect(first).toContain('subprocess heartbeat timeout');
  });

  it('an unknown command fails a spout task', async () => {
    const [first] = await errorsFor('ml-spout-bogus', 'bogus');
    expect(first).toContain('Command: [python3, bad_spout.py, bogus]');
    expect(first).toContain('Unknown command received: bogus');
  });
});
