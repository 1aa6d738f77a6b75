import type { MessagePort } from 'node:worker_threads';
import type { CheckpointAck } from '../checkpoint/coordinator.ts';
import type { CheckpointData } from '../checkpoint/storage.ts';

/** Plain, cloneable job options a worker needs to rebuild the graph identically. */
export interface WorkerJobOptions {
  jobModule: string;
  jobArgs: string[];
  jobName: string;
  config: Record<string, unknown>;
}

export interface WorkerData extends WorkerJobOptions {
  workerIndex: number;
  workers: number;
  /** Poison records (policy 'skip') the worker diverts to the dead-letter output. */
  poisonKeys?: string[];
  /** Failures that made a record poison (what its dead letter says). */
  poisonAttempts?: number;
  /** Whether dead letters wait in the subtask for the next barrier (the job checkpoints). */
  stageDeadLetters?: boolean;
}

/** A user function's failure, with what the main thread's poison tracker keys on. */
export interface WorkerUserFailure {
  operator: string;
  /** The record itself when it can be cloned, else its JSON text (the tracker keys on that text). */
  record: unknown;
  cause: string;
}

export type MainToWorker =
  | {
      t: 'init';
      peers: Record<number, MessagePort>;
      restoreFrom: CheckpointData | undefined;
      firstCheckpointId: number;
    }
  | { t: 'run' }
  | { t: 'trigger'; id: number; direct: boolean }
  | { t: 'complete'; id: number; acks: CheckpointAck[] }
  | { t: 'stop' }
  | { t: 'stop-sources' };

export type WorkerToMain =
  | { t: 'ready'; subtasks: number }
  | { t: 'ack'; id: number; participant: string; ack: CheckpointAck }
  /** Every source reader on this worker started (after 'run'): checkpoints may begin. */
  | { t: 'running' }
  /** A subtask here finished before checkpoint `id`'s barrier reached it. */
  | { t: 'decline'; id: number; reason: string }
  | { t: 'finished'; chainId: number; subtaskIndex: number }
  | {
      t: 'failed';
      message: string;
      code: string | undefined;
      retriable: boolean;
      stack: string | undefined;
      user?: WorkerUserFailure;
      /** The source whose own code threw (the poison policy counts those across restarts). */
      source?: string;
    }
  /** A record was diverted here: the main thread counts it (and, without checkpointing, delivers it). */
  | { t: 'dead-letter'; user: WorkerUserFailure }
  | {
      t: 'metrics';
      operators: Array<[string, number, number, number]>;
      blocked: boolean;
      blockedMs: number;
      /** Per operator, in the order of `operators`: errors, busy ms and the latency recorder's totals. */
      details?: WorkerOperatorDetail[];
      /** Async I/O subtasks on this worker: [operator, subtask, inFlight, timeouts, retries, cacheHits, cacheMisses]. */
      asyncIo?: Array<[string, number, number, number, number, number, number]>;
      /** Input watermark of each subtask on this worker: [chain id, subtask, watermark or null before the first]. */
      watermarks?: Array<[number, number, number | null]>;
      /** This worker thread's CPU time since it started, where the platform tells (thread-cpu.ts). */
      cpuMs?: number;
    }
  | { t: 'stopped' }
  | { t: 'sources-stopped' };

/** What a worker sends besides the record counts, so latency and errors reach the main /metrics. */
export interface WorkerOperatorDetail {
  errors: number;
  busyMs: number;
  latencyCounts: number[];
  latencySum: number;
  latencyCount: number;
}
