/**
 * Windowed bolts (§9): tuples go into the `WindowManager`; activations call `execute(window)`
 * with unanchored emits auto-anchored to the window's tuples; expired tuples are acked; late
 * tuples go to the late stream. Window timers run through the task queue, serialized with data.
 * The stateful variant adds `initState` and checkpointed state, and defers acks to the commit.
 */
import { OutputCollector, type IOutputCollector } from '../component/collectors.ts';
import type { Tuple } from '../component/tuple.ts';
import { TupleUtils } from '../component/tuple-utils.ts';
import type { IStatefulComponent } from '../state/stateful-bolt.ts';
import { validateWindowConfig, type WindowSpec } from '../windowing/window-config.ts';
import { WindowManager, type WindowManagerSnapshot } from '../windowing/window-manager.ts';
import type { Window } from '../windowing/window.ts';
import type { IStatefulWindowedBolt, IWindowedBolt } from '../windowing/windowed-bolt.ts';
import type { BoltHost, BoltInvoker } from './bolt-invoker.ts';
import { DeferredAckDelegate, StateKeeper, type StateSnapshot } from './stateful-invoker.ts';
import { decodeTuple, encodeTuple } from '../component/tuple-codec.ts';
import { isThenable } from '../component/thenable.ts';

/** Unanchored emits from `execute(window)` anchor to the latest activation's tuples (§9). */
class WindowAnchoringDelegate implements IOutputCollector {
  anchors: readonly Tuple[] = [];
  constructor(private readonly out: IOutputCollector) {}
  emit(streamId: string, anchors: readonly Tuple[], values: readonly unknown[]): number[] {
    return this.out.emit(streamId, anchors.length === 0 ? this.anchors : anchors, values);
  }
  emitDirect(taskId: number, streamId: string, anchors: readonly Tuple[], values: readonly unknown[]): void {
    this.out.emitDirect(taskId, streamId, anchors.length === 0 ? this.anchors : anchors, values);
  }
  ack(input: Tuple): void {
    this.out.ack(input);
  }
  fail(input: Tuple): void {
    this.out.fail(input);
  }
  resetTimeout(input: Tuple): void {
    this.out.resetTimeout(input);
  }
  reportError(error: unknown): void {
    this.out.reportError(error);
  }
  flush(): void {}
}

interface WindowedSnapshot {
  window?: WindowManagerSnapshot;
  state?: StateSnapshot;
}

export class WindowedInvoker implements BoltInvoker {
  private readonly anchoring: WindowAnchoringDelegate;
  private readonly collector: OutputCollector;
  private readonly keeper: StateKeeper | null;
  private readonly eventTime: boolean;
  private spec!: WindowSpec;
  private wm: WindowManager<Tuple> | null = null;
  private restoredWindow: WindowManagerSnapshot | undefined;
  /** Promises of window executes started by the current callback. */
  private pending: PromiseLike<unknown>[] = [];

  constructor(
    readonly instance: IWindowedBolt,
    private readonly host: BoltHost,
    stateful: boolean,
  ) {
    this.keeper = stateful ? new StateKeeper(instance as unknown as IStatefulComponent, host) : null;
    // Window acks of a stateful windowed bolt wait for the commit, like its explicit acks.
    const base = this.keeper === null ? host.emitter : new DeferredAckDelegate(host.emitter, this.keeper.coord);
    this.anchoring = new WindowAnchoringDelegate(base);
    this.collector = new OutputCollector(this.anchoring);
    this.eventTime = instance.getTimestampExtractor() != null;
  }

  prepare(): unknown {
    const persistent = this.keeper !== null && (this.instance as IStatefulWindowedBolt).isPersistent?.() === true;
    this.spec = validateWindowConfig(this.host.conf, this.host.conf, {
      hasTimestampExtractor: this.eventTime,
      declaredStreams: this.host.topologyContext.getThisStreams(),
      statefulNonPersistent: this.keeper !== null && !persistent,
      persistent,
    });
    return this.instance.prepare?.(this.host.conf, this.host.topologyContext, this.collector);
  }

  afterPrepare(): unknown {
    const ctx = this.host.topologyContext;
    const inputStreams: string[] = [];
    for (const gsid of ctx.getThisSources().keys())
      if (gsid.get_streamId() !== '$checkpoint') inputStreams.push(gsid.key());
    const wm = new WindowManager<Tuple>({
      spec: this.spec,
      inputStreams,
      encodeTuple,
      decodeTuple: (d) => decodeTuple(ctx, d),
      listener: {
        onExpiry: (tuples) => {
          for (const t of tuples) this.anchoring.ack(t);
        },
        onActivation: (window: Window<Tuple>, tuples: Tuple[]) => {
          this.anchoring.anchors = tuples;
          const r = this.instance.execute(window);
          if (isThenable(r)) this.pending.push(r);
        },
        onLateTuple: (t) => {
          const late = this.spec.lateTupleStream;
          if (late !== null) this.anchoring.emit(late, [t], [t]);
          else this.host.log('warn', `late tuple dropped: ${String(t)}`);
          this.anchoring.ack(t);
        },
      },
    });
    if (this.restoredWindow !== undefined) wm.restore(this.restoredWindow);
    this.wm = wm;
    const interval = wm.timerIntervalMs();
    if (interval !== null) this.host.schedulePeriodic(interval, () => this.settle(() => wm.onTimer(this.host.now())));
    return this.keeper?.coord.initState();
  }

  /** Runs an engine call; returns a Promise if window executes it started are still running. */
  private settle(fn: () => void): unknown {
    fn();
    if (this.pending.length === 0) return undefined;
    const all = Promise.all(this.pending);
    this.pending = [];
    return all;
  }

  execute(input: Tuple): unknown {
    // Ticks are not window content.
    if (TupleUtils.isTick(input)) return undefined;
    const wm = this.wm!;
    return this.settle(() => {
      if (this.eventTime)
        wm.add(
          input,
          this.instance.getTimestampExtractor()!.extractTimestamp(input),
          input.getSourceGlobalStreamId().key(),
        );
      else wm.add(input, this.host.now());
    });
  }

  cleanup(): void {
    this.instance.cleanup?.();
  }

  snapshot(checkpointId: number): unknown {
    const snap: WindowedSnapshot = {};
    if (this.wm !== null) snap.window = this.wm.snapshot();
    if (this.keeper !== null) snap.state = this.keeper.snapshot(checkpointId);
    return snap;
  }

  restore(state: unknown): void {
    const s = state as WindowedSnapshot;
    this.restoredWindow = s.window;
    if (s.state !== undefined) this.keeper?.restore(s.state);
  }

  checkpointComplete(checkpointId: number): void {
    this.keeper?.complete(checkpointId);
  }
}
