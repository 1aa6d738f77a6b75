/**
 * Storm's `ShellSpout` (§11): synchronous. Each `nextTuple`/`ack`/`fail`/`activate`/`deactivate`
 * sends one command and stays pending (R6) until the process answers `sync`; emits and logs
 * arrive meanwhile. While waiting, silence past the subprocess timeout fails the task.
 */
import type { Conf } from '../component/config.ts';
import type { SpoutOutputCollector } from '../component/collectors.ts';
import type { TopologyContext } from '../component/context.ts';
import { IllegalArgumentException, RuntimeException } from '../component/exceptions.ts';
import type { ISpout } from '../component/interfaces.ts';
import { STORM_KIND } from '../component/kind.ts';
import {
  childCwd,
  defaultShellLog,
  describeMsg,
  directTaskOf,
  handleMetrics,
  handshakeTimeoutMs,
  heartbeatIntervalMs,
  hidden,
  logLevel,
  needTaskIds,
  streamOf,
  subprocessTimeoutMs,
  tupleOf,
} from './common.ts';
import { checkSerializer } from './serializer.ts';
import { ShellCommand } from './shell-command.ts';
import { ShellProcess, buildEnv, type ShellLog } from './shell-process.ts';
import { SHELL_TASK_HOOKS, type ShellTaskHooks } from './shell-bolt.ts';

const RUNTIME: unique symbol = Symbol('stormshift.multilang.spoutRuntime') as never;

interface SpoutRuntime {
  process: ShellProcess;
  collector: SpoutOutputCollector;
  context: TopologyContext;
  timeoutMs: number;
  intervalMs: number;
  lastHeartbeat: number;
  timer: ReturnType<typeof setInterval> | undefined;
  /** The command waiting for `sync`. */
  waiting: { command: string; resolve(): void; reject(e: Error): void } | null;
  exception: Error | null;
  log: ShellLog;
}

export class ShellSpout extends ShellCommand implements ISpout {
  async open(topoConf: Conf, context: TopologyContext, collector: SpoutOutputCollector): Promise<void> {
    checkSerializer(topoConf);
    const componentId = context.getThisComponentId();
    const taskId = context.getThisTaskId();
    const hooks = (this as unknown as { [SHELL_TASK_HOOKS]?: ShellTaskHooks })[SHELL_TASK_HOOKS];
    const log = hooks?.log ?? defaultShellLog(`${componentId}:${taskId}`);
    const proc = new ShellProcess(this.command, 'ShellSpout', componentId, taskId);
    const rt: SpoutRuntime = hidden(this, RUNTIME, {
      process: proc,
      collector,
      context,
      timeoutMs: subprocessTimeoutMs(topoConf),
      intervalMs: heartbeatIntervalMs(topoConf),
      lastHeartbeat: Date.now(),
      timer: undefined,
      waiting: null,
      exception: null,
      log,
    });
    const cwd = childCwd('ShellSpout', context, this.changeDirectory);
    const pid = await proc.launch(
      topoConf,
      context,
      cwd,
      buildEnv(this.env),
      {
        onMessage: (msg) => this.onMessage(rt, msg),
        onFatal: (error) => this.die(rt, error),
        log,
      },
      handshakeTimeoutMs(topoConf),
    );
    log('info', `Launched subprocess with pid ${pid}`);
  }

  nextTuple(): Promise<void> {
    return this.sendSyncCommand('next', '');
  }

  ack(msgId: unknown): Promise<void> {
    return this.sendSyncCommand('ack', msgId);
  }

  fail(msgId: unknown): Promise<void> {
    return this.sendSyncCommand('fail', msgId);
  }

  activate(): Promise<void> {
    const rt = this.runtime();
    rt.lastHeartbeat = Date.now();
    if (rt.timer === undefined) {
      rt.timer = setInterval(() => this.checkHeartbeat(rt), rt.intervalMs);
      rt.timer.unref?.();
    }
    return this.sendSyncCommand('activate', '');
  }

  async deactivate(): Promise<void> {
    const rt = this.runtime();
    try {
      await this.sendSyncCommand('deactivate', '');
    } finally {
      if (rt.timer !== undefined) clearInterval(rt.timer);
      rt.timer = undefined;
    }
  }

  close(): void {
    const rt = (this as unknown as { [RUNTIME]?: SpoutRuntime })[RUNTIME];
    if (rt === undefined) return;
    if (rt.timer !== undefined) clearInterval(rt.timer);
    rt.timer = undefined;
    rt.process.destroy();
  }

  private runtime(): SpoutRuntime {
    const rt = (this as unknown as { [RUNTIME]?: SpoutRuntime })[RUNTIME];
    if (rt === undefined) throw new RuntimeException('ShellSpout used before open');
    return rt;
  }

  private sendSyncCommand(command: string, id: unknown): Promise<void> {
    const rt = this.runtime();
    if (rt.exception !== null) return Promise.reject(rt.exception);
    return new Promise<void>((resolve, reject) => {
      rt.waiting = { command, resolve, reject };
      rt.lastHeartbeat = Date.now();
      rt.process.write({ command, id });
    });
  }

  private checkHeartbeat(rt: SpoutRuntime): void {
    // Only a command waiting for its sync can time out: an idle spout process owes nothing.
    if (rt.waiting !== null && Date.now() - rt.lastHeartbeat > rt.timeoutMs) {
      rt.process.die(new RuntimeException('subprocess heartbeat timeout'));
    }
  }

  private onMessage(rt: SpoutRuntime, msg: Record<string, unknown>): void {
    const command = msg.command;
    if (typeof command !== 'string')
      throw new IllegalArgumentException(`Command not found in spout message: ${describeMsg(msg)}`);
    rt.lastHeartbeat = Date.now();
    switch (command) {
      case 'sync': {
        const w = rt.waiting;
        rt.waiting = null;
        w?.resolve();
        return;
      }
      case 'log':
        rt.log(logLevel(msg.level), String(msg.msg));
        return;
      case 'error':
        rt.collector.reportError(new Error(`Shell Process Exception: ${String(msg.msg)}`));
        return;
      case 'emit': {
        const stream = streamOf(msg);
        const task = directTaskOf(msg);
        const tuple = tupleOf(msg);
        // Absent id ⇒ untracked; the id comes back verbatim in ack/fail.
        const id = msg.id === undefined ? null : msg.id;
        if (task === 0) {
          const out = rt.collector.emit(stream, tuple, id);
          if (needTaskIds(msg)) rt.process.write(out, true);
        } else {
          rt.collector.emitDirect(task, stream, tuple, id);
        }
        return;
      }
      case 'metrics':
        handleMetrics(rt.context, msg);
        return;
      default:
        throw new RuntimeException(`Unknown command received: ${command}`);
    }
  }

  private die(rt: SpoutRuntime, error: Error): void {
    rt.exception = error;
    if (rt.timer !== undefined) clearInterval(rt.timer);
    rt.timer = undefined;
    rt.log('error', error.message);
    const w = rt.waiting;
    rt.waiting = null;
    // A waiting call rejects, which crashes the task (R6); otherwise the next call throws.
    if (w !== null) w.reject(error);
  }
}

Object.defineProperty(ShellSpout.prototype, STORM_KIND, { value: 'shell', enumerable: false });
