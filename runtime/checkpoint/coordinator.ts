import { CheckpointError, messageOf } from '../errors.ts';
import type { CheckpointMetrics } from '../metrics/index.ts';
import { systemClock, type Clock } from '../time/clock.ts';
import type { StagedDeadLetter } from '../execution/dead-letter-output.ts';
import type { EpochDeadLetter } from '../execution/poison.ts';
import type { CheckpointData, CheckpointStorage, StoredCheckpoint } from './storage.ts';

/** What a participating subtask acknowledges: its operator states and sink committables. */
export interface CheckpointAck {
  subtaskIndex: number;
  states: Record<string, unknown>;
  committables: Record<string, unknown>;
  /** Records this subtask diverted to the dead-letter output and not yet delivered. */
  deadLetters?: EpochDeadLetter[] | undefined;
}

/** What the coordinator needs of the job's poison policy (main thread only). */
export interface CheckpointPoison {
  /** Records diverted so far (poison keys): every checkpoint keeps them. */
  keys(): string[];
  /** The checkpoint is durable: deliver its dead letters. */
  commit(checkpointId: number, entries: StagedDeadLetter[]): void;
}

export interface CheckpointCoordinatorOptions {
  jobName: string;
  storage: CheckpointStorage;
  metrics: CheckpointMetrics;
  firstCheckpointId: number;
  timeoutMs: number;
  /** Processing time for the timeout and the checkpoint timestamps (the job's clock). */
  clock?: Clock;
  /** Number of subtasks that must acknowledge each checkpoint. */
  participants(): number;
  /** Injects barriers at every source (or snapshots every subtask directly, for the final checkpoint). */
  inject(checkpointId: number, direct: boolean): void;
  /** The checkpoint is durable: sinks commit, sources commit offsets. */
  complete(checkpointId: number, acks: CheckpointAck[]): Promise<void>;
  /** A checkpoint failed in a way that leaves the job inconsistent: fail over. */
  failJob(error: Error): void;
  poison?: CheckpointPoison | undefined;
}

interface Pending {
  id: number;
  kind: 'checkpoint' | 'savepoint';
  startedAt: number;
  timestamp: number;
  acks: Array<Promise<CheckpointAck>>;
  /** Who acknowledged: a subtask answering twice must not stand in for one that has not answered. */
  participants: Set<string>;
  resolve(stored: StoredCheckpoint): void;
  reject(error: Error): void;
  cancelTimeout(): void;
  /** The trigger's promise, never rejecting: what whenIdle() waits on. */
  settled: Promise<void>;
}

export interface CompletedCheckpointInfo {
  id: number;
  kind: 'checkpoint' | 'savepoint';
  path: string;
  bytes: number;
  durationMs: number;
  completedAt: number;
}

/**
 * Triggers aligned checkpoints (Chandy-Lamport with barriers, as in Flink): barriers enter at the
 * sources, every subtask snapshots when its inputs are aligned, and the checkpoint becomes durable
 * once all subtasks acknowledged and storage holds it. Only then are sinks told to commit.
 */
export class CheckpointCoordinator {
  private nextId: number;
  private pending: Pending | undefined;
  private stopped = false;
  private readonly clock: Clock;
  lastCompleted: CompletedCheckpointInfo | undefined;
  completedCount = 0;

  constructor(private readonly options: CheckpointCoordinatorOptions) {
    this.nextId = options.firstCheckpointId;
    this.clock = options.clock ?? systemClock;
  }

  get inProgress(): boolean {
    return this.pending !== undefined;
  }

  /** Settles once no checkpoint is in progress (whether the pending one completes or fails). */
  whenIdle(): Promise<void> {
    const pending = this.pending;
    if (!pending) return Promise.resolve();
    return pending.settled.then(() => this.whenIdle());
  }

  trigger(kind: 'checkpoint' | 'savepoint' = 'checkpoint', direct = false): Promise<StoredCheckpoint> {
    if (this.stopped) return Promise.reject(new CheckpointError('the job is not running'));
    if (this.pending)
      return Promise.reject(
        new CheckpointError(`checkpoint ${this.pending.id} is still in progress`, { retriable: true }),
      );
    const id = this.nextId++;
    let resolve!: (stored: StoredCheckpoint) => void;
    let reject!: (error: Error) => void;
    const promise = new Promise<StoredCheckpoint>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    const timestamp = this.clock.now();
    const cancelTimeout = this.clock.setTimer(timestamp + this.options.timeoutMs, () =>
      this.abort(id, new CheckpointError(`checkpoint ${id} timed out after ${this.options.timeoutMs} ms`)),
    );
    const settled = promise.then(
      () => {},
      () => {},
    );
    this.pending = {
      id,
      kind,
      startedAt: performance.now(),
      timestamp,
      acks: [],
      participants: new Set(),
      resolve,
      reject,
      cancelTimeout,
      settled,
    };
    this.options.inject(id, direct);
    return promise;
  }

  /** `participant` names the acknowledging subtask (chain id and index); repeats are ignored. */
  acknowledge(checkpointId: number, participant: string, ack: Promise<CheckpointAck>): void {
    const pending = this.pending;
    if (!pending || pending.id !== checkpointId || pending.participants.has(participant)) return;
    pending.participants.add(participant);
    pending.acks.push(ack);
    if (pending.acks.length === this.options.participants()) void this.finish(pending);
  }

  /**
   * A participant cannot take part in this checkpoint (it finished before the barrier reached it,
   * so no barrier ever will): the checkpoint ends as failed at once instead of waiting out its
   * timeout. Unlike a timeout it leaves the job running: every gate still aligns, on barriers or
   * on the ends of its inputs.
   */
  decline(checkpointId: number, reason: string): void {
    const pending = this.pending;
    if (!pending || pending.id !== checkpointId) return;
    pending.cancelTimeout();
    this.pending = undefined;
    const message = `checkpoint ${checkpointId} declined: ${reason}`;
    this.options.metrics.failed(message);
    pending.reject(new CheckpointError(message, { retriable: true }));
  }

  stop(): void {
    this.stopped = true;
    if (this.pending) {
      this.pending.cancelTimeout();
      this.pending.reject(new CheckpointError(`checkpoint ${this.pending.id} aborted: the job stopped`));
      this.pending = undefined;
    }
  }

  private async finish(pending: Pending): Promise<void> {
    try {
      const acks = await Promise.all(pending.acks);
      if (this.pending !== pending) return;
      const data: CheckpointData = {
        id: pending.id,
        jobName: this.options.jobName,
        kind: pending.kind,
        timestamp: pending.timestamp,
        operators: {},
        committables: {},
      };
      const deadLetters: StagedDeadLetter[] = [];
      for (const ack of acks) {
        for (const [uid, state] of Object.entries(ack.states)) (data.operators[uid] ??= {})[ack.subtaskIndex] = state;
        for (const [uid, committable] of Object.entries(ack.committables))
          (data.committables![uid] ??= {})[ack.subtaskIndex] = committable;
        // A copy whose epoch completed already went out with that checkpoint (the subtask took
        // this snapshot before it heard of the completion).
        for (const { epoch, entry } of ack.deadLetters ?? [])
          if (epoch > (this.lastCompleted?.id ?? 0)) deadLetters.push(entry);
      }
      const diverted = this.options.poison?.keys() ?? [];
      if (diverted.length > 0 || deadLetters.length > 0) data.poison = { diverted, deadLetters };
      const stored = await this.options.storage.write(data);
      if (this.pending !== pending) return;
      pending.cancelTimeout();
      this.pending = undefined;
      const durationMs = performance.now() - pending.startedAt;
      this.options.metrics.completed(durationMs, stored.bytes, pending.id);
      this.completedCount++;
      this.lastCompleted = {
        id: pending.id,
        kind: pending.kind,
        path: stored.path,
        bytes: stored.bytes,
        durationMs,
        completedAt: this.clock.now(),
      };
      if (deadLetters.length > 0) this.options.poison?.commit(pending.id, deadLetters);
      await this.options.complete(pending.id, acks);
      pending.resolve(stored);
    } catch (error) {
      const failure = error instanceof Error ? error : new CheckpointError(messageOf(error));
      if (this.pending === pending) {
        this.abort(pending.id, failure);
        return;
      }
      // Durable, but committing it failed: the restore path commits it again.
      pending.reject(failure);
      this.options.failJob(failure);
    }
  }

  private abort(checkpointId: number, error: Error): void {
    const pending = this.pending;
    if (!pending || pending.id !== checkpointId) return;
    pending.cancelTimeout();
    this.pending = undefined;
    this.options.metrics.failed(error.message);
    pending.reject(error);
    // A half-propagated barrier leaves gates aligned on a checkpoint that will never finish;
    // restoring the last complete checkpoint is the only consistent way forward.
    this.options.failJob(error);
  }
}
