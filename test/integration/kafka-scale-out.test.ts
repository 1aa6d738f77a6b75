import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Consumer, Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  client,
  produce,
  range,
  startKafkaCluster,
  unique,
  waitFor,
  type KafkaTestCluster,
} from '../runtime/connectors/kafka/helpers.ts';

let cluster: KafkaTestCluster;
let kafka: Kafka;
const children: ChildProcess[] = [];
const dirs: string[] = [];
let reader: Consumer | undefined;

beforeAll(async () => {
  cluster = await startKafkaCluster({ brokers: 3 });
  kafka = client(cluster);
});

afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await reader?.disconnect();
  await cluster?.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function startMember(env: Record<string, string>): ChildProcess {
  const dir = mkdtempSync(join(tmpdir(), 'scale-out-'));
  dirs.push(dir);
  const child = spawn(
    process.execPath,
    [
      'cli/bin.js',
      'run',
      'test/integration/fixtures/scale-out-job.ts',
      '--quiet',
      '--metrics-port',
      '0',
      '--checkpoint-dir',
      dir,
      '--no-restore',
    ],
    {
      cwd: join(import.meta.dirname, '..', '..'),
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  child.on('exit', (code, signal) => {
    if (code !== 0 && signal !== 'SIGKILL' && signal !== 'SIGTERM')
      console.error(`member ${child.pid} exited ${code}/${signal}: ${stderr}`);
  });
  children.push(child);
  return child;
}

describe('scale-out: two job processes in one consumer group', () => {
  it('share the partitions; after SIGKILL of one, the other takes its partitions over from the committed offsets and nothing is lost', async () => {
    const input = unique('scale-in');
    const output = unique('scale-out');
    const group = unique('scale-group');
    await cluster.createTopic(input, 4);
    await cluster.createTopic(output, 1);
    const first = range(2000, 'a');
    await produce(kafka, input, first, 4);

    const out: Array<{ value: string; pid: number }> = [];
    reader = kafka.consumer({
      groupId: unique('reader'),
      heartbeatInterval: 500,
      sessionTimeout: 4000,
      maxWaitTimeInMs: 100,
    });
    await reader.connect();
    await reader.subscribe({ topic: output, fromBeginning: true });
    await reader.run({
      eachMessage: async ({ message }) => {
        const [value, pid] = message.value!.toString().split('|');
        out.push({ value: value!, pid: Number(pid) });
      },
    });

    const env = { KAFKA_BROKERS: cluster.brokers.join(','), SCALE_IN: input, SCALE_OUT: output, SCALE_GROUP: group };
    const a = startMember(env);
    const b = startMember(env);
    // Keep input flowing so both members have work once the group settles on two members.
    let produced = first.length;
    const second: string[] = [];
    const feeding = (async () => {
      for (let i = 0; i < 40; i++) {
        const batch = range(50, `b${i}-`);
        second.push(...batch);
        await produce(kafka, input, batch, 4);
        produced += batch.length;
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    await waitFor(
      () => out.some((r) => r.pid === a.pid) && out.some((r) => r.pid === b.pid) && out.length > 2500,
      40_000,
      'output from both members',
    );
    const beforeKill = out.length;
    b.kill('SIGKILL');
    await feeding;
    const third = range(1000, 'c');
    await produce(kafka, input, third, 4);
    produced += third.length;

    const all = new Set([...first, ...second, ...third]);
    expect(all.size).toBe(produced);
    await waitFor(
      () => new Set(out.map((r) => r.value)).size >= all.size,
      45_000,
      `all ${all.size} distinct records in the output`,
    );
    const seen = new Set(out.map((r) => r.value));
    expect([...all].filter((v) => !seen.has(v))).toEqual([]);
    // Records written after the kill were processed by the survivor only.
    expect(out.filter((r) => r.value.startsWith('c')).every((r) => r.pid === a.pid)).toBe(true);
    // At-least-once: what B emitted after its last completed checkpoint is read again by A.
    const duplicates = out.length - seen.size;
    console.log(
      `scale-out: ${produced} records, ${out.length} outputs (${duplicates} duplicates), ${beforeKill} before the kill`,
    );
    expect(duplicates).toBeLessThan(produced);
    a.kill('SIGTERM');
    await new Promise((r) => a.once('exit', r));
  }, 110_000);
});
