/**
 * Stateful bolts (§10) on the runtime's aligned checkpoints: `initState` after prepare (input
 * waits in the task queue until it settled), `prepare(txid)` at each barrier with the state
 * snapshot taken right after, `commit` when that checkpoint completes — which releases the
 * deferred acks. A restore brings back the committed state before `initState`.
 */
import { OutputCollector, type IOutputCollector } from '../component/collectors.ts';
import type { IBolt } from '../component/interfaces.ts';
import type { Tuple } from '../component/tuple.ts';
import type { KeyValueStateSnapshot } from '../state/in-memory-key-value-state.ts';
import type { InMemoryKeyValueState } from '../state/in-memory-key-value-state.ts';
import { StateFactory } from '../state/state-factory.ts';
import { StatefulBoltCoordinator, type StatefulCoordinatorSnapshot } from '../state/stateful-bolt-coordinator.ts';
import type { IStatefulComponent } from '../state/stateful-bolt.ts';
import type { BoltHost, BoltInvoker } from './bolt-invoker.ts';

export interface StateSnapshot {
  state: KeyValueStateSnapshot;
  coord: StatefulCoordinatorSnapshot;
}

/** The collector of a stateful bolt: emits go straight out, acks wait for the commit. */
export class DeferredAckDelegate implements IOutputCollector {
  constructor(
    private readonly out: IOutputCollector,
    private readonly coord: StatefulBoltCoordinator,
  ) {}
  emit(streamId: string, anchors: readonly Tuple[], values: readonly unknown[]): number[] {
    return this.out.emit(streamId, anchors, values);
  }
  emitDirect(taskId: number, streamId: string, anchors: readonly Tuple[], values: readonly unknown[]): void {
    this.out.emitDirect(taskId, streamId, anchors, values);
  }
  ack(input: Tuple): void {
    this.coord.ack(input);
  }
  fail(input: Tuple): void {
    this.coord.fail(input);
  }
  resetTimeout(input: Tuple): void {
    this.out.resetTimeout(input);
  }
  reportError(error: unknown): void {
    this.out.reportError(error);
  }
  flush(): void {}
}

/** The state half shared by stateful and stateful-windowed bolts. */
export class StateKeeper {
  readonly state: InMemoryKeyValueState;
  readonly coord: StatefulBoltCoordinator;
  private readonly txidOfCheckpoint = new Map<number, number>();

  constructor(bolt: IStatefulComponent, host: BoltHost) {
    this.state = StateFactory.getState(StateFactory.namespace(host.componentId, host.taskId), host.conf);
    this.coord = new StatefulBoltCoordinator(bolt, this.state, { ack: (t) => host.ack(t), fail: (t) => host.fail(t) });
  }

  restore(s: StateSnapshot): void {
    this.state.restore(s.state);
    this.coord.restore(s.coord);
  }

  snapshot(checkpointId: number): StateSnapshot {
    const txid = this.coord.nextTxid();
    if (this.coord.prepare(txid) === 'prepared') this.txidOfCheckpoint.set(checkpointId, txid);
    return { state: this.state.snapshot(), coord: this.coord.snapshot() };
  }

  complete(checkpointId: number): void {
    for (const [id, txid] of this.txidOfCheckpoint) {
      if (id > checkpointId) continue;
      this.txidOfCheckpoint.delete(id);
      if (id === checkpointId) this.coord.commit(txid);
    }
  }
}

export class StatefulInvoker implements BoltInvoker {
  private readonly keeper: StateKeeper;
  private readonly collector: OutputCollector;

  constructor(
    readonly instance: IBolt & IStatefulComponent,
    private readonly host: BoltHost,
  ) {
    this.keeper = new StateKeeper(instance, host);
    this.collector = new OutputCollector(new DeferredAckDelegate(host.emitter, this.keeper.coord));
  }

  prepare(): unknown {
    return this.instance.prepare?.(this.host.conf, this.host.topologyContext, this.collector);
  }

  afterPrepare(): unknown {
    return this.keeper.coord.initState();
  }

  execute(input: Tuple): unknown {
    return this.instance.execute(input);
  }

  cleanup(): void {
    this.instance.cleanup?.();
  }

  snapshot(checkpointId: number): unknown {
    return this.keeper.snapshot(checkpointId);
  }

  restore(state: unknown): void {
    this.keeper.restore(state as StateSnapshot);
  }

  checkpointComplete(checkpointId: number): void {
    this.keeper.complete(checkpointId);
  }
}
