import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalCluster, TopologyBuilder } from '../../../compat/index.ts';
import { waitFor } from '../e2e/fixtures.ts';
import { CounterSpout, RESOURCES, RecorderBolt, ScriptBolt, newRecord, record } from './components.ts';

let cluster: LocalCluster | undefined;
afterEach(async () => {
  await cluster?.shutdown();
  cluster = undefined;
});

function errorsOf(name: string): string[] {
  return cluster!.getTopologyRun(name)!.errors.map((e) => `${e.componentId}: ${String((e.error as Error).message)}`);
}

async function runWith(name: string, bolt: ScriptBolt, conf: Record<string, unknown> = {}): Promise<string> {
  const rec = newRecord();
  const b = new TopologyBuilder();
  b.setSpout('src', new CounterSpout(rec, 20));
  b.setBolt('shell', bolt).shuffleGrouping('src');
  b.setBolt('out', new RecorderBolt(rec)).shuffleGrouping('shell');
  cluster = new LocalCluster();
  await cluster.submitTopology(name, { 'stormshift.multilang.code.dir': RESOURCES, ...conf }, b.createTopology());
  return rec;
}

describe('multilang failures (§11): the task fails naming component, command and the offending bytes', () => {
  it('a subprocess that stops answering fails the task on the heartbeat timeout', async () => {
    // Real time drives the heartbeat: a 1 s timeout checked every 50 ms. The test waits for the
    // reported error, never for an elapsed time.
    await runWith('ml-hang', new ScriptBolt(['python3', 'hang.py'], ['v']), {
      'topology.subprocess.timeout.secs': 1,
      // A slow start on a busy machine must not count: the handshake keeps its own (default) bound.
      'stormshift.multilang.handshake.timeout.secs': 60,
      'stormshift.multilang.heartbeat.interval.ms': 50,
    });
    await waitFor(() => errorsOf('ml-hang').length > 0, 30_000, 'the heartbeat timeout error');
    const [first] = errorsOf('ml-hang');
    expect(first).toMatch(
      /^shell: Halting process: ShellBolt died\. Component: shell:\d+, Command: \[python3, hang\.py\], ProcessInfo pid:\d+/,
    );
    expect(first).toContain('subprocess heartbeat timeout');
  });

  it('a stray print (not JSON) fails the task and quotes the bytes', async () => {
    await runWith('ml-malformed', new ScriptBolt(['python3', 'malformed.py'], ['v']));
    await waitFor(() => errorsOf('ml-malformed').length > 0, 30_000, 'the malformed-message error');
    const [first] = errorsOf('ml-malformed');
    expect(first).toContain('Command: [python3, malformed.py]');
    expect(first).toContain('malformed multilang message');
    expect(first).toContain('"hello from print"');
  });

  it('a subprocess that dies fails the task with its exit code and stderr; the restarted task relaunches it and nothing is lost', async () => {
    const markers = mkdtempSync(join(tmpdir(), 'ml-crash-'));
    const rec = await runWith('ml-crash', new ScriptBolt(['python3', 'crash_once.py'], ['v']), {
      'test.marker.dir': markers,
      'stormshift.reliability': 'checkpoint',
      'topology.state.checkpoint.interval.ms': 100,
      'stormshift.checkpoint.dir': mkdtempSync(join(tmpdir(), 'ml-crash-cp-')),
    });
    await waitFor(() => errorsOf('ml-crash').length > 0, 30_000, 'the crash error');
    const [first] = errorsOf('ml-crash');
    expect(first).toContain('Command: [python3, crash_once.py]');
    expect(first).toContain('Pipe to subprocess seems to be broken! No output read.');
    expect(first).toContain('exitCode:3');
    expect(first).toContain('boom: crashing on purpose');
    expect(readdirSync(markers)).toEqual(['crashed']);
    // Checkpoint mode: the spout rewinds to the last checkpoint and the relaunched process gets every value.
    const seen = (): Set<number> => new Set(record(rec).tuples.map((t) => t.values[0] as number));
    await waitFor(() => seen().size === 20, 30_000, 'all 20 values after the restart');
    expect([...seen()].sort((a, b) => a - b)).toEqual([...Array(20).keys()]);
  });

  it('a script that does not exist fails the submit (prepare) with the command, the exit code and stderr', async () => {
    const submit = runWith('ml-missing', new ScriptBolt(['python3', 'no_such_script.py'], ['v']));
    await expect(submit).rejects.toThrow(
      /Component: shell:\d+, Command: \[python3, no_such_script\.py\].*exitCode:2, errorString:.*no_such_script\.py/s,
    );
  });

  it('an unsupported topology.multilang.serializer is rejected at prepare', async () => {
    const submit = runWith('ml-serializer', new ScriptBolt(['python3', 'hang.py'], ['v']), {
      'topology.multilang.serializer': 'com.example.MsgPackSerializer',
    });
    await expect(submit).rejects.toThrow(
      'Failed to construct multilang serializer from serializer com.example.MsgPackSerializer',
    );
  });

  it('a subprocess that never answers the handshake fails the submit after the handshake timeout', async () => {
    const submit = runWith('ml-mute', new ScriptBolt(['python3', 'mute.py'], ['v']), {
      'stormshift.multilang.handshake.timeout.secs': 1,
    });
    await expect(submit).rejects.toThrow(
      /Command: \[python3, mute\.py\].*did not answer the handshake with \{"pid": n\} within 1 s/s,
    );
  });
});
