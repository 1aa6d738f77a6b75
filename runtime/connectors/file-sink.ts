import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
  existsSync,
} from 'node:fs';
import { join } from 'node:path';
import type { Sink, SinkContext, SinkWriter } from '../api/sink.ts';
import { ConnectorError } from '../errors.ts';

export interface FileSinkOptions<T> {
  /** Directory that receives committed part files. */
  dir: string;
  /** Line for a record; default: strings as is, everything else as JSON. */
  format?: (value: T) => string;
  /** Part file name prefix. Default 'part'. */
  prefix?: string;
}

interface Committable {
  pending: string;
  final: string;
}

/**
 * Exactly-once files by two-phase commit. Records go to an in-progress file under `.pending/`; at a
 * barrier the file is flushed, fsynced and sealed as the checkpoint's committable; when the
 * checkpoint is durable it is renamed into `dir` (atomic on one filesystem). After a crash,
 * in-progress files hold records the restored sources will replay, so they are deleted; sealed files
 * of the restored checkpoint are committed again (renaming is idempotent).
 */
function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export function fileSink<T>(options: FileSinkOptions<T>): Sink<T, Committable> {
  return { createWriter: (context) => new FileSinkWriter(options, context) };
}

const FLUSH_BYTES = 256 * 1024;

class FileSinkWriter<T> implements SinkWriter<T, Committable> {
  private readonly pendingDir: string;
  private readonly format: (value: T) => string;
  private readonly prefix: string;
  private fd: number | undefined;
  private path: string | undefined;
  private buffer = '';
  private written = 0;
  private sequence = 0;

  constructor(
    private readonly options: FileSinkOptions<T>,
    private readonly context: SinkContext,
  ) {
    this.pendingDir = join(options.dir, '.pending');
    this.format = options.format ?? ((value: T) => (typeof value === 'string' ? value : JSON.stringify(value)));
    this.prefix = options.prefix ?? 'part';
  }

  open(): void {
    mkdirSync(this.pendingDir, { recursive: true });
    // Whatever this subtask had in progress, or sealed for a checkpoint that never completed,
    // belongs to an attempt the restored sources will replay. (Sealed files of the restored
    // checkpoint were committed before open() runs.)
    const mine = `${this.prefix}-${this.context.subtaskIndex}-`;
    for (const name of readdirSync(this.pendingDir)) {
      if (name.startsWith(mine) && (name.endsWith('.inprogress') || name.endsWith('.sealed')))
        rmSync(join(this.pendingDir, name), { force: true });
    }
    this.fenceAbandonedCommits();
  }

  /**
   * A restore from an older checkpoint (the newest was unreadable) replays everything after it, so
   * part files committed for later checkpoints would appear twice. They move to `.discarded/`
   * (kept for inspection, out of readers' way). Subtask 0 also sweeps indexes beyond the current
   * parallelism, whose owners no longer exist after a rescale.
   */
  private fenceAbandonedCommits(): void {
    const restoredId = this.context.restoredCheckpointId;
    if (restoredId === undefined) return;
    const pattern = new RegExp(`^${escapeRegExp(this.prefix)}-(\\d+)-(\\d{9,})$`);
    let discardDir: string | undefined;
    for (const name of readdirSync(this.options.dir)) {
      const m = pattern.exec(name);
      if (m === null || Number(m[2]) <= restoredId) continue;
      const index = Number(m[1]);
      const ownedHere =
        index === this.context.subtaskIndex || (this.context.subtaskIndex === 0 && index >= this.context.parallelism);
      if (!ownedHere) continue;
      if (discardDir === undefined) mkdirSync((discardDir = join(this.options.dir, '.discarded')), { recursive: true });
      renameSync(join(this.options.dir, name), join(discardDir, name));
    }
  }

  write(value: T): void {
    this.buffer += this.format(value) + '\n';
    if (this.buffer.length >= FLUSH_BYTES) this.flushBuffer();
  }

  private flushBuffer(): void {
    if (this.buffer.length === 0) return;
    if (this.fd === undefined) {
      this.path = join(
        this.pendingDir,
        `${this.prefix}-${this.context.subtaskIndex}-${process.pid}-${Date.now()}-${this.sequence++}.inprogress`,
      );
      this.fd = openSync(this.path, 'w');
    }
    writeSync(this.fd, this.buffer);
    this.written += this.buffer.length;
    this.buffer = '';
  }

  prepareCommit(checkpointId: number): Committable | undefined {
    this.flushBuffer();
    if (this.fd === undefined) return undefined;
    fsyncSync(this.fd);
    closeSync(this.fd);
    const pending = this.path!;
    this.fd = undefined;
    this.path = undefined;
    this.written = 0;
    const final = join(
      this.options.dir,
      `${this.prefix}-${this.context.subtaskIndex}-${String(checkpointId).padStart(9, '0')}`,
    );
    const sealed = pending.replace(/\.inprogress$/, '.sealed');
    renameSync(pending, sealed);
    return { pending: sealed, final };
  }

  commit(committables: Committable[]): void {
    for (const { pending, final } of committables) {
      if (existsSync(pending)) {
        renameSync(pending, final);
        continue;
      }
      if (existsSync(final) && statSync(final).isFile()) continue;
      throw new ConnectorError(
        'FILE_SINK_COMMIT_LOST',
        `file sink '${this.context.operatorName}': neither the sealed file ${pending} nor the committed ${final} exists; output of that checkpoint is lost`,
      );
    }
  }

  finish(): void {
    this.flushBuffer();
  }

  close(): void {
    if (this.fd !== undefined) {
      closeSync(this.fd);
      this.fd = undefined;
    }
  }
}
