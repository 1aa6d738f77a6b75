/**
 * The Kafka word count (`samples/soak/kafka-word-count.ts`) as the Kafka integration tests run it:
 * through the CLI in a child process, so a test can SIGKILL it where it chooses.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import kafkajs, { type Admin } from 'kafkajs';
import { afterAll, beforeAll } from 'vitest';
import { startKafkaCluster, type KafkaTestCluster } from '../harness/kafka/index.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const WORDS = ['the', 'cow', 'jumped', 'over', 'moon', 'an', 'apple', 'a', 'day'];

/** Input sentence i: three words, deterministic, so every test knows the counts to expect. */
export const sentence = (i: number): string => [0, 1, 2].map((k) => WORDS[(i * 7 + k * 5) % WORDS.length]).join(' ');

/** Every line `word:n` the job must commit for sentences 0 … count − 1, once each. */
export function expectedLines(count: number): Set<string> {
  const seen = new Map<string, number>();
  const lines = new Set<string>();
  for (let i = 0; i < count; i++) {
    for (const w of sentence(i).split(' ')) {
      const n = (seen.get(w) ?? 0) + 1;
      seen.set(w, n);
      lines.add(`${w}:${n}`);
    }
  }
  return lines;
}

/**
 * One single-broker test cluster for the calling test file, started before its tests and stopped
 * after them, with the directories the tests hand to `removeAfter` deleted then.
 */
export function kafkaClusterForFile(): { cluster: () => KafkaTestCluster; removeAfter: (...dirs: string[]) => void } {
  let cluster: KafkaTestCluster | undefined;
  const dirs: string[] = [];
  beforeAll(async () => {
    cluster = await startKafkaCluster({ brokers: 1 });
  });
  afterAll(async () => {
    await cluster?.stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  return { cluster: () => cluster!, removeAfter: (...more) => dirs.push(...more) };
}

export interface RunningJob {
  child: ChildProcess;
  exited: Promise<number | null>;
  stderr: () => string;
}

/** `stormshift run` of the job with checkpoints every 100 ms; stderr is kept (its last `keepStderr` chars, if given). */
export function runKafkaWordCount(args: string[], keepStderr = Infinity): RunningJob {
  const child = spawn(
    process.execPath,
    [
      join(ROOT, 'cli/bin.js'),
      'run',
      join(ROOT, 'samples/soak/kafka-word-count.ts'),
      '--checkpoint-interval',
      '100',
      '--metrics-port',
      '0',
      '-q',
      ...args,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => {
    stderr += c.toString();
    if (stderr.length > keepStderr) stderr = stderr.slice(-keepStderr);
  });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, exited, stderr: () => stderr };
}

/** The ids of the checkpoint files in `dir`, oldest first. */
export function checkpointIds(dir: string): number[] {
  return readdirSync(dir)
    .map((f) => /^chk-(\d+)\.snap$/.exec(f)?.[1])
    .filter((id): id is string => id !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
}

/** Sentences from … to − 1 into partition 0 of `topic`, in order, so each word's counts follow the sentence order. */
export async function produceSentences(brokers: string[], topic: string, from: number, to: number): Promise<void> {
  process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
  const producer = new kafkajs.Kafka({ brokers, logLevel: kafkajs.logLevel.NOTHING }).producer();
  await producer.connect();
  for (let i = from; i < to; i += 500)
    await producer.send({
      topic,
      messages: Array.from({ length: Math.min(500, to - i) }, (_, j) => ({ value: sentence(i + j), partition: 0 })),
    });
  await producer.disconnect();
}

/** Polls until `ready` holds; fails at once if the job exits meanwhile. No deadline of its own: the test timeout bounds it. */
export async function until(job: RunningJob, what: string, ready: () => boolean | Promise<boolean>): Promise<void> {
  for (;;) {
    if (await ready()) return;
    const state = await Promise.race([job.exited, new Promise((r) => setTimeout(() => r('running'), 50))]);
    if (state !== 'running') throw new Error(`job exited (${String(state)}) before ${what}:\n${job.stderr()}`);
  }
}

/** The input offset of partition 0 the job's consumer group committed (with its output), −1 before any. */
export async function committedInput(admin: Admin, group: string, topic: string): Promise<number> {
  const [entry] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
  return Number(entry?.partitions.find((p) => p.partition === 0)?.offset ?? -1);
}

/** Lines of `expected` missing from `lines`, and lines read more than once (or never expected). */
export function tally(lines: string[], expected: Set<string>): { lost: number; duplicated: number } {
  const counts = new Map<string, number>();
  for (const l of lines) counts.set(l, (counts.get(l) ?? 0) + 1);
  let lost = 0;
  let duplicated = 0;
  for (const l of expected) if (!counts.has(l)) lost++;
  for (const [l, n] of counts) duplicated += expected.has(l) ? n - 1 : n;
  return { lost, duplicated };
}
