/**
 * How a bolt task drives a `ShellBolt`: the task's logger and crash path are handed to the bolt
 * (a dead subprocess fails the task at once, not on the next tuple), and in checkpoint mode the
 * tuples the process had not acked or failed at a barrier go into the snapshot and are sent again
 * to the fresh process after a restore, so a crash loses none of them.
 */
import type { BoltHost, BoltInvoker } from '../executor/bolt-invoker.ts';
import { decodeTuple, encodeTuple, type TupleData } from '../component/tuple-codec.ts';
import { SHELL_TASK_HOOKS, type ShellBolt, type ShellTaskHooks } from './shell-bolt.ts';

interface ShellSnapshot {
  inFlight: TupleData[];
}

export class ShellInvoker implements BoltInvoker {
  private replay: TupleData[] | null = null;

  constructor(
    readonly instance: ShellBolt,
    private readonly host: BoltHost,
    private readonly crash: (error: unknown) => void,
  ) {}

  prepare(): unknown {
    const hooks: ShellTaskHooks = {
      log: (level, message) => {
        if (level === 'trace' || level === 'debug') return;
        this.host.log(level, message);
      },
      fatal: (error) => this.crash(error),
    };
    Object.defineProperty(this.instance, SHELL_TASK_HOOKS, { value: hooks, enumerable: false, configurable: true });
    return this.instance.prepare(this.host.conf, this.host.topologyContext, this.host.collector);
  }

  afterPrepare(): unknown {
    const replay = this.replay;
    this.replay = null;
    if (replay !== null && replay.length > 0) {
      this.host.log(
        'info',
        `replaying ${replay.length} tuple(s) the subprocess had in flight at the restored checkpoint`,
      );
      this.host.redeliver(replay.map((d) => decodeTuple(this.host.topologyContext, d)));
    }
    return undefined;
  }

  execute(input: Parameters<ShellBolt['execute']>[0]): unknown {
    return this.instance.execute(input);
  }

  cleanup(): void {
    this.instance.cleanup();
  }

  snapshot(): unknown {
    if (this.host.conf['stormshift.reliability'] !== 'checkpoint') return undefined;
    const snap: ShellSnapshot = { inFlight: this.instance.inFlight().map(encodeTuple) };
    return snap;
  }

  restore(state: unknown): void {
    const s = state as ShellSnapshot | undefined;
    if (s?.inFlight !== undefined) this.replay = s.inFlight;
  }
}
