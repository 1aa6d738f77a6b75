/**
 * Every `stormshift run` on this machine registers itself in one directory (a JSON file per
 * process, removed at exit), so `stormshift console` can list them all. A file whose process is
 * gone (killed without cleanup) is ignored and removed on the next listing.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

export interface RegisteredRun {
  pid: number;
  /** the process's console URL, when it serves one */
  url: string | undefined;
  /** the job module, as given to `stormshift run` */
  file: string;
  args: string[];
  cwd: string;
  /** ms epoch */
  startedAt: number;
  jobs: Array<{ id: string; name: string; checkpointDir: string | undefined }>;
}

export function registryDir(): string {
  return process.env.STORMSHIFT_REGISTRY_DIR ?? join(tmpdir(), `stormshift-${userInfo().uid}`, 'runs');
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Writes (or rewrites) this process's entry; returns a function that removes it. */
export function registerRun(
  entry: RegisteredRun,
  dir = registryDir(),
): { update(entry: RegisteredRun): void; remove(): void } {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, `${entry.pid}.json`);
  const write = (e: RegisteredRun): void => {
    // Readers must never see half a file.
    const tmp = `${file}.${process.hrtime.bigint()}.tmp`;
    writeFileSync(tmp, JSON.stringify(e), { mode: 0o600 });
    renameSync(tmp, file);
  };
  write(entry);
  const remove = (): void => rmSync(file, { force: true });
  process.once('exit', remove);
  return {
    update: write,
    remove: () => {
      process.off('exit', remove);
      remove();
    },
  };
}

export function listRuns(dir = registryDir()): RegisteredRun[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const runs: RegisteredRun[] = [];
  for (const name of names) {
    if (!/^\d+\.json$/.test(name)) continue;
    const path = join(dir, name);
    let entry: RegisteredRun;
    try {
      entry = JSON.parse(readFileSync(path, 'utf8')) as RegisteredRun;
    } catch {
      continue;
    }
    if (!alive(entry.pid)) {
      rmSync(path, { force: true });
      continue;
    }
    runs.push(entry);
  }
  return runs.sort((a, b) => a.startedAt - b.startedAt);
}
