import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../../..');
const TOPOLOGY = join(ROOT, 'test/fixtures/compat/crash-word-count.ts');
const SENTENCES = [
  'the cow jumped over the moon',
  'an apple a day keeps the doctor away',
  'four score and seven years ago',
  'snow white and the seven dwarfs',
  'i am at two with nature',
];
const TOTAL = 60000;
// Paced so that a run lasts about 2 s whatever the executor's speed: the kill delays below must
// land mid-run for restarts to start from a checkpoint.
const RATE = 30000;

function expectedCounts(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (let i = 0; i < TOTAL; i++) for (const w of SENTENCES[(i * 7 + 3) % SENTENCES.length]!.split(' ')) counts[w] = (counts[w] ?? 0) + 1;
  return counts;
}

function start(dir: string): ChildProcess {
  return spawn(process.execPath, [join(ROOT, 'cli/bin.js'), 'run', TOPOLOGY, '--ttl', '60', '--metrics-port', '0', '-q'], {
    cwd: dir,
    env: { ...process.env, CRASH_SENTENCES: String(TOTAL), CRASH_RATE: String(RATE), CRASH_OUT: join(dir, 'counts.json'), CRASH_CKPT: join(dir, 'ckpt') },
    stdio: 'ignore',
  });
}

const exited = (child: ChildProcess): Promise<void> => new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r() : child.once('exit', () => r())));
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function waitForCounts(dir: string, child: ChildProcess, timeoutMs: number): Promise<Record<string, number>> {
  const file = join(dir, 'counts.json');
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as Record<string, number>;
    if (child.exitCode !== null) throw new Error(`topology exited with ${child.exitCode} before publishing its counts`);
    await sleep(50);
  }
  throw new Error('no counts published in time');
}

describe('checkpoint mode (§7a): an unchanged word-count topology under SIGKILL', () => {
  it('ends with exactly the counts of an uninterrupted run, whatever the crash points', async () => {
    const expected = expectedCounts();
    // A fresh start would also count right; what this property is about is starting from a checkpoint.
    let restoredStarts = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 700, max: 2000 }), { minLength: 1, maxLength: 3 }), async (killDelays) => {
        const dir = mkdtempSync(join(tmpdir(), 'stormshift-compat-crash-'));
        try {
          const hasCheckpoint = (): boolean => existsSync(join(dir, 'ckpt')) && readdirSync(join(dir, 'ckpt')).some((f) => f.startsWith('chk-'));
          for (const delay of killDelays) {
            if (hasCheckpoint()) restoredStarts++;
            const child = start(dir);
            await sleep(delay);
            child.kill('SIGKILL');
            await exited(child);
            // Killed after it finished: that run's counts are final and must already be exact.
            if (existsSync(join(dir, 'counts.json'))) {
              expect(JSON.parse(readFileSync(join(dir, 'counts.json'), 'utf8'))).toEqual(expected);
              return;
            }
          }
          if (hasCheckpoint()) restoredStarts++;
          const survivor = start(dir);
          try {
            const counts = await waitForCounts(dir, survivor, 30_000);
            expect(counts).toEqual(expected);
          } finally {
            survivor.kill('SIGKILL');
            await exited(survivor);
          }
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      }),
      { numRuns: 4 },
    );
    expect(restoredStarts).toBeGreaterThan(0);
  }, 240_000);
});
