/**
 * What `verify` and its side processes (cli/verify-child.ts) exchange over their IPC channel.
 * Types only: the transpiler never loads compat or the runtime itself.
 */

export interface RecordedTuple {
  stream: string;
  values: unknown[];
  /** When the spout emitted it while recording, in ms after the recording's first emit. */
  atMs?: number;
}

/**
 * A replay on a manual processing-time clock, for topologies whose output fires on tick tuples or
 * processing-time windows:
 * both sides start the clock at `startMs`, move it to each recorded tuple's time before emitting
 * the tuple (firing every tick or timer due on the way, one instant at a time), then on to
 * `endMs`, and stop. Ticks and timers fire at the same simulated instants on both sides.
 */
export interface TimedReplay {
  startMs: number;
  endMs: number;
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
      /**
       * A JoinBolt: its rewrite tags each input record with where it came from before the window
       * joins them, so what reaches it differs in shape on the two sides; its joined rows are compared.
       */
      join?: boolean;
      /** A processing-time window's slide plus its duration length: how long past its last tuple it may still fire. */
      windowSpanMs?: number;
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
  | (Common & { mode: 'compat'; recorded: Record<string, RecordedTuple[]>; timed?: TimedReplay })
  | (Common & {
      mode: 'native';
      records: Record<string, unknown[]>;
      /** With `timed`: each record's time (ms after `timed.startMs`), by spout id, in record order. */
      times?: Record<string, number[]>;
      timed?: TimedReplay;
      /** With `timed`: uids whose parallelism the replay keeps (the JoinBolts'); every other operator runs on one task. */
      keepParallelism?: string[];
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

/**
 * Where a timed replay's clock starts: an instant off every whole second, so a rewrite whose timers
 * align to the epoch where Storm ticks from the task's start shows up as a difference.
 */
const TIMED_START_MS = 1_700_000_000_123;

/**
 * The timed replay for a topology with tick-driven bolts or processing-time windows (undefined
 * without any): from the start, through the last recorded tuple, then 10 s plus twice the sum of
 * the tick periods and window spans on, so what the last tuples cause has ticked through every
 * tick-driven bolt and left every window. Storm ticks forever: both sides stop at the same
 * instant, and what either emitted by then is compared.
 */
export function timedReplayFor(
  shape: TopologyShape,
  recorded: Record<string, RecordedTuple[]>,
): TimedReplay | undefined {
  const periods = Object.values(shape.bolts).map(
    (b) => b.tickSecs * 1000 + (b.processingTimeWindow === true ? (b.windowSpanMs ?? 0) : 0),
  );
  if (!periods.some((p) => p > 0)) return undefined;
  let last = 0;
  for (const tuples of Object.values(recorded)) for (const t of tuples) last = Math.max(last, t.atMs ?? 0);
  const horizon = 10_000 + 2 * periods.reduce((a, b) => a + b, 0);
  return { startMs: TIMED_START_MS, endMs: TIMED_START_MS + last + horizon };
}
