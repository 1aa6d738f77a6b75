/**
 * Builds and drives the C mock-cluster launcher (mock-cluster.c).
 *
 * The binary is compiled on demand into node_modules/.cache (git-ignored), keyed by a hash of
 * the C source so an edited launcher is rebuilt, and written via rename so concurrent test
 * workers never execute a half-written file.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const SOURCE = join(here, 'mock-cluster.c');
const DEFAULT_CACHE_DIR = join(packageRoot(here), 'node_modules', '.cache', 'stormshift');

/** The nearest folder holding a package.json: the same cache from the sources and from dist/. */
function packageRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return from;
  }
}

export const HOW_TO_GET_KAFKA =
  'Install the librdkafka mock and a C compiler with `apt-get install librdkafka-dev build-essential` ' +
  '(Debian/Ubuntu; librdkafka >= 2.0 ships rdkafka_mock.h), or point the tests at a running Kafka ' +
  'cluster with KAFKA_BROKERS=host:port[,host:port...].';

let building: Promise<string> | undefined;

/** Path of the compiled launcher, compiling it first if needed. */
export function ensureLauncher(): Promise<string> {
  building ??= build().catch((err: unknown) => {
    building = undefined;
    throw err;
  });
  return building;
}

async function build(): Promise<string> {
  const source = readFileSync(SOURCE);
  const hash = createHash('sha256').update(source).digest('hex').slice(0, 16);
  const cacheDir = process.env.STORMSHIFT_KAFKA_CACHE_DIR || DEFAULT_CACHE_DIR;
  const binary = join(cacheDir, `mock-cluster-${hash}`);
  if (existsSync(binary)) return binary;

  mkdirSync(cacheDir, { recursive: true });
  const tmp = `${binary}.${process.pid}.${Date.now()}.tmp`;
  const cc = process.env.CC ?? 'cc';
  const { code, output } = await run(cc, ['-O2', '-Wall', '-o', tmp, SOURCE, '-lrdkafka']);
  if (code !== 0) {
    rmSync(tmp, { force: true });
    const why =
      code === null
        ? `the C compiler '${cc}' was not found`
        : /rdkafka_mock\.h|rdkafka\.h|-lrdkafka/.test(output)
          ? 'librdkafka development files (rdkafka_mock.h, -lrdkafka) are missing'
          : `'${cc}' failed`;
    throw new Error(
      `Kafka test harness: cannot build the mock-cluster launcher: ${why}.\n${HOW_TO_GET_KAFKA}\n` +
        `Compiler output:\n${output.trim()}`,
    );
  }
  renameSync(tmp, binary);
  return binary;
}

function run(cmd: string, args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    let output = '';
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', (err) => resolve({ code: null, output: String(err) }));
    child.on('close', (code) => resolve({ code: code ?? -1, output }));
  });
}

/** A running mock cluster: one launcher process speaking the line protocol on stdin/stdout. */
export class MockClusterProcess {
  private readonly waiters: Array<{ resolve: (line: string) => void; reject: (e: Error) => void }> = [];
  private queue: Promise<unknown> = Promise.resolve();
  private stderrTail = '';
  private exited: Error | undefined;
  private readonly exitPromise: Promise<void>;

  private constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    /** Mock broker addresses; index i is broker id i + 1. */
    public bootstrap: string[] = [],
  ) {
    this.exitPromise = new Promise((resolve) => child.once('close', () => resolve()));
  }

  static async start(brokers: number): Promise<MockClusterProcess> {
    const binary = await ensureLauncher();
    const child = spawn(binary, [String(brokers)], { stdio: ['pipe', 'pipe', 'pipe'] });
    const mock = new MockClusterProcess(child);
    child.stderr.on('data', (d: Buffer) => {
      mock.stderrTail = (mock.stderrTail + d.toString()).slice(-4000);
      if (process.env.MOCK_DEBUG) process.stderr.write(d);
    });
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => mock.waiters.shift()?.resolve(line));
    const fail = (err: Error): void => {
      mock.exited = err;
      for (const w of mock.waiters.splice(0)) w.reject(err);
    };
    child.on('error', (err) => fail(new Error(`mock-cluster launcher failed: ${err.message}`)));
    child.on('close', (code, signal) =>
      fail(
        new Error(
          `mock-cluster launcher exited (code ${code}, signal ${signal})` +
            (mock.stderrTail ? `: ${mock.stderrTail.trim()}` : ''),
        ),
      ),
    );
    // Stop writing if the launcher died; the 'close' handler reports why.
    child.stdin.on('error', () => {});
    const first = await mock.nextLine();
    mock.bootstrap = first.split(',').map((s) => s.trim());
    if (mock.bootstrap.length !== brokers) {
      throw new Error(`mock-cluster launcher printed unexpected bootstrap line: ${first}`);
    }
    return mock;
  }

  private nextLine(): Promise<string> {
    if (this.exited) return Promise.reject(this.exited);
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /** Sends one command and resolves with the text after "ok", or rejects with the "err" text. */
  command(line: string): Promise<string> {
    const result = this.queue.then(async () => {
      const reply = this.nextLine();
      this.child.stdin.write(`${line}\n`);
      const answer = await reply;
      if (answer === 'ok' || answer.startsWith('ok ')) return answer.slice(3);
      throw new Error(`mock-cluster: '${line}' failed: ${answer.replace(/^err /, '')}`);
    });
    this.queue = result.catch(() => undefined);
    return result;
  }

  async stop(): Promise<void> {
    if (!this.exited) {
      this.child.stdin.end();
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
      await this.exitPromise;
      clearTimeout(timer);
    }
  }
}
