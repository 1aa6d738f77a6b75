/**
 * The Kafka word count (`samples/soak/kafka-word-count.ts`) as the Kafka integration tests run it:
 * through the CLI in a child process, so a test can SIGKILL it where it chooses.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');
const WORDS = ['the', 'cow', 'jumped', 'over', 'moon', 'an', 'apple', 'a', 'day'];

/** Input sentence i: three words, deterministic, so every test knows the counts to expect. */
export const sentence = (i: number): string => [0, 1, 2].map((k) => WORDS[(i * 7 + k * 5) % WORDS.length]).join(' ');

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
