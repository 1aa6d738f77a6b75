import type { JobHandle } from '../runtime/index.ts';

export interface StatusSources {
  handle: JobHandle;
  /** Operator names whose records out count as "in" (sources) and whose records in count as "out" (sinks). */
  sources: string[];
  sinks: string[];
}

/**
 * One line of live status: records/s in and out, the last checkpoint and backpressure. On a
 * terminal it rewrites itself in place every second; otherwise it is a plain log line.
 */
export class StatusLine {
  private timer: ReturnType<typeof setInterval> | undefined;
  private lastIn = 0;
  private lastOut = 0;
  private lastAt = performance.now();
  private readonly tty: boolean;

  constructor(
    private readonly status: StatusSources,
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {
    this.tty = Boolean(stream.isTTY);
  }

  start(): void {
    this.timer = setInterval(() => this.print(), this.tty ? 1000 : 5000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.tty) this.stream.write('\n');
  }

  render(): string {
    const { handle, sources, sinks } = this.status;
    const job = handle.metrics.snapshot().jobs[handle.jobName];
    let recordsIn = 0;
    let recordsOut = 0;
    for (const name of sources) recordsIn += job?.operators[name]?.recordsOut ?? 0;
    for (const name of sinks) recordsOut += job?.operators[name]?.recordsIn ?? 0;
    const now = performance.now();
    const seconds = Math.max(0.001, (now - this.lastAt) / 1000);
    const rateIn = (recordsIn - this.lastIn) / seconds;
    const rateOut = (recordsOut - this.lastOut) / seconds;
    this.lastIn = recordsIn;
    this.lastOut = recordsOut;
    this.lastAt = now;
    const s = handle.status();
    const checkpoint = s.lastCheckpoint
      ? `checkpoint #${s.lastCheckpoint.id} ${Math.round((Date.now() - s.lastCheckpoint.completedAt) / 1000)}s ago (${formatBytes(s.lastCheckpoint.bytes)}, ${s.lastCheckpoint.durationMs.toFixed(0)} ms)`
      : 'no checkpoint yet';
    return `[${handle.jobName}] ${s.state} | in ${formatRate(rateIn)}/s out ${formatRate(rateOut)}/s | ${checkpoint} | backpressure ${s.backpressured ? 'YES' : 'no'}${s.restarts ? ` | restarts ${s.restarts}` : ''}`;
  }

  private print(): void {
    const line = this.render();
    if (this.tty) this.stream.write(`\r\x1b[2K${line}`);
    else this.stream.write(`${line}\n`);
  }
}

export function formatRate(perSecond: number): string {
  if (perSecond >= 1e6) return `${(perSecond / 1e6).toFixed(2)}M`;
  if (perSecond >= 1e3) return `${(perSecond / 1e3).toFixed(1)}k`;
  return perSecond.toFixed(0);
}

function formatBytes(bytes: number): string {
  if (bytes >= 1 << 20) return `${(bytes / (1 << 20)).toFixed(1)} MiB`;
  if (bytes >= 1 << 10) return `${(bytes / (1 << 10)).toFixed(1)} KiB`;
  return `${bytes} B`;
}
