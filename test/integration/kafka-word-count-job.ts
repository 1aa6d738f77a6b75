/**
 * The Kafka word count (`samples/soak/kafka-word-count.ts`) as the Kafka integration tests run it:
 * through the CLI in a child process, so a test can SIGKILL it where it chooses.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
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
