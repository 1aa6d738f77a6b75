/**
 * What `verify` and its side processes (cli/verify-child.ts) exchange over their IPC channel.
 * Types only: the transpiler never loads compat or the runtime itself.
 */

export interface RecordedTuple {
  stream: string;
  values: unknown[];
}

export type GroupingKind = 'shuffle' | 'fields' | 'global' | 'all' | 'direct' | 'custom';

/** The original topology's wiring, as verify needs it: declared fields per stream, inputs, ticks. */
export interface TopologyShape {
  spouts: Record<string, { parallelism: number; streams: Record<string, string[]> }>;
  bolts: Record<
    string,
    {
      parallelism: number;
      inputs: Array<{ component: string; stream: string; grouping: GroupingKind }>;
      streams: Record<string, string[]>;
      /** Tick tuple frequency in seconds (0: no ticks). */
      tickSecs: number;
      /** A processing-time window fires on a timer: its output depends on arrival time, like ticks. */
      processingTimeWindow?: boolean;
    }
  >;
}

interface Common {
  /** The module to load (absolute path). */
  module: string;
  /** Give up after this long (a hang in user code must not hang the CLI). */
  timeoutMs: number;
}

export type ChildRequest =
  | (Common & { mode: 'record'; records: number })
  | (Common & { mode: 'compat'; recorded: Record<string, RecordedTuple[]> })
  | (Common & {
      mode: 'native';
      records: Record<string, unknown[]>;
      captureInput: string[];
      captureOutput: string[];
      /** Also captured where the rewrite has an operator with that uid (to locate where a difference starts). */
      captureOutputIfPresent?: string[];
    });

export interface RecordAnswer {
  shape: TopologyShape;
  recorded: Record<string, RecordedTuple[]>;
}

export interface CompatAnswer {
  shape: TopologyShape;
  /** Everything each component emitted during the replay (spouts included), by component id. */
  emitted: Record<string, RecordedTuple[]>;
}

export interface NativeAnswer {
  /** By operator uid: records that reached it, and records it emitted (stream 'default' or the side-output tag). */
  captured: Record<string, { input: unknown[]; output: Array<{ stream: string; value: unknown }> }>;
}
