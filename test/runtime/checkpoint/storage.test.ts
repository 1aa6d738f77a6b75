import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type CheckpointData,
  type CheckpointStorage,
  DirectoryCheckpointStorage,
  InMemoryCheckpointStorage,
} from '../../../runtime/checkpoint/storage.ts';
import { CheckpointError, ConfigError } from '../../../runtime/errors.ts';

function checkpoint(id: number, kind: CheckpointData['kind'] = 'checkpoint'): CheckpointData {
  return {
    id,
    jobName: 'word-count',
    kind,
    timestamp: 1_700_000_000_000 + id,
    operators: { counter: { 0: { counts: new Map([['a', id]]) }, 1: { counts: new Map() } } },
    committables: { sink: { 0: [`txn-${id}`] } },
    meta: { note: 'x' },
  };
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stormshift-ckpt-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('DirectoryCheckpointStorage', () => {
  it('writes id-sortable files and reads them back', async () => {
    const storage = new DirectoryCheckpointStorage({ dir });
    const stored = await storage.write(checkpoint(42));
    expect(stored.path).toBe(join(dir, 'chk-000000042.snap'));
    expect(stored).toMatchObject({ id: 42, kind: 'checkpoint', timestamp: 1_700_000_000_042 });
    expect(stored.bytes).toBeGreaterThan(0);
    expect(await storage.read(stored.path)).toEqual(checkpoint(42));
    const latest = await storage.latest();
    expect(latest?.data).toEqual(checkpoint(42));
    expect(latest?.stored.path).toBe(stored.path);
  });

  it('returns undefined when there is nothing to restore (even if the dir does not exist)', async () => {
    expect(await new DirectoryCheckpointStorage({ dir: join(dir, 'nope') }).latest()).toBeUndefined();
    expect(await new DirectoryCheckpointStorage({ dir: join(dir, 'nope') }).list()).toEqual([]);
  });

  it('keeps the last `retain` checkpoints and never prunes savepoints', async () => {
    const storage = new DirectoryCheckpointStorage({ dir, retain: 2 });
    await storage.write(checkpoint(1));
    await storage.write(checkpoint(2, 'savepoint'));
    for (const id of [3, 4, 5]) await storage.write(checkpoint(id));
    const list = await storage.list();
    expect(list.map((s) => [s.id, s.kind])).toEqual([
      [5, 'checkpoint'],
      [4, 'checkpoint'],
      [2, 'savepoint'],
    ]);
    expect(list.find((s) => s.kind === 'savepoint')!.path).toBe(join(dir, 'savepoints', 'svp-000000002.snap'));
    expect((await readdir(dir)).sort()).toEqual(['chk-000000004.snap', 'chk-000000005.snap', 'savepoints']);
  });

  it('excludes savepoints from latest() unless asked', async () => {
    const storage = new DirectoryCheckpointStorage({ dir });
    await storage.write(checkpoint(1));
    await storage.write(checkpoint(2, 'savepoint'));
    expect((await storage.latest())?.stored.id).toBe(1);
    expect((await storage.latest({ includeSavepoints: true }))?.stored).toMatchObject({ id: 2, kind: 'savepoint' });
  });

  it('ignores a temp file left by a crash in the middle of a write', async () => {
    const storage = new DirectoryCheckpointStorage({ dir });
    await storage.write(checkpoint(1));
    // What a crash between write and rename leaves behind: a partial file under a temp name.
    await writeFile(join(dir, '.tmp-1234-abcdef.partial'), Buffer.from('STSHSNAP\0\x01partial'));
    const latest = await storage.latest();
    expect(latest?.stored.id).toBe(1);
    expect((await storage.list()).map((s) => s.id)).toEqual([1]);
  });

  it('leaves no temp files behind after successful writes', async () => {
    const storage = new DirectoryCheckpointStorage({ dir });
    for (const id of [1, 2, 3]) await storage.write(checkpoint(id));
    expect((await readdir(dir)).filter((n) => !n.endsWith('.snap'))).toEqual([]);
  });

  it('falls back to the previous checkpoint when the newest is corrupt, naming it', async () => {
    const reported: Array<[string, Error]> = [];
    const storage = new DirectoryCheckpointStorage({ dir, onCorrupt: (p, e) => reported.push([p, e]) });
    await storage.write(checkpoint(1));
    const newest = await storage.write(checkpoint(2));
    await writeFile(newest.path, Buffer.from('garbage'));
    const latest = await storage.latest();
    expect(latest?.data).toEqual(checkpoint(1));
    expect(reported).toHaveLength(1);
    expect(reported[0]![0]).toBe(newest.path);
    expect(reported[0]![1]).toBeInstanceOf(CheckpointError);
    expect((reported[0]![1] as CheckpointError).path).toBe(newest.path);
  });

  it('returns undefined when every checkpoint is corrupt, reporting each', async () => {
    const reported: string[] = [];
    const storage = new DirectoryCheckpointStorage({ dir, onCorrupt: (p) => reported.push(p) });
    const a = await storage.write(checkpoint(1));
    const b = await storage.write(checkpoint(2));
    await writeFile(a.path, '');
    await writeFile(b.path, 'x');
    expect(await storage.latest()).toBeUndefined();
    expect(reported).toEqual([b.path, a.path]);
  });

  it('read() of garbage or a missing file throws CheckpointError with the path', async () => {
    const storage = new DirectoryCheckpointStorage({ dir });
    const garbage = join(dir, 'chk-000000007.snap');
    await writeFile(garbage, 'not a snapshot at all');
    await expect(storage.read(garbage)).rejects.toMatchObject({ name: 'CheckpointError', path: garbage });
    const missing = join(dir, 'missing.snap');
    await expect(storage.read(missing)).rejects.toMatchObject({ name: 'CheckpointError', path: missing });
  });

  it('read() of a valid snapshot that is not a checkpoint throws CheckpointError with the path', async () => {
    const { encodeSnapshot } = await import('../../../runtime/checkpoint/codec.ts');
    const path = join(dir, 'chk-000000008.snap');
    await writeFile(path, encodeSnapshot({ hello: 'world' }));
    await expect(new DirectoryCheckpointStorage({ dir }).read(path)).rejects.toMatchObject({
      name: 'CheckpointError',
      path,
    });
  });

  it('rejects a bad retain setting', () => {
    expect(() => new DirectoryCheckpointStorage({ dir, retain: 0 })).toThrow(ConfigError);
    expect(() => new DirectoryCheckpointStorage({ dir, retain: 1.5 })).toThrow(/retain/);
  });

  it('a directory that cannot exist (a file in its path) is a non-retriable CheckpointError naming it: restarting cannot fix it', async () => {
    const file = join(dir, 'a-file');
    await writeFile(file, 'x');
    const storage = new DirectoryCheckpointStorage({ dir: join(file, 'sub') });
    await expect(storage.write(checkpoint(1))).rejects.toMatchObject({
      name: 'CheckpointError',
      code: 'CHECKPOINT_STORAGE_UNUSABLE',
      retriable: false,
      path: join(file, 'sub'),
    });
  });
});

describe('InMemoryCheckpointStorage', () => {
  it('behaves like the directory storage for latest/list/retain', async () => {
    const storage: CheckpointStorage = new InMemoryCheckpointStorage({ retain: 2 });
    for (const id of [1, 2, 3]) await storage.write(checkpoint(id));
    await storage.write(checkpoint(4, 'savepoint'));
    expect((await storage.list()).map((s) => s.id)).toEqual([4, 3, 2]);
    expect((await storage.latest())?.data).toEqual(checkpoint(3));
    expect((await storage.latest({ includeSavepoints: true }))?.data.kind).toBe('savepoint');
  });

  it('passes state through the codec, so restored state is a copy', async () => {
    const storage = new InMemoryCheckpointStorage();
    const data = checkpoint(1);
    await storage.write(data);
    (data.operators.counter![0] as { counts: Map<string, number> }).counts.set('a', 999);
    expect((await storage.latest())?.data).toEqual(checkpoint(1));
  });

  it('falls back past a corrupted newest snapshot', async () => {
    const reported: string[] = [];
    const storage = new InMemoryCheckpointStorage({ onCorrupt: (p) => reported.push(p) });
    await storage.write(checkpoint(1));
    const newest = await storage.write(checkpoint(2));
    storage.corrupt(newest.path, (b) => b.subarray(0, 10));
    expect((await storage.latest())?.stored.id).toBe(1);
    expect(reported).toEqual([newest.path]);
  });
});
