/**
 * Where completed checkpoints and savepoints live. The coordinator writes one file per checkpoint only
 * after every task acknowledged, so a file either holds a complete checkpoint or is detected as broken
 * (codec checksum); a restore never sees half a checkpoint.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { CheckpointError, ConfigError, messageOf } from '../errors.ts';
import type { StagedDeadLetter } from '../execution/dead-letter-output.ts';
import { decodeSnapshot, encodeSnapshot } from './codec.ts';

export interface CheckpointData {
  /** increasing per job */
  id: number;
  jobName: string;
  kind: 'checkpoint' | 'savepoint';
  /** ms epoch when triggered */
  timestamp: number;
  /** operatorUid -> subtaskIndex -> state (anything the codec handles) */
  operators: Record<string, Record<number, unknown>>;
  /** committables of two-phase sinks, by operatorUid -> subtaskIndex */
  committables?: Record<string, Record<number, unknown>>;
  /**
   * The poison policy's part: records diverted to the dead-letter output (by poison key), so a
   * restore diverts them at once, and the dead letters of this checkpoint's epoch, delivered once
   * it is durable (and again on a restore from it: the process may have died before).
   */
  poison?: { diverted: string[]; deadLetters: StagedDeadLetter[] };
  meta?: Record<string, unknown>;
}

export interface StoredCheckpoint {
  id: number;
  kind: 'checkpoint' | 'savepoint';
  path: string;
  bytes: number;
  timestamp: number;
}

export interface CheckpointStorage {
  write(data: CheckpointData): Promise<StoredCheckpoint>;
  /**
   * Newest readable checkpoint (savepoints excluded unless asked). A corrupt or unreadable newest one
   * is reported through onCorrupt(path, error) and the one before it is used.
   */
  latest(options?: {
    includeSavepoints?: boolean;
  }): Promise<{ data: CheckpointData; stored: StoredCheckpoint } | undefined>;
  read(path: string): Promise<CheckpointData>;
  /**
   * Newest first. Cheap: it does not open the files, so for DirectoryCheckpointStorage `timestamp`
   * is the file's modification time; latest() and read() give the trigger time from the content.
   */
  list(): Promise<StoredCheckpoint[]>;
}

export interface DirectoryCheckpointStorageOptions {
  dir: string;
  /** completed checkpoints kept; savepoints are never pruned. Default 3. */
  retain?: number;
  onCorrupt?: (path: string, error: Error) => void;
}

const DEFAULT_RETAIN = 3;

/** Errors that say the directory itself is unusable, with what they mean for the user. */
const UNUSABLE_DIR_ERRNOS = new Map<string, string>([
  ['EACCES', 'permission denied'],
  ['EPERM', 'operation not permitted'],
  ['EROFS', 'read-only file system'],
  ['ENOTDIR', 'a path component is not a directory'],
  ['EEXIST', 'a file stands where the directory should be'],
]);
const FILE_PATTERN = /^(chk|svp)-(\d{9,})\.snap$/;
const SAVEPOINT_DIR = 'savepoints';

function fileName(kind: CheckpointData['kind'], id: number): string {
  // Zero padding makes lexical order equal id order, so `ls` shows them in sequence.
  return `${kind === 'checkpoint' ? 'chk' : 'svp'}-${String(id).padStart(9, '0')}.snap`;
}

function validateRetain(retain: number | undefined): number {
  if (retain === undefined) return DEFAULT_RETAIN;
  if (!Number.isInteger(retain) || retain < 1) {
    throw new ConfigError(`checkpoint storage 'retain' must be an integer >= 1, got ${String(retain)}`);
  }
  return retain;
}

function validateData(data: CheckpointData): void {
  if (!Number.isSafeInteger(data.id) || data.id < 0) {
    throw new CheckpointError(`checkpoint id must be a non-negative integer, got ${String(data.id)}`);
  }
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

function checkShape(value: unknown, path: string): CheckpointData {
  const v = value as Partial<CheckpointData> | null;
  if (
    v === null ||
    typeof v !== 'object' ||
    typeof v.id !== 'number' ||
    typeof v.jobName !== 'string' ||
    (v.kind !== 'checkpoint' && v.kind !== 'savepoint') ||
    typeof v.operators !== 'object' ||
    v.operators === null
  ) {
    throw new CheckpointError(`snapshot ${path} is not a checkpoint (missing id/jobName/kind/operators)`, { path });
  }
  return v as CheckpointData;
}

export class DirectoryCheckpointStorage implements CheckpointStorage {
  readonly dir: string;
  private readonly retain: number;
  private readonly onCorrupt: ((path: string, error: Error) => void) | undefined;

  constructor(options: DirectoryCheckpointStorageOptions) {
    if (typeof options.dir !== 'string' || options.dir === '')
      throw new ConfigError(`checkpoint storage 'dir' must be a non-empty path`);
    this.dir = options.dir;
    this.retain = validateRetain(options.retain);
    this.onCorrupt = options.onCorrupt;
  }

  async write(data: CheckpointData): Promise<StoredCheckpoint> {
    validateData(data);
    const targetDir = data.kind === 'savepoint' ? join(this.dir, SAVEPOINT_DIR) : this.dir;
    const path = join(targetDir, fileName(data.kind, data.id));
    const bytes = encodeSnapshot(data);
    try {
      await mkdir(targetDir, { recursive: true });
      await writeAtomically(targetDir, path, bytes);
    } catch (error) {
      const errno = (error as NodeJS.ErrnoException).code;
      if (errno !== undefined && UNUSABLE_DIR_ERRNOS.has(errno)) {
        // Restarting cannot fix a read-only or wrong directory: it would loop forever. Fail at once.
        throw new CheckpointError(
          `checkpoint directory ${targetDir} cannot be written (${errno}: ${UNUSABLE_DIR_ERRNOS.get(errno)}): writing ${path} failed: ${messageOf(error)}`,
          { path: targetDir, cause: error, retriable: false, code: 'CHECKPOINT_STORAGE_UNUSABLE' },
        );
      }
      // Disk full, a vanished mount: may well succeed on the next checkpoint.
      throw new CheckpointError(`writing ${data.kind} ${data.id} to ${path} failed: ${messageOf(error)}`, {
        path,
        cause: error,
        retriable: true,
      });
    }
    if (data.kind === 'checkpoint') await this.prune();
    return { id: data.id, kind: data.kind, path, bytes: bytes.length, timestamp: data.timestamp };
  }

  async read(path: string): Promise<CheckpointData> {
    let buf: Buffer;
    try {
      buf = await readFile(path);
    } catch (error) {
      throw new CheckpointError(`reading snapshot ${path} failed: ${messageOf(error)}`, { path, cause: error });
    }
    return checkShape(decodeSnapshot(buf, path), path);
  }

  async list(): Promise<StoredCheckpoint[]> {
    const [checkpoints, savepoints] = await Promise.all([
      this.scan(this.dir),
      this.scan(join(this.dir, SAVEPOINT_DIR)),
    ]);
    return sortNewestFirst([...checkpoints, ...savepoints]);
  }

  async latest(
    options: { includeSavepoints?: boolean } = {},
  ): Promise<{ data: CheckpointData; stored: StoredCheckpoint } | undefined> {
    const all = await this.list();
    for (const entry of all) {
      if (entry.kind === 'savepoint' && !options.includeSavepoints) continue;
      try {
        const data = await this.read(entry.path);
        // The file's own content is authoritative; the name only sorts.
        return { data, stored: { ...entry, timestamp: data.timestamp } };
      } catch (error) {
        this.onCorrupt?.(entry.path, asError(error));
      }
    }
    return undefined;
  }

  private async scan(dir: string): Promise<StoredCheckpoint[]> {
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw new CheckpointError(`listing checkpoints in ${dir} failed: ${messageOf(error)}`, {
        path: dir,
        cause: error,
        retriable: true,
      });
    }
    const found: StoredCheckpoint[] = [];
    for (const name of names) {
      // Temp files left by a crash mid-write never match, so they are invisible to restore.
      const m = FILE_PATTERN.exec(name);
      if (m === null) continue;
      const path = join(dir, name);
      try {
        const s = await stat(path);
        if (!s.isFile()) continue;
        found.push({
          id: Number(m[2]),
          kind: m[1] === 'chk' ? 'checkpoint' : 'savepoint',
          path,
          bytes: s.size,
          timestamp: s.mtimeMs,
        });
      } catch {
        // Pruned by a concurrent writer between readdir and stat.
      }
    }
    return found;
  }

  private async prune(): Promise<void> {
    const checkpoints = await this.scan(this.dir);
    const stale = sortNewestFirst(checkpoints).slice(this.retain);
    // Best effort: a file we fail to delete costs disk, not correctness.
    await Promise.all(stale.map((c) => rm(c.path, { force: true }).catch(() => undefined)));
  }
}

function sortNewestFirst(list: StoredCheckpoint[]): StoredCheckpoint[] {
  return list.sort((a, b) => b.id - a.id || (a.kind === b.kind ? 0 : a.kind === 'savepoint' ? -1 : 1));
}

async function writeAtomically(dir: string, path: string, bytes: Buffer): Promise<void> {
  const tmp = join(dir, `.tmp-${process.pid}-${randomBytes(6).toString('hex')}.partial`);
  try {
    const fh = await open(tmp, 'wx');
    try {
      await fh.writeFile(bytes);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (error) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw error;
  }
  await syncDirectory(dir);
}

async function syncDirectory(dir: string): Promise<void> {
  // The rename is only durable once the directory entry is on disk. Some platforms (Windows) refuse
  // to open a directory; there the rename's own durability is all we can get.
  let fh: Awaited<ReturnType<typeof open>>;
  try {
    fh = await open(dir, 'r');
  } catch {
    return;
  }
  try {
    await fh.sync();
  } catch {
    // EINVAL/EISDIR on filesystems that do not support directory fsync.
  } finally {
    await fh.close();
  }
}

/**
 * Keeps snapshots in memory but still passes them through the codec, so tests catch state that
 * would not survive a real checkpoint (functions, class instances losing their prototype...).
 */
export class InMemoryCheckpointStorage implements CheckpointStorage {
  private readonly files = new Map<string, { stored: StoredCheckpoint; bytes: Buffer }>();
  private readonly retain: number;
  private readonly onCorrupt: ((path: string, error: Error) => void) | undefined;

  constructor(options: { retain?: number; onCorrupt?: (path: string, error: Error) => void } = {}) {
    this.retain = validateRetain(options.retain);
    this.onCorrupt = options.onCorrupt;
  }

  async write(data: CheckpointData): Promise<StoredCheckpoint> {
    validateData(data);
    const path =
      data.kind === 'savepoint'
        ? `memory://${SAVEPOINT_DIR}/${fileName(data.kind, data.id)}`
        : `memory://${fileName(data.kind, data.id)}`;
    const bytes = encodeSnapshot(data);
    const stored: StoredCheckpoint = {
      id: data.id,
      kind: data.kind,
      path,
      bytes: bytes.length,
      timestamp: data.timestamp,
    };
    this.files.set(path, { stored, bytes });
    if (data.kind === 'checkpoint') {
      const stale = sortNewestFirst(
        [...this.files.values()].map((f) => f.stored).filter((s) => s.kind === 'checkpoint'),
      ).slice(this.retain);
      for (const s of stale) this.files.delete(s.path);
    }
    return { ...stored };
  }

  async read(path: string): Promise<CheckpointData> {
    const file = this.files.get(path);
    if (file === undefined) throw new CheckpointError(`no snapshot at ${path}`, { path });
    return checkShape(decodeSnapshot(file.bytes, path), path);
  }

  async list(): Promise<StoredCheckpoint[]> {
    return sortNewestFirst([...this.files.values()].map((f) => ({ ...f.stored })));
  }

  async latest(
    options: { includeSavepoints?: boolean } = {},
  ): Promise<{ data: CheckpointData; stored: StoredCheckpoint } | undefined> {
    for (const entry of await this.list()) {
      if (entry.kind === 'savepoint' && !options.includeSavepoints) continue;
      try {
        return { data: await this.read(entry.path), stored: entry };
      } catch (error) {
        this.onCorrupt?.(entry.path, asError(error));
      }
    }
    return undefined;
  }

  /** Test hook: overwrite a stored snapshot's bytes to simulate corruption. */
  corrupt(path: string, mutate: (bytes: Buffer) => Buffer): void {
    const file = this.files.get(path);
    if (file === undefined) throw new CheckpointError(`no snapshot at ${path}`, { path });
    file.bytes = mutate(Buffer.from(file.bytes));
  }
}
