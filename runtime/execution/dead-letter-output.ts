/**
 * Where a job's dead letters go. Entries arrive per checkpoint, once it is durable, and again for
 * the restored checkpoint when an incarnation starts from it (the process may have died between
 * the checkpoint becoming durable and the delivery). A destination therefore has to tolerate a
 * checkpoint's entries twice: the directory output by its file names, a callback by the
 * (checkpointId, index) it is given.
 */
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../api/config.ts';
import { ConnectorError, describeRecord, messageOf } from '../errors.ts';

export interface DeadLetter {
  jobName: string;
  operator: string;
  /** The record, or its JSON text when it cannot be cloned (it crosses threads and lives in checkpoints). */
  record: unknown;
  /** What the operator threw, as text (the record may be replayed many times; this is the last). */
  error: string;
  /** Failures on this record before it was diverted. */
  attempts: number;
  /**
   * The checkpoint whose completion delivered it (undefined without checkpointing: delivered at
   * once). With `index` it identifies the entry: a new process restored from that checkpoint
   * passes the same entries again, so a callback can deliver idempotently.
   */
  checkpointId?: number | undefined;
  /** Position among the dead letters of its checkpoint. */
  index?: number | undefined;
}

/** A dead letter as staged in a subtask and kept in a checkpoint until that checkpoint is durable. */
export type StagedDeadLetter = Omit<DeadLetter, 'checkpointId' | 'index'>;

/** The built-in durable destination: one file per checkpoint in `dir`, committed by atomic rename. */
export interface DeadLetterDirectory {
  dir: string;
}

export interface DeadLetterOutput {
  /** Without checkpointing: nothing would ever commit, so entries go out as they happen. */
  deliverNow(entry: StagedDeadLetter): void;
  /** Checkpoint `checkpointId` is durable. */
  commit(checkpointId: number, entries: StagedDeadLetter[]): void;
  /** An incarnation starts from `checkpointId`: whatever was delivered after it will be produced again. */
  restore(checkpointId: number, entries: StagedDeadLetter[]): void;
}

export function createDeadLetterOutput(
  jobName: string,
  target: ((entry: DeadLetter) => void) | DeadLetterDirectory | undefined,
  log: Logger,
): DeadLetterOutput {
  if (target === undefined)
    return new CallbackOutput((entry) =>
      log(
        'warn',
        `dead letter from '${entry.operator}': record ${describeRecord(entry.record)} (${entry.error})` +
          (entry.checkpointId !== undefined ? ` [checkpoint ${entry.checkpointId}]` : ''),
      ),
    );
  if (typeof target === 'function') return new CallbackOutput(target);
  return new DirectoryOutput(jobName, target.dir);
}

/**
 * A callback gets each checkpoint's entries once per process; a new process restored from a
 * checkpoint whose entries it already delivered delivers them again (at-least-once there).
 */
class CallbackOutput implements DeadLetterOutput {
  /** Checkpoints whose entries this process delivered: an in-process restart restores one of them. */
  private readonly delivered = new Set<number>();
  constructor(private readonly callback: (entry: DeadLetter) => void) {}
  deliverNow(entry: StagedDeadLetter): void {
    this.callback({ ...entry });
  }
  commit(checkpointId: number, entries: StagedDeadLetter[]): void {
    if (entries.length === 0 || this.delivered.has(checkpointId)) return;
    this.delivered.add(checkpointId);
    entries.forEach((entry, index) => this.callback({ ...entry, checkpointId, index }));
  }
  restore(checkpointId: number, entries: StagedDeadLetter[]): void {
    this.commit(checkpointId, entries);
  }
}

const FILE_PATTERN = /^dead-letters-(\d{9,})\.jsonl$/;
/** Without checkpointing entries are appended here as they happen. */
const UNCHECKPOINTED_FILE = 'dead-letters.jsonl';

function fileOf(checkpointId: number): string {
  return `dead-letters-${String(checkpointId).padStart(9, '0')}.jsonl`;
}

function line(entry: DeadLetter): string {
  const ordered = {
    checkpointId: entry.checkpointId,
    index: entry.index,
    jobName: entry.jobName,
    operator: entry.operator,
    attempts: entry.attempts,
    error: entry.error,
    record: entry.record,
  };
  return `${JSON.stringify(ordered, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v))}\n`;
}

/**
 * One JSON-lines file per checkpoint that had dead letters, like the file sink's part files: written
 * under `.pending/`, fsynced, then renamed into `dir` (atomic on one filesystem). The name is the
 * checkpoint's, so delivering a checkpoint again finds its file and writes nothing. A restore from
 * an older checkpoint moves later files to `.discarded/`: the replay produces their entries again.
 */
class DirectoryOutput implements DeadLetterOutput {
  private readonly pendingDir: string;
  constructor(
    private readonly jobName: string,
    private readonly dir: string,
  ) {
    this.pendingDir = join(dir, '.pending');
  }

  deliverNow(entry: StagedDeadLetter): void {
    this.guard('appending to', () => {
      mkdirSync(this.dir, { recursive: true });
      const fd = openSync(join(this.dir, UNCHECKPOINTED_FILE), 'a');
      try {
        writeSync(fd, line(entry));
      } finally {
        closeSync(fd);
      }
    });
  }

  commit(checkpointId: number, entries: StagedDeadLetter[]): void {
    if (entries.length === 0) return;
    const final = join(this.dir, fileOf(checkpointId));
    if (existsSync(final)) return;
    this.guard('writing', () => {
      mkdirSync(this.pendingDir, { recursive: true });
      const pending = join(this.pendingDir, `${fileOf(checkpointId)}.${process.pid}.tmp`);
      const fd = openSync(pending, 'w');
      try {
        writeSync(fd, entries.map((entry, index) => line({ ...entry, checkpointId, index })).join(''));
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(pending, final);
    });
  }

  restore(checkpointId: number, entries: StagedDeadLetter[]): void {
    this.guard('fencing', () => {
      if (!existsSync(this.dir)) return;
      // Temporary files of a process that died mid-write: their checkpoint is delivered again.
      if (existsSync(this.pendingDir)) rmSync(this.pendingDir, { recursive: true, force: true });
      let discardDir: string | undefined;
      for (const name of readdirSync(this.dir)) {
        const m = FILE_PATTERN.exec(name);
        if (m === null || Number(m[1]) <= checkpointId) continue;
        if (discardDir === undefined) mkdirSync((discardDir = join(this.dir, '.discarded')), { recursive: true });
        renameSync(join(this.dir, name), join(discardDir, name));
      }
    });
    this.commit(checkpointId, entries);
  }

  private guard(what: string, work: () => void): void {
    try {
      work();
    } catch (error) {
      throw new ConnectorError(
        'DEAD_LETTER_WRITE_FAILED',
        `dead-letter output of '${this.jobName}': ${what} ${this.dir} failed: ${messageOf(error)}`,
        { retriable: true, cause: error },
      );
    }
  }
}
