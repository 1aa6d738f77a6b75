/**
 * Starts a real Prometheus Pushgateway (Debian package `prometheus-pushgateway`) on a free loopback
 * port and resolves once it logs its address. Fails loudly when the binary is missing.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';

const BINARY = '/usr/bin/prometheus-pushgateway';

export interface Pushgateway {
  url: string;
  stop(): Promise<void>;
}

export async function startPushgateway(): Promise<Pushgateway> {
  if (!existsSync(BINARY)) {
    throw new Error(
      `${BINARY} not found: install the Debian package prometheus-pushgateway (apt-get install prometheus-pushgateway)`,
    );
  }
  const child: ChildProcess = spawn(BINARY, ['--web.listen-address=127.0.0.1:0', '--persistence.interval=0'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let log = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      log += chunk.toString('utf8');
      const m = /msg="Listening on" address=(\S+)/.exec(log);
      if (m) resolve(`http://${m[1]}`);
    });
    child.once('exit', (code) => reject(new Error(`pushgateway exited (${code}) before listening:\n${log}`)));
    child.once('error', reject);
  });
  return {
    url,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
