/**
 * One multilang subprocess (Storm's `ShellProcess`): launch with the handshake, batched framed
 * writes, incremental reads, stderr logged at INFO, and one fatal callback for every way the
 * process can go wrong (exit, spawn failure, broken pipe, malformed output, handler errors).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Conf } from '../component/config.ts';
import type { TopologyContext } from '../component/context.ts';
import { RuntimeException } from '../component/exceptions.ts';
import { MessageReader, frame, quoteBytes } from './serializer.ts';

export type ShellLog = (level: 'trace' | 'debug' | 'info' | 'warn' | 'error', message: string) => void;

/** Bytes of stderr kept for error messages (Storm quotes what the process wrote there). */
const STDERR_TAIL = 4096;

export interface ShellProcessHandlers {
  /** Every message after the handshake reply, in order. A throw is fatal. */
  onMessage(message: Record<string, unknown>): void;
  /** Called once, with an error naming the process; the process is killed. */
  onFatal(error: Error): void;
  log: ShellLog;
}

/**
 * stormshift's `storm.py` and `storm.cjs`. The first goes on PYTHONPATH, after the user's entries: a script's own folder
 * comes first in Python's search path, so a `storm.py` shipped in `resources/` still wins.
 */
export const ADAPTER_DIR = fileURLToPath(new URL('./resources/', import.meta.url));

/** Storm's env handling: a `PATH` entry is appended to the inherited PATH, others replace. */
export function buildEnv(extra: Record<string, string> | Map<string, string> | null | undefined): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  env.PYTHONPATH = env.PYTHONPATH ? `${env.PYTHONPATH}${delimiter}${ADAPTER_DIR}` : ADAPTER_DIR;
  // Node scripts: `require('./storm')` falls back to stormshift's storm.js API when none is shipped.
  const preload = `--require ${JSON.stringify(join(ADAPTER_DIR, 'storm-resolve.cjs'))}`;
  env.NODE_OPTIONS = env.NODE_OPTIONS ? `${env.NODE_OPTIONS} ${preload}` : preload;
  const entries = extra instanceof Map ? [...extra] : Object.entries(extra ?? {});
  for (const [k, v] of entries) {
    if (k === 'PATH') env.PATH = `${env.PATH ?? ''}${delimiter}${v}`;
    else env[k] = String(v);
  }
  return env;
}

export class ShellProcess {
  private child: ChildProcess | null = null;
  private readonly reader = new MessageReader();
  private out: string[] = [];
  /** Task-id replies: written before queued tuples (Storm's writer gives them priority). */
  private prio: string[] = [];
  private flushScheduled = false;
  private drainWaiters: Array<() => void> = [];
  private stderrTail = '';
  private pid: number | null = null;
  private exitCode: number | null = null;
  private signal: string | null = null;
  private destroyed = false;
  private dead = false;
  private handshake: { resolve(pid: number): void; reject(e: Error): void } | null = null;
  private handlers: ShellProcessHandlers | null = null;
  /** True while the OS pipe is full: callers hold new work until it drains. */
  congested = false;

  constructor(
    readonly command: readonly string[],
    private readonly kind: 'ShellBolt' | 'ShellSpout',
    private readonly componentId: string,
    private readonly taskId: number,
  ) {}

  /**
   * Starts the process in `cwd`, sends `{pidDir, conf, context}` and resolves with the pid the
   * process replied. Rejects (and kills it) on any failure before the reply.
   */
  launch(
    conf: Conf,
    context: TopologyContext,
    cwd: string | undefined,
    env: NodeJS.ProcessEnv,
    handlers: ShellProcessHandlers,
    handshakeTimeoutMs: number,
  ): Promise<number> {
    this.handlers = handlers;
    if (this.command.length === 0)
      return Promise.reject(new RuntimeException(`${this.kind} '${this.componentId}': empty command`));
    const pidDir = join(context.getPIDDir(), String(this.taskId));
    mkdirSync(pidDir, { recursive: true });
    const child = spawn(this.command[0]!, this.command.slice(1), { cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
    this.child = child;
    // A process that never answers the handshake would hang prepare (and the submit) for good.
    const timer = setTimeout(
      () =>
        this.die(
          new RuntimeException(
            `subprocess did not answer the handshake with {"pid": n} within ${handshakeTimeoutMs / 1000} s`,
          ),
        ),
      handshakeTimeoutMs,
    );
    timer.unref?.();
    const result = new Promise<number>((resolve, reject) => {
      this.handshake = {
        resolve: (pid) => (clearTimeout(timer), resolve(pid)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      };
    });
    child.on('error', (error) =>
      this.die(new RuntimeException(`Error when launching multilang subprocess: ${error.message}`, { cause: error })),
    );
    child.stdin!.on('error', (error) => {
      // EPIPE usually means the process just exited: let 'close' report it with its exit code and
      // stderr; a process that only closed its stdin is failed here shortly after.
      const grace = setTimeout(
        () =>
          this.die(new RuntimeException(`Pipe to subprocess seems to be broken! ${error.message}`, { cause: error })),
        1000,
      );
      grace.unref?.();
    });
    child.stdin!.on('drain', () => this.drained());
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (text: string) => {
      this.stderrTail = (this.stderrTail + text).slice(-STDERR_TAIL);
      for (const line of text.split('\n')) if (line !== '') handlers.log('info', line);
    });
    child.stdout!.on('data', (chunk: Buffer) => this.onData(chunk));
    child.on('close', (code, signal) => {
      this.exitCode = code;
      this.signal = signal;
      if (this.destroyed) return;
      const partial = this.reader.pending();
      this.die(
        new RuntimeException(
          `Pipe to subprocess seems to be broken! ${partial === '' ? 'No output read.' : `Currently read output: ${quoteBytes(partial)}`}`,
        ),
      );
    });
    this.write({ pidDir, conf, context: JSON.parse(context.toJSONString()) });
    return result;
  }

  getPid(): number | null {
    return this.pid;
  }

  /** Queues one framed message; all messages queued in one turn go out in one pipe write. */
  write(message: unknown, priority = false): void {
    if (this.dead) return;
    (priority ? this.prio : this.out).push(frame(message));
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Messages queued and not yet handed to the pipe. */
  get queued(): number {
    return this.out.length;
  }

  /** Hands everything queued to the pipe now (a full batch need not wait for the next turn). */
  flush(): void {
    this.flushScheduled = false;
    if (this.dead) return;
    let text: string;
    if (this.prio.length === 0) {
      if (this.out.length === 0) return;
      text = this.out.length === 1 ? this.out[0]! : this.out.join('');
    } else {
      text = this.prio.join('') + this.out.join('');
      this.prio = [];
    }
    this.out = [];
    if (!this.child!.stdin!.write(text)) this.congested = true;
  }

  /** Resolves once the pipe accepted what was written (immediately when not congested). */
  whenWritable(): Promise<void> {
    if (!this.congested || this.dead) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  private drained(): void {
    this.congested = false;
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const w of waiters) w();
  }

  private onData(chunk: Buffer): void {
    if (this.dead) return;
    let messages: unknown[];
    try {
      messages = this.reader.push(chunk);
    } catch (error) {
      this.die(error as Error);
      return;
    }
    for (const m of messages) {
      if (this.dead) return;
      try {
        if (m === null || typeof m !== 'object' || Array.isArray(m)) {
          throw new RuntimeException(`multilang message is not a JSON object: ${quoteBytes(JSON.stringify(m))}`);
        }
        if (this.handshake !== null) {
          const pid = (m as Record<string, unknown>).pid;
          if (typeof pid !== 'number')
            throw new RuntimeException(`expected the handshake reply {"pid": n}, got ${quoteBytes(JSON.stringify(m))}`);
          this.pid = pid;
          const h = this.handshake;
          this.handshake = null;
          h.resolve(pid);
          continue;
        }
        this.handlers!.onMessage(m as Record<string, unknown>);
      } catch (error) {
        this.die(error as Error);
        return;
      }
    }
    // A process blocked on its task ids waits for this reply: send it now, not a loop phase later.
    if (this.prio.length > 0) this.flush();
  }

  /** `pid:…, name:… exitCode:…, errorString:…` as Storm prints it. */
  describe(): string {
    const exit = this.exitCode !== null ? this.exitCode : this.signal !== null ? this.signal : -1;
    return `pid:${this.pid ?? 'null'}, name:${this.componentId} exitCode:${exit}, errorString:${this.stderrTail.trim()}`;
  }

  /** Wraps `cause` the way Storm's `die` does, naming component, task, command and process. */
  fatalError(cause: Error): RuntimeException {
    const msg =
      `Halting process: ${this.kind} died. Component: ${this.componentId}:${this.taskId}, Command: [${this.command.join(', ')}], ` +
      `ProcessInfo ${this.describe()}: ${cause.message}`;
    return new RuntimeException(msg, { cause });
  }

  /** Fails the process once: kills it and tells the owner. */
  die(cause: Error): void {
    if (this.dead) return;
    this.dead = true;
    const error = this.fatalError(cause);
    this.kill();
    this.drained();
    if (this.handshake !== null) {
      const h = this.handshake;
      this.handshake = null;
      h.reject(error);
      return;
    }
    this.handlers?.onFatal(error);
  }

  get isDead(): boolean {
    return this.dead;
  }

  private kill(): void {
    const c = this.child;
    if (c === null || c.exitCode !== null || c.signalCode !== null) return;
    try {
      c.kill('SIGTERM');
    } catch {
      // already gone
    }
  }

  /** `cleanup`/`close`: stop the process without reporting its exit as a failure. */
  destroy(): void {
    this.destroyed = true;
    this.dead = true;
    this.out = [];
    this.prio = [];
    this.drained();
    if (this.handshake !== null) {
      const h = this.handshake;
      this.handshake = null;
      h.reject(new RuntimeException(`${this.kind} '${this.componentId}' closed during the handshake`));
    }
    this.kill();
  }
}
