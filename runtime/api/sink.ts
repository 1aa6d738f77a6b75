/**
 * The sink contract, with an optional two-phase commit. A writer that implements `prepareCommit`
 * and `commit` gets exactly-once output: at each barrier it seals what it wrote into a
 * "committable" that is stored inside the checkpoint, and it makes it visible only once the whole
 * checkpoint is durable. On restore the runtime hands the restored checkpoint's committables to
 * `commit` again, so commits must be idempotent. After a restore with lower parallelism, subtask i
 * also gets those of the removed subtasks j with j % parallelism === i (committables of another
 * subtask index, which a writer must commit as well).
 */
import type { Clock } from '../time/clock.ts';
export interface SinkContext {
  readonly jobName: string;
  readonly operatorName: string;
  readonly subtaskIndex: number;
  readonly parallelism: number;
  /** Whether this run was restored from a checkpoint (a writer may clean up what a crash left). */
  readonly restored: boolean;
  /**
   * Id of the restored checkpoint. Output a writer committed for a later checkpoint belongs to a
   * timeline the restore abandoned (the newer checkpoint was unreadable): the sources replay it,
   * so the writer must discard or fence it to stay exactly-once.
   */
  readonly restoredCheckpointId?: number | undefined;
  /**
   * Id of this incarnation's first checkpoint. Every checkpoint an earlier incarnation completed
   * in this checkpoint directory (the newest one too, even when it is unreadable or the restore
   * chose an older one) has a smaller id, so a writer can bound what earlier incarnations did
   * after the restored checkpoint. Absent on a context built outside the runtime.
   */
  readonly firstCheckpointId?: number | undefined;
  /**
   * The job's clock: a writer's own timers (linger, retry back-off) read it, so a job on a
   * ManualClock drives them too. Absent on a context built outside the runtime: use the wall clock.
   */
  readonly clock?: Clock;
}

export interface SinkWriter<T, C = unknown, S = unknown> {
  open?(): void | Promise<void>;
  /** A returned Promise counts as in flight; past the sink's limit the runtime backpressures the sources. */
  write(value: T, timestamp: number): void | Promise<void>;
  /**
   * Seal everything written before the barrier. May await a flush; the content is fixed when
   * called. `undefined` means nothing to commit for this checkpoint.
   */
  prepareCommit?(checkpointId: number): C | undefined | Promise<C | undefined>;
  /** Make sealed output visible. Called after the checkpoint completes and again on restore: idempotent. */
  commit?(committables: C[]): void | Promise<void>;
  snapshotState?(checkpointId: number): S;
  restoreState?(state: S): void;
  /** Called once after the last record of a bounded input, before the final checkpoint. */
  finish?(): void | Promise<void>;
  close?(): void | Promise<void>;
}

export interface Sink<T, C = unknown, S = unknown> {
  createWriter(context: SinkContext): SinkWriter<T, C, S>;
}
