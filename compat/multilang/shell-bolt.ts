/**
 * Storm's `ShellBolt` (§11): a bolt whose logic runs in a subprocess speaking the multilang
 * protocol. Asynchronous like Storm's: `execute` queues the tuple and returns; the process acks,
 * fails and emits whenever it likes. Heartbeat tuples go out every second and any message from
 * the process counts as an answer; silence past the subprocess timeout, an exit, or a malformed
 * message fail the task with an error naming component, command and the offending bytes.
 */
import { confInt, type Conf } from '../component/config.ts';
import type { OutputCollector } from '../component/collectors.ts';
import type { TopologyContext } from '../component/context.ts';
import { IllegalArgumentException, RuntimeException } from '../component/exceptions.ts';
import type { IBolt, MaybePromise } from '../component/interfaces.ts';
import { STORM_KIND } from '../component/kind.ts';
import type { Tuple } from '../component/tuple.ts';
import { rand64 } from '../reliability/rand64.ts';
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

/** Where the executor plugs in: a task logger and the task's crash path (set before prepare). */
export const SHELL_TASK_HOOKS: unique symbol = Symbol('stormshift.multilang.taskHooks') as never;
export interface ShellTaskHooks {
  log?: ShellLog;
  /** Fails the task now; without it the error surfaces on the next call, as in Storm's local mode. */
  fatal?(error: Error): void;
}

/** Routes a shell component's log lines (the process's `log` and stderr) to its task's logger. */
export function attachShellTaskLogger(
  component: unknown,
  log: (level: 'info' | 'warn' | 'error', message: string) => void,
): void {
  if (
    component === null ||
    typeof component !== 'object' ||
    (component as { [STORM_KIND]?: unknown })[STORM_KIND] !== 'shell'
  )
    return;
  const hooks: ShellTaskHooks = {
    log: (level, message) => (level === 'trace' || level === 'debug' ? undefined : log(level, message)),
  };
  Object.defineProperty(component, SHELL_TASK_HOOKS, { value: hooks, enumerable: false, configurable: true });
}

const RUNTIME: unique symbol = Symbol('stormshift.multilang.boltRuntime') as never;

interface BoltRuntime {
  process: ShellProcess;
  collector: OutputCollector;
  context: TopologyContext;
  /** Tuples handed to the process, by the id it knows them by, until it acks or fails them. */
  inputs: Map<string, Tuple>;
  maxPending: number;
  timeoutMs: number;
  lastHeartbeat: number;
  timer: ReturnType<typeof setInterval> | undefined;
  exception: Error | null;
  log: ShellLog;
  fatal: ((error: Error) => void) | undefined;
}

export class ShellBolt extends ShellCommand implements IBolt {
  static readonly HEARTBEAT_STREAM_ID = '__heartbeat';

  async prepare(topoConf: Conf, context: TopologyContext, collector: OutputCollector): Promise<void> {
    checkSerializer(topoConf);
    const hooks = (this as unknown as { [SHELL_TASK_HOOKS]?: ShellTaskHooks })[SHELL_TASK_HOOKS];
    const componentId = context.getThisComponentId();
    const taskId = context.getThisTaskId();
    const log = hooks?.log ?? defaultShellLog(`${componentId}:${taskId}`);
    const proc = new ShellProcess(this.command, 'ShellBolt', componentId, taskId);
    const rt: BoltRuntime = hidden(this, RUNTIME, {
      process: proc,
      collector,
      context,
      inputs: new Map(),
      maxPending: Math.max(1, confInt(topoConf, 'topology.shellbolt.max.pending', 100)),
      timeoutMs: subprocessTimeoutMs(topoConf),
      lastHeartbeat: Date.now(),
      timer: undefined,
      exception: null,
      log,
      fatal: hooks?.fatal,
    });
    const cwd = childCwd('ShellBolt', context, this.changeDirectory);
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
    rt.lastHeartbeat = Date.now();
    const interval = heartbeatIntervalMs(topoConf);
    rt.timer = setInterval(() => this.heartbeat(rt), interval);
    rt.timer.unref?.();
  }

  execute(input: Tuple): MaybePromise {
    const rt = this.runtime();
    if (rt.exception !== null) throw new RuntimeException(rt.exception);
    const id = rand64().toString();
    rt.inputs.set(id, input);
    const p = rt.process;
    p.write({
      id,
      comp: input.getSourceComponent(),
      stream: input.getSourceStreamId(),
      task: input.getSourceTask(),
      tuple: input.getValues(),
    });
    if (p.queued >= rt.maxPending) p.flush();
    // Back-pressure: while the pipe is full, the next execute waits (Storm's bounded write queue).
    if (p.congested) return p.whenWritable();
  }

  cleanup(): void {
    const rt = (this as unknown as { [RUNTIME]?: BoltRuntime })[RUNTIME];
    if (rt === undefined) return;
    if (rt.timer !== undefined) clearInterval(rt.timer);
    rt.process.destroy();
    rt.inputs.clear();
  }

  /** Tuples the process has not acked or failed yet (checkpoint mode replays them after a restore). */
  inFlight(): Tuple[] {
    const rt = (this as unknown as { [RUNTIME]?: BoltRuntime })[RUNTIME];
    return rt === undefined ? [] : [...rt.inputs.values()];
  }

  private runtime(): BoltRuntime {
    const rt = (this as unknown as { [RUNTIME]?: BoltRuntime })[RUNTIME];
    if (rt === undefined) throw new RuntimeException('ShellBolt used before prepare');
    return rt;
  }

  private heartbeat(rt: BoltRuntime): void {
    if (rt.process.isDead) return;
    if (Date.now() - rt.lastHeartbeat > rt.timeoutMs) {
      rt.process.die(new RuntimeException('subprocess heartbeat timeout'));
      return;
    }
    rt.process.write({
      id: rand64().toString(),
      comp: null,
      stream: ShellBolt.HEARTBEAT_STREAM_ID,
      task: -1,
      tuple: [],
    });
  }

  private onMessage(rt: BoltRuntime, msg: Record<string, unknown>): void {
    const command = msg.command;
    if (typeof command !== 'string')
      throw new IllegalArgumentException(`Command not found in bolt message: ${describeMsg(msg)}`);
    rt.lastHeartbeat = Date.now();
    switch (command) {
      case 'ack': {
        const t = rt.inputs.get(String(msg.id));
        if (t === undefined)
          throw new RuntimeException(`Acked a non-existent or already acked/failed id: ${String(msg.id)}`);
        rt.inputs.delete(String(msg.id));
        rt.collector.ack(t);
        return;
      }
      case 'fail': {
        const t = rt.inputs.get(String(msg.id));
        if (t === undefined)
          throw new RuntimeException(`Failed a non-existent or already acked/failed id: ${String(msg.id)}`);
        rt.inputs.delete(String(msg.id));
        rt.collector.fail(t);
        return;
      }
      case 'error':
        rt.collector.reportError(new Error(`Shell Process Exception: ${String(msg.msg)}`));
        return;
      case 'log':
        rt.log(logLevel(msg.level), String(msg.msg));
        return;
      case 'emit':
        this.handleEmit(rt, msg);
        return;
      case 'metrics':
        handleMetrics(rt.context, msg);
        return;
      default:
        // `sync` (the heartbeat answer) and anything else: only the heartbeat refresh above.
        return;
    }
  }

  private handleEmit(rt: BoltRuntime, msg: Record<string, unknown>): void {
    const anchors: Tuple[] = [];
    const raw = msg.anchors;
    if (raw !== undefined && raw !== null) {
      for (const a of Array.isArray(raw) ? raw : [raw]) {
        const t = rt.inputs.get(String(a));
        if (t === undefined) throw new RuntimeException(`Anchored onto ${String(a)} after ack/fail`);
        anchors.push(t);
      }
    }
    const stream = streamOf(msg);
    const task = directTaskOf(msg);
    const tuple = tupleOf(msg);
    if (task === 0) {
      const out = rt.collector.emit(stream, anchors, tuple);
      if (needTaskIds(msg)) rt.process.write(out, true);
    } else {
      rt.collector.emitDirect(task, stream, anchors, tuple);
    }
  }

  private die(rt: BoltRuntime, error: Error): void {
    rt.exception = error;
    if (rt.timer !== undefined) clearInterval(rt.timer);
    rt.log('error', error.message);
    if (rt.fatal !== undefined) {
      rt.fatal(error);
      return;
    }
    rt.collector.reportError(error);
  }
}

Object.defineProperty(ShellBolt.prototype, STORM_KIND, { value: 'shell', enumerable: false });
