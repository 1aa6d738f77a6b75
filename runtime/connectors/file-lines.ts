import { open, type FileHandle } from 'node:fs/promises';
import type { PollResult, Source, SourceContext, SourceOutput, SourceReader } from '../api/source.ts';
import { ConnectorError } from '../errors.ts';

export interface FileLinesOptions {
  /** Keep reading as the file grows instead of ending at EOF (like `tail -f`). */
  follow?: boolean;
  /** Bytes per read. Default 64 KiB. */
  chunkBytes?: number;
}

interface FileLinesState {
  /** Byte offset, per file path, just past the last line emitted. */
  offsets: Record<string, number>;
}

/**
 * Lines of one or more UTF-8 files. Replayable by byte offset: a checkpoint records where the
 * next unread line starts, so a restore resumes exactly there. Files are split over subtasks.
 */
export function fileLinesSource(
  paths: string | string[],
  options: FileLinesOptions = {},
): Source<string, FileLinesState> {
  const all = Array.isArray(paths) ? [...paths] : [paths];
  return { createReader: (context) => new FileLinesReader(all, options, context) };
}

class FileLinesReader implements SourceReader<string, FileLinesState> {
  private readonly files: string[];
  private offsets: Record<string, number> = {};
  private current = 0;
  private handle: FileHandle | undefined;
  private carry: Buffer = Buffer.alloc(0);
  private readOffset = 0;
  private readonly chunk: Buffer;

  constructor(
    paths: string[],
    private readonly options: FileLinesOptions,
    context: SourceContext,
  ) {
    this.files = paths.filter((_, i) => i % context.parallelism === context.subtaskIndex);
    this.chunk = Buffer.alloc(options.chunkBytes ?? 64 * 1024);
  }

  get idleBackoffMs(): number {
    return 100;
  }

  async poll(output: SourceOutput<string>, maxRecords: number): Promise<PollResult> {
    if (this.current >= this.files.length) return this.options.follow ? 'idle' : 'end';
    const path = this.files[this.current]!;
    if (!this.handle) {
      try {
        this.handle = await open(path, 'r');
      } catch (error) {
        throw new ConnectorError('FILE_UNREADABLE', `cannot open input file '${path}': ${(error as Error).message}`, {
          cause: error,
        });
      }
      this.readOffset = this.offsets[path] ?? 0;
      this.carry = Buffer.alloc(0);
    }
    // A poll that ran out of budget leaves whole lines in the carry. Emit those before reading on:
    // at end of file the carry would otherwise be taken for one last unterminated line.
    if (this.carry.includes(10))
      return this.emitLines(output, path, this.carry, this.readOffset - this.carry.length, maxRecords);
    const { bytesRead } = await this.handle.read(this.chunk, 0, this.chunk.length, this.readOffset);
    if (bytesRead === 0) {
      if (this.options.follow && this.current === this.files.length - 1) return 'idle';
      if (this.carry.length > 0) {
        // A last line without a trailing newline is still a line.
        output.collect(this.carry.toString('utf8'));
        this.offsets[path] = this.readOffset;
        this.carry = Buffer.alloc(0);
      }
      await this.handle.close();
      this.handle = undefined;
      this.current++;
      return this.current >= this.files.length && !this.options.follow ? 'end' : 'more';
    }
    const data =
      this.carry.length > 0
        ? Buffer.concat([this.carry, this.chunk.subarray(0, bytesRead)])
        : this.chunk.subarray(0, bytesRead);
    const base = this.readOffset - this.carry.length;
    this.readOffset += bytesRead;
    return this.emitLines(output, path, data, base, maxRecords);
  }

  /** Emits up to maxRecords complete lines of `data` (which starts at byte `base`); keeps the rest as carry. */
  private emitLines(
    output: SourceOutput<string>,
    path: string,
    data: Buffer,
    base: number,
    maxRecords: number,
  ): PollResult {
    let lineStart = 0;
    let emitted = 0;
    for (let i = 0; i < data.length; i++) {
      if (data[i] !== 10) continue;
      let end = i;
      if (end > lineStart && data[end - 1] === 13) end--;
      output.collect(data.toString('utf8', lineStart, end));
      lineStart = i + 1;
      this.offsets[path] = base + lineStart;
      if (++emitted >= maxRecords) break;
    }
    // Keep the unconsumed tail (and any line we had no budget for) for the next poll.
    this.carry = Buffer.from(data.subarray(lineStart));
    return 'more';
  }

  snapshotState(): FileLinesState {
    // The current file's offset already points past the last emitted line; files never opened
    // stay absent and start at 0. Finished files are marked by a huge offset.
    const offsets = { ...this.offsets };
    for (let i = 0; i < this.current; i++) offsets[this.files[i]!] = Number.MAX_SAFE_INTEGER;
    return { offsets };
  }

  restoreState(state: FileLinesState): void {
    this.offsets = { ...state.offsets };
    this.current = 0;
    while (this.current < this.files.length && this.offsets[this.files[this.current]!] === Number.MAX_SAFE_INTEGER)
      this.current++;
  }

  async close(): Promise<void> {
    await this.handle?.close();
    this.handle = undefined;
  }
}
