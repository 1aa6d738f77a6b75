/**
 * Redis for tests: REDIS_URL if set, else the development machine's redis on 127.0.0.1:6379,
 * else a throwaway `redis-server` on a free loopback port.
 *
 * A shared server is shared with other test files running in parallel, so every caller gets a
 * unique key prefix and must keep its keys under it; stop() deletes them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { Redis } from 'ioredis';

export const HOW_TO_GET_REDIS =
  'Install Redis with `apt-get install redis-server` (Debian/Ubuntu) so the harness can start ' +
  'one on a free loopback port, or point the tests at a running server with ' +
  'REDIS_URL=redis://host:port.';

export interface RedisTestServer {
  url: string;
  /** Unique per startRedis() call; keep every key under it. */
  prefix: string;
  /** Where the server came from: REDIS_URL, the local default port, or started for this test. */
  source: 'env' | 'local' | 'spawned';
  stop(): Promise<void>;
}

const LOCAL_URL = 'redis://127.0.0.1:6379';

export async function startRedis(): Promise<RedisTestServer> {
  const prefix = `stormshift-test:${process.pid}:${randomBytes(6).toString('hex')}:`;

  const fromEnv = process.env.REDIS_URL?.trim();
  if (fromEnv) {
    if (!(await answersPing(fromEnv, 5000))) {
      throw new Error(`REDIS_URL=${fromEnv} does not answer PING. ${HOW_TO_GET_REDIS}`);
    }
    return shared(fromEnv, prefix, 'env');
  }
  if (await answersPing(LOCAL_URL, 500)) return shared(LOCAL_URL, prefix, 'local');
  return spawnServer(prefix);
}

function shared(url: string, prefix: string, source: 'env' | 'local'): RedisTestServer {
  return {
    url,
    prefix,
    source,
    stop: () => deletePrefix(url, prefix),
  };
}

async function answersPing(url: string, timeoutMs: number): Promise<boolean> {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  });
  client.on('error', () => {});
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

async function deletePrefix(url: string, prefix: string): Promise<void> {
  const client = new Redis(url, { maxRetriesPerRequest: 1, retryStrategy: () => null });
  client.on('error', () => {});
  try {
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${escapeGlob(prefix)}*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) await client.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    client.disconnect();
  }
}

function escapeGlob(s: string): string {
  return s.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Always starts a private redis-server, for tests that need a server to themselves (e.g. to
 * kill it or change its configuration).
 */
export function spawnRedisServer(): Promise<RedisTestServer> {
  return spawnServer(`stormshift-test:${process.pid}:${randomBytes(6).toString('hex')}:`);
}

async function spawnServer(prefix: string): Promise<RedisTestServer> {
  // The free port can be taken between probe and bind; a couple of retries cover that race.
  let lastError: Error | undefined;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    try {
      return await startOn(port, prefix);
    } catch (err) {
      lastError = err as Error;
      if ((err as { missing?: boolean }).missing) throw err;
    }
  }
  throw lastError ?? new Error('could not start redis-server');
}

function startOn(port: number, prefix: string): Promise<RedisTestServer> {
  const bin = process.env.REDIS_SERVER ?? 'redis-server';
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
  return new Promise((resolve, reject) => {
    let output = '';
    let settled = false;
    const child: ChildProcess = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    // redis-server has no parent-death option; this covers a test process that exits without
    // calling stop() (it cannot cover SIGKILL).
    const killOnExit = (): void => {
      child.kill('SIGKILL');
    };
    process.once('exit', killOnExit);
    void exited.then(() => process.off('exit', killOnExit));
    const onData = (d: Buffer): void => {
      output = (output + d.toString()).slice(-4000);
      if (!settled && /Ready to accept connections/.test(output)) {
        settled = true;
        const url = `redis://127.0.0.1:${port}`;
        resolve({
          url,
          prefix,
          source: 'spawned',
          async stop() {
            if (child.exitCode === null && child.signalCode === null) {
              child.kill('SIGTERM');
              const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
              await exited;
              clearTimeout(timer);
            }
          },
        });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('error', (err: NodeJS.ErrnoException) => {
      if (settled) return;
      settled = true;
      const missing = err.code === 'ENOENT';
      reject(
        Object.assign(
          new Error(
            missing
              ? `No Redis for tests: nothing answers on ${LOCAL_URL}, REDIS_URL is unset and ` +
                  `'${bin}' is not installed. ${HOW_TO_GET_REDIS}`
              : `could not run ${bin}: ${err.message}`,
          ),
          { missing },
        ),
      );
    });
    child.once('exit', (code, signal) => {
      if (settled) return;
      settled = true;
      reject(new Error(`${bin} exited before it was ready (code ${code}, signal ${signal}):\n${output}`));
    });
  });
}
