/**
 * Verify: proves a migrated topology gives the same output as its original. The original's spouts
 * run on compat until each emitted N tuples (recorded); the same tuples are replayed into the
 * original (compat, spouts mocked with the same ids and fields, acking as configured) and into the
 * rewrite (native, sources with uid = spout id swapped for bounded collections of records
 * `{ field: value }`); what reaches every terminal component, and what terminal components emit,
 * is compared per component as multisets (or per key, last value, where order may differ).
 * Each side runs in its own process (cli/verify-child.ts) from a temp copy of the project with the
 * migration's files materialized, so neither a crash in user code nor a dry run's unsaved
 * rewrite gets in the way.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import {
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
  mkdirSync,
  symlinkSync,
  cpSync,
  readdirSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileErrors, formatCompileErrors } from './compile.ts';
import { display, compareMultisets, compareLastPerKey, type Difference } from './compare.ts';
import {
  timedReplayFor,
  type CompatAnswer,
  type NativeAnswer,
  type RecordAnswer,
  type TimedReplay,
  type TopologyShape,
} from './protocol.ts';

export { canonical } from './compare.ts';
export type { TopologyShape, RecordAnswer, RecordedTuple } from './protocol.ts';

export interface VerifyRequest {
  /** Project root; the migration's changed files are materialized into a temp copy of it. */
  root: string;
  /** Absolute path → file text before and after the migration. */
  changes: ReadonlyMap<string, { before: string; after: string }>;
  /** Absolute paths of the topology modules to verify. */
  topologies: string[];
  /** Tuples recorded per spout (default 200). */
  records?: number;
  /**
   * Components whose output order may legitimately differ after the migration (the report says so),
   * by topology path (absolute) then component id: compared as the last value per key of these fields.
   */
  lastPerKey?: ReadonlyMap<string, ReadonlyMap<string, string[]>>;
  /** Per side process (default 60 s). */
  timeoutMs?: number;
  /** Type-check the rewritten files first (default true); a rewrite that does not compile is not run. */
  compile?: boolean;
}

export type VerdictStatus = 'equal' | 'different' | 'unverifiable' | 'error';

export interface SinkComparison {
  /** Component id (the Storm bolt id; the native operator's uid). */
  component: string;
  /** 'input': what reached the component; otherwise the stream it emitted on. */
  what: 'input' | { stream: string };
  compare: 'multiset' | 'last-per-key';
  /** The key fields, when compared as the last value per key. */
  keyFields?: string[];
  original: number;
  rewrite: number;
  equal: boolean;
  /** A tick-driven component is on the way here: its output depends on timing, not only on input. */
  tickDriven: boolean;
  /** The first records found on one side only (in arrival order, at most 5 each). */
  onlyInOriginal: unknown[];
  onlyInRewrite: unknown[];
}

export interface TopologyVerdict {
  topology: string;
  status: VerdictStatus;
  /** Tuples replayed, by spout id. */
  replayed: Record<string, number>;
  sinks: SinkComparison[];
  /** Why verify could not decide (status 'error' or 'unverifiable'), or a note on what was compared. */
  message?: string;
  /**
   * Set when the output is tick-driven and both sides ran on one simulated processing-time clock
   * (TimedReplay): ticks and timers fired at the same instants, every component on one task but
   * JoinBolts, which keep their tasks.
   */
  timed?: { simulatedMs: number };
}

const DEFAULT_RECORDS = 200;
const DEFAULT_TIMEOUT_MS = 60_000;
/** Never copied into the temp project: dependencies are linked, build output and VCS data are not needed. */
const SKIP_DIRS = new Set(['node_modules', '.git', 'dist', 'build', 'coverage', '.stormshift', '.vitest']);

export async function verifyMigration(req: VerifyRequest): Promise<TopologyVerdict[]> {
  const root = resolve(req.root);
  const work = mkdtempSync(join(tmpdir(), 'stormshift-verify-'));
  try {
    const original = join(work, 'original');
    const migrated = join(work, 'migrated');
    materializeProject(root, original, req.changes, 'before');
    materializeProject(root, migrated, req.changes, 'after');
    const verdicts: TopologyVerdict[] = [];
    if (req.compile !== false) {
      const changed = [...req.changes.keys()].filter(
        (p) => /\.[cm]?tsx?$/.test(p) && !relative(root, p).startsWith('..'),
      );
      const errors = compileErrors(
        migrated,
        changed.map((p) => join(migrated, relative(root, p))),
      );
      if (errors.length > 0) {
        const message = `the rewrite does not type-check:\n${formatCompileErrors(errors)}`;
        return req.topologies.map((t) => ({
          topology: relative(root, resolve(t)).split(sep).join('/'),
          status: 'error',
          replayed: {},
          sinks: [],
          message,
        }));
      }
    }
    for (const topology of req.topologies) {
      const rel = relative(root, resolve(topology));
      if (rel.startsWith('..')) {
        verdicts.push({
          topology,
          status: 'error',
          replayed: {},
          sinks: [],
          message: `not under the project root ${root}`,
        });
        continue;
      }
      verdicts.push(
        await verifyTopology({
          original: join(original, rel),
          rewrite: join(migrated, rel),
          label: rel.split(sep).join('/'),
          records: req.records,
          timeoutMs: req.timeoutMs,
          lastPerKey: req.lastPerKey?.get(resolve(topology)),
        }),
      );
    }
    return verdicts;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

export interface VerifyPair {
  /** The original topology module (default-exports a StormTopology). */
  original: string;
  /** The migrated module (default-exports a native job). */
  rewrite: string;
  /** How the verdict names the topology (default: the original's path). */
  label?: string;
  records?: number;
  timeoutMs?: number;
  lastPerKey?: ReadonlyMap<string, string[]>;
}

/** Verifies one original/rewrite pair of modules already on disk (verifyMigration's step per topology). */
export async function verifyTopology(pair: VerifyPair): Promise<TopologyVerdict> {
  const label = pair.label ?? pair.original;
  const records = pair.records ?? DEFAULT_RECORDS;
  const timeoutMs = pair.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const fail = (message: string): TopologyVerdict => ({
    topology: label,
    status: 'error',
    replayed: {},
    sinks: [],
    message,
  });
  const original = new Side(resolve(pair.original));
  const rewrite = new Side(resolve(pair.rewrite));
  try {
    original.send({ type: 'original', module: resolve(pair.original), records, timeoutMs });
    let recording: RecordAnswer;
    try {
      recording = await original.next<RecordAnswer>('recorded', timeoutMs);
    } catch (error) {
      return fail(`recording the original's spouts failed: ${(error as Error).message}`);
    }
    const { recorded } = recording;
    let { shape } = recording;
    const replayed: Record<string, number> = {};
    const nativeRecords: Record<string, unknown[]> = {};
    const times: Record<string, number[]> = {};
    for (const [spout, tuples] of Object.entries(recorded)) {
      replayed[spout] = tuples.length;
      const other = tuples.find((t) => t.stream !== 'default');
      if (other !== undefined) {
        return fail(
          `spout '${spout}' emits on stream '${other.stream}': verify replays spouts of the default stream only`,
        );
      }
      const fields = shape.spouts[spout]?.streams.default ?? [];
      nativeRecords[spout] = tuples.map((t) => toRecord(fields, t.values));
      times[spout] = tuples.map((t) => t.atMs ?? 0);
    }
    // The original side derives the same from the same recording.
    const timed = timedReplayFor(shape, recorded);
    // A timed replay runs every component on one task: what reaches a tick-driven bolt at one
    // instant from several tasks would arrive in an order neither Storm nor the runtime fixes (and
    // their partitioners differ), and output such as a ranking's ties depends on it.
    // JoinBolts keep their tasks: see keepJoinTasks in the verify child.
    if (timed) shape = oneTaskEach(shape);
    const joins = Object.keys(shape.bolts).filter((id) => shape.bolts[id]!.join === true);
    const terminals = terminalBolts(shape);
    if (terminals.length === 0) return fail('the topology has no bolts: nothing to compare');
    const frontier = tickFrontier(shape).filter((id) => !terminals.includes(id));
    const captureOutput = terminals.filter((id) => Object.keys(shape.bolts[id]!.streams).length > 0);
    rewrite.send({
      type: 'native',
      request: {
        mode: 'native',
        module: resolve(pair.rewrite),
        records: nativeRecords,
        ...(timed ? { times, timed, keepParallelism: joins } : {}),
        captureInput: [...terminals, ...frontier],
        captureOutput,
        captureOutputIfPresent: Object.keys(shape.bolts).filter(
          (id) => !terminals.includes(id) && Object.keys(shape.bolts[id]!.streams).length > 0,
        ),
        timeoutMs,
      },
    });
    let compat: CompatAnswer;
    let native: NativeAnswer;
    try {
      [compat, native] = await Promise.all([
        original.next<CompatAnswer>('done', timeoutMs).catch((e: Error) => {
          throw new Error(`the original (compat) failed on the replayed input: ${e.message}`);
        }),
        rewrite.next<NativeAnswer>('done', timeoutMs).catch((e: Error) => {
          throw new Error(`the rewrite (native) failed on the replayed input: ${e.message}`);
        }),
      ]);
    } catch (error) {
      return { ...fail((error as Error).message), replayed };
    }
    const verdict = judge(
      label,
      shape,
      replayed,
      terminals,
      captureOutput,
      compat,
      native,
      pair.lastPerKey,
      frontier,
      timed,
    );
    return timed ? { ...verdict, timed: { simulatedMs: timed.endMs - timed.startMs } } : verdict;
  } finally {
    original.close();
    rewrite.close();
  }
}

/** Runs the original's spouts in a side process until each emitted `records` tuples (what bench --topology replays). */
export async function recordSpouts(
  module: string,
  records: number,
  timeoutMs = DEFAULT_TIMEOUT_MS,
): Promise<RecordAnswer> {
  const side = new Side(resolve(module));
  try {
    side.send({ type: 'record', module: resolve(module), records, timeoutMs });
    return await side.next<RecordAnswer>('recorded', timeoutMs);
  } finally {
    side.close();
  }
}

function judge(
  label: string,
  shape: TopologyShape,
  replayed: Record<string, number>,
  terminals: string[],
  captureOutput: string[],
  compat: CompatAnswer,
  native: NativeAnswer,
  lastPerKey: ReadonlyMap<string, string[]> | undefined,
  frontier: string[] = [],
  timed?: TimedReplay,
): TopologyVerdict {
  // Under one simulated clock ticks fired alike on both sides: output behind them is compared as any other.
  const ticking = timed ? new Set<string>() : tickDriven(shape);
  const sinks: SinkComparison[] = [];
  const reachedIn = (id: string): unknown[] => {
    const bolt = shape.bolts[id]!;
    const reached: unknown[] = [];
    for (const input of bolt.inputs) {
      const fields = fieldsOf(shape, input.component, input.stream);
      const copies = input.grouping === 'all' ? bolt.parallelism : 1;
      for (const t of compat.emitted[input.component] ?? []) {
        if (t.stream !== input.stream) continue;
        const rec = toRecord(fields, t.values);
        for (let i = 0; i < copies; i++) reached.push(rec);
      }
    }
    return reached;
  };
  // What reaches the first tick-driven bolts does not depend on when ticks fire: compared as the
  // part of a tick-driven topology that can be proven equal.
  for (const id of frontier)
    sinks.push(compareSide(id, 'input', reachedIn(id), native.captured[id]?.input ?? [], false));
  for (const id of terminals) {
    const bolt = shape.bolts[id]!;
    const reached = reachedIn(id);
    // What reaches a component is the same multiset in any order, unless what emits it is compared
    // per key (its emits differ in number, e.g. a mini-batched aggregate): then so is what reaches it.
    const inputKeys = bolt.inputs
      .map((input) => perKey(shape, lastPerKey, input.component, fieldsOf(shape, input.component, input.stream)))
      .find((k) => k !== undefined);
    // A terminal JoinBolt's input is tagged by source in the rewrite (see `join` in the shape): its rows say it all.
    if (!(bolt.join === true && captureOutput.includes(id)))
      sinks.push(compareSide(id, 'input', reached, native.captured[id]?.input ?? [], ticking.has(id), inputKeys));
    for (const [stream, fields] of Object.entries(bolt.streams)) {
      if (!captureOutput.includes(id)) continue;
      const keyFields = lastPerKey?.get(id) ?? (inputKeys?.every((f) => fields.includes(f)) ? inputKeys : undefined);
      const original = (compat.emitted[id] ?? [])
        .filter((t) => t.stream === stream)
        .map((t) => toRecord(fields, t.values));
      const rewrite = (native.captured[id]?.output ?? []).filter((o) => o.stream === stream).map((o) => o.value);
      sinks.push(compareSide(id, { stream }, original, rewrite, ticking.has(id), keyFields));
    }
  }
  // A rewrite emitting on a stream the original never declared is a difference too.
  for (const id of captureOutput) {
    for (const o of native.captured[id]?.output ?? []) {
      if (shape.bolts[id]!.streams[o.stream] === undefined) {
        sinks.push(
          compareSide(
            id,
            { stream: o.stream },
            [],
            (native.captured[id]?.output ?? []).filter((x) => x.stream === o.stream).map((x) => x.value),
            false,
          ),
        );
        break;
      }
    }
  }
  const different = sinks.filter((s) => !s.equal);
  const tickers = Object.entries(shape.bolts)
    .filter(([, b]) => b.tickSecs > 0 || b.processingTimeWindow === true)
    .map(([id, b]) => (b.tickSecs > 0 ? `${id} (every ${b.tickSecs}s)` : `${id} (processing-time window)`));
  // Outside a timed replay (a topology with processing-time windows and no ticks), windows fire by
  // wall-clock time on compat and by processing time on the runtime (and a bounded native run ends
  // without firing pending timers): output behind them differs by when the runs happened to fire,
  // not only by what the code does. Equal input to those bolts with differences only behind them
  // cannot be called equal, nor different.
  if (different.length > 0 && different.every((s) => s.tickDriven)) {
    const proven = sinks.filter((s) => !s.tickDriven && s.original > 0);
    return {
      topology: label,
      status: 'unverifiable',
      replayed,
      sinks,
      message: `output is tick-driven (${tickers.join(', ')}) and differs only there: processing-time windows fire by wall-clock time, so the two runs need not fire alike${proven.length > 0 ? `; equal where timing cannot matter: ${proven.map((s) => where(s)).join(', ')}` : ''}`,
    };
  }
  if (different.length > 0) {
    const notes: string[] = [];
    const origin = firstDifferingComponent(shape, terminals, compat, native);
    if (origin) notes.push(origin);
    if (timed) notes.push(timedNote(tickers, timed, shape));
    const ticks = different.filter((s) => s.tickDriven).map((s) => s.component);
    if (ticks.length > 0)
      notes.push(
        `tick-driven component(s) or processing-time windows upstream of ${[...new Set(ticks)].join(', ')}: output there also depends on when ticks and windows fired`,
      );
    return {
      topology: label,
      status: 'different',
      replayed,
      sinks,
      ...(notes.length > 0 ? { message: notes.join('; ') } : {}),
    };
  }
  // What a terminal component produces is its output where it declares one, else what reached it.
  // When none produced anything on either side, equality was never put to the test.
  const results = (id: string): SinkComparison[] =>
    sinks.filter((s) => s.component === id && (captureOutput.includes(id) ? s.what !== 'input' : s.what === 'input'));
  const silent = terminals.filter((id) => results(id).every((s) => s.original === 0 && s.rewrite === 0));
  const proven = frontier
    .map((id) => sinks.find((s) => s.component === id && s.what === 'input')!)
    .filter((s) => s.original > 0);
  const tickNote = timed
    ? `; ${timedNote(tickers, timed, shape)}`
    : tickers.length > 0
      ? `; output is tick-driven: ${tickers.join(', ')}${proven.length > 0 ? `; equal where timing cannot matter: ${proven.map(where).join(', ')}` : ''}`
      : '';
  if (silent.length === terminals.length) {
    return {
      topology: label,
      status: 'unverifiable',
      replayed,
      sinks,
      message: `no terminal component produced a record on either side in the bounded replay${tickNote}`,
    };
  }
  if (silent.length > 0) {
    return {
      topology: label,
      status: 'equal',
      replayed,
      sinks,
      message: `${silent.join(', ')} produced nothing on either side in the bounded replay${tickNote}`,
    };
  }
  return {
    topology: label,
    status: 'equal',
    replayed,
    sinks,
    ...(timed ? { message: timedNote(tickers, timed, shape) } : {}),
  };
}

function timedNote(tickers: string[], timed: TimedReplay, shape: TopologyShape): string {
  const joins = Object.entries(shape.bolts)
    .filter(([, b]) => b.join === true && b.parallelism > 1)
    .map(([id, b]) => `${id} on ${b.parallelism} tasks`);
  const tasks =
    joins.length > 0
      ? `every component on one task but the JoinBolts (${joins.join(', ')})`
      : 'every component on one task';
  return `tick-driven (${tickers.join(', ')}): both sides ran on one simulated clock for ${(timed.endMs - timed.startMs) / 1000} s, each tuple emitted at its recorded time and ${tasks}, so Storm's ticks and window triggers and the rewrite's timers fired on the same clock`;
}

/**
 * Where a difference starts: the first non-terminal bolt, in wiring order, whose emits differ
 * between the sides (compared where the rewrite has an operator with the bolt's id as uid). A
 * hint, not a verdict: a bolt split into several operators may legitimately emit something else
 * from the operator that carries its uid.
 */
function firstDifferingComponent(
  shape: TopologyShape,
  terminals: string[],
  compat: CompatAnswer,
  native: NativeAnswer,
): string | undefined {
  const done = new Set(Object.keys(shape.spouts));
  const order: string[] = [];
  for (let progress = true; progress; ) {
    progress = false;
    for (const [id, bolt] of Object.entries(shape.bolts)) {
      if (done.has(id) || !bolt.inputs.every((i) => done.has(i.component) || i.component === id)) continue;
      done.add(id);
      order.push(id);
      progress = true;
    }
  }
  for (const id of order) {
    if (terminals.includes(id) || native.captured[id] === undefined) continue;
    for (const [stream, fields] of Object.entries(shape.bolts[id]!.streams)) {
      const original = (compat.emitted[id] ?? [])
        .filter((t) => t.stream === stream)
        .map((t) => toRecord(fields, t.values));
      const rewrite = native.captured[id]!.output.filter((o) => o.stream === stream).map((o) => o.value);
      const diff = compareMultisets(original, rewrite);
      if (diff.equal) continue;
      const first =
        diff.onlyInA[0] !== undefined
          ? `only in original: ${show(diff.onlyInA[0])}`
          : `only in rewrite: ${show(diff.onlyInB[0])}`;
      return `the first component whose emits differ is '${id}' (stream '${stream}'; ${original.length} original, ${rewrite.length} rewrite; ${first})`;
    }
  }
  return undefined;
}

/**
 * The key fields under which `component`'s emits are compared, if they are compared per key: its own
 * (the report's `lastPerKey`), or those of a component upstream whose key fields it still carries.
 */
function perKey(
  shape: TopologyShape,
  lastPerKey: ReadonlyMap<string, string[]> | undefined,
  component: string,
  fields: string[],
  seen: Set<string> = new Set(),
): string[] | undefined {
  if (!lastPerKey || seen.has(component)) return undefined;
  seen.add(component);
  const own = lastPerKey.get(component);
  if (own) return own;
  for (const input of shape.bolts[component]?.inputs ?? []) {
    const up = perKey(shape, lastPerKey, input.component, fieldsOf(shape, input.component, input.stream), seen);
    if (up?.every((f) => fields.includes(f))) return up;
  }
  return undefined;
}

function compareSide(
  component: string,
  what: SinkComparison['what'],
  original: unknown[],
  rewrite: unknown[],
  tickDriven: boolean,
  keyFields?: string[],
): SinkComparison {
  const diff: Difference = keyFields
    ? compareLastPerKey(original, rewrite, keyFields)
    : compareMultisets(original, rewrite);
  return {
    component,
    what,
    compare: keyFields ? 'last-per-key' : 'multiset',
    ...(keyFields ? { keyFields } : {}),
    original: original.length,
    rewrite: rewrite.length,
    equal: diff.equal,
    tickDriven,
    onlyInOriginal: diff.onlyInA.slice(0, 5),
    onlyInRewrite: diff.onlyInB.slice(0, 5),
  };
}

function toRecord(fields: readonly string[], values: readonly unknown[]): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  fields.forEach((f, i) => (record[f] = values[i]));
  return record;
}

function fieldsOf(shape: TopologyShape, component: string, stream: string): string[] {
  return shape.spouts[component]?.streams[stream] ?? shape.bolts[component]?.streams[stream] ?? [];
}

function oneTaskEach(shape: TopologyShape): TopologyShape {
  const one = <T extends { parallelism: number; join?: boolean }>(m: Record<string, T>): Record<string, T> =>
    Object.fromEntries(Object.entries(m).map(([id, c]) => [id, c.join === true ? c : { ...c, parallelism: 1 }]));
  return { spouts: one(shape.spouts), bolts: one(shape.bolts) };
}

/** Bolts no other bolt subscribes to: where the topology's output ends. */
export function terminalBolts(shape: TopologyShape): string[] {
  const consumed = new Set<string>();
  for (const bolt of Object.values(shape.bolts)) for (const input of bolt.inputs) consumed.add(input.component);
  return Object.keys(shape.bolts).filter((id) => !consumed.has(id));
}

/** Bolts with tick tuples or processing-time windows none of whose inputs is tick-driven: where timing starts to matter. */
function tickFrontier(shape: TopologyShape): string[] {
  const ticking = tickDriven(shape);
  return Object.entries(shape.bolts)
    .filter(
      ([, b]) =>
        (b.tickSecs > 0 || b.processingTimeWindow === true) &&
        b.join !== true &&
        !b.inputs.some((i) => ticking.has(i.component)),
    )
    .map(([id]) => id);
}

/** Components at or downstream of a bolt with tick tuples. */
function tickDriven(shape: TopologyShape): Set<string> {
  const result = new Set(
    Object.entries(shape.bolts)
      .filter(([, b]) => b.tickSecs > 0 || b.processingTimeWindow === true)
      .map(([id]) => id),
  );
  for (let changed = true; changed; ) {
    changed = false;
    for (const [id, bolt] of Object.entries(shape.bolts)) {
      if (!result.has(id) && bolt.inputs.some((i) => result.has(i.component))) {
        result.add(id);
        changed = true;
      }
    }
  }
  return result;
}

/**
 * Copies the project (without dependencies and build output) to `target`, links its node_modules
 * and writes one side of each change: how a dry run's rewrite gets onto disk without touching the
 * user's tree (also used by `stormshift bench --topology`).
 */
export function materializeProject(
  root: string,
  target: string,
  changes: VerifyRequest['changes'],
  side: 'before' | 'after',
): void {
  mkdirSync(target, { recursive: true });
  for (const entry of readdirSync(root, { withFileTypes: true })) {
    if (SKIP_DIRS.has(entry.name)) continue;
    cpSync(join(root, entry.name), join(target, entry.name), {
      recursive: true,
      filter: (src) => !SKIP_DIRS.has(basename(src)),
    });
  }
  if (existsSync(join(root, 'node_modules')))
    symlinkSync(join(root, 'node_modules'), join(target, 'node_modules'), 'dir');
  for (const [path, change] of changes) {
    const rel = relative(root, path);
    if (rel.startsWith('..')) continue;
    mkdirSync(dirname(join(target, rel)), { recursive: true });
    writeFileSync(join(target, rel), change[side]);
  }
}

const OWN_CHILD = fileURLToPath(new URL('../../cli/verify-child.mjs', import.meta.url));

/**
 * A checkout running from its TypeScript sources resolves `stormshift/*` to those sources too (the
 * `stormshift-source` export condition), so a user module importing the package and the harness
 * that loads it share one compat and one runtime instead of a source copy and a dist copy.
 */
const SOURCE_CONDITIONS = import.meta.url.endsWith('.ts') ? ['--conditions=stormshift-source'] : [];

/**
 * The side process entry for a module. A project that is stormshift itself (its samples import
 * compat by relative path) runs the entry of its own copy, so the module and the harness share
 * one compat and one runtime; anywhere else the installed package's entry is used.
 */
function childEntry(module: string): string {
  for (let dir = dirname(module); dir !== dirname(dir); dir = dirname(dir)) {
    const candidate = join(dir, 'cli', 'verify-child.mjs');
    if (existsSync(candidate) && existsSync(join(dir, 'package.json'))) {
      try {
        if ((JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string }).name === 'stormshift')
          return candidate;
      } catch {
        // not a readable package.json: keep looking upward
      }
    }
  }
  return OWN_CHILD;
}

function projectDir(module: string): string {
  for (let dir = dirname(module); dir !== dirname(dir); dir = dirname(dir))
    if (existsSync(join(dir, 'package.json'))) return dir;
  return dirname(module);
}

/**
 * One side process, spawned as soon as verify starts (its module loads while the original records).
 * Messages arrive over IPC; its output is kept only for the error message of a side that dies.
 */
class Side {
  private readonly child: ChildProcess;
  private readonly inbox: Array<{ type: string; answer?: unknown; error?: string }> = [];
  private waiter: (() => void) | undefined;
  private exited: string | undefined;
  private tail = '';

  constructor(module: string) {
    this.child = spawn(process.execPath, [...SOURCE_CONDITIONS, childEntry(module), module], {
      cwd: projectDir(module),
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'advanced',
    });
    const keep = (chunk: Buffer): void => {
      this.tail = (this.tail + chunk.toString()).slice(-4000);
    };
    this.child.stdout!.on('data', keep);
    this.child.stderr!.on('data', keep);
    this.child.on('message', (message: { type: string }) => {
      this.inbox.push(message);
      this.waiter?.();
    });
    this.child.on('error', (error) => {
      this.exited = `could not start: ${error.message}`;
      this.waiter?.();
    });
    this.child.on('close', (code, signal) => {
      this.exited ??= signal ? `killed (${signal})` : `exit ${code}`;
      this.waiter?.();
    });
  }

  send(message: unknown): void {
    this.child.send(message as never);
  }

  /** The next message of `type`; an error message, a dead process or `timeoutMs` (plus slack for start-up) reject. */
  async next<T>(type: string, timeoutMs: number): Promise<T> {
    const deadline = Date.now() + timeoutMs + 30_000;
    for (;;) {
      const message = this.inbox.shift();
      if (message?.type === 'error') throw new Error(message.error!.split('\n').slice(0, 6).join('\n'));
      if (message?.type === type) return message.answer as T;
      if (message !== undefined) continue;
      if (this.exited !== undefined) {
        throw new Error(
          `side process ended (${this.exited}) without an answer${this.tail ? `:\n${indent(this.tail.trim())}` : ''}`,
        );
      }
      // The side bounds its own runs; this backstop is for one that cannot (a busy loop in user code).
      const left = deadline - Date.now();
      if (left <= 0) {
        this.child.kill('SIGKILL');
        throw new Error(`side process gave no answer within ${timeoutMs} ms; killed`);
      }
      await new Promise<void>((wake) => {
        const timer = setTimeout(wake, left);
        this.waiter = () => {
          clearTimeout(timer);
          this.waiter = undefined;
          wake();
        };
      });
    }
  }

  close(): void {
    if (this.exited === undefined) this.child.kill('SIGKILL');
  }
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n');
}

function show(value: unknown): string {
  const text = display(value);
  return text.length > 200 ? `${text.slice(0, 197)}...` : text;
}

/** Repeated records shown once with their count, in order of first appearance. */
function grouped(records: unknown[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const r of records) m.set(show(r), (m.get(show(r)) ?? 0) + 1);
  return m;
}

function where(s: SinkComparison): string {
  return s.what === 'input' ? `'${s.component}' (input)` : `'${s.component}' (emits on '${s.what.stream}')`;
}

/** A verdict per topology, and for a difference the component and its first differing records. */
export function formatVerdicts(verdicts: TopologyVerdict[]): string {
  const lines: string[] = [];
  for (const v of verdicts) {
    const replayed = Object.entries(v.replayed)
      .map(([id, n]) => `${n} from '${id}'`)
      .join(', ');
    const head = `${v.status.toUpperCase()}  ${v.topology}`;
    if (v.status === 'error') {
      lines.push(`${head}: ${v.message ?? 'failed'}`);
      continue;
    }
    lines.push(`${head}  (replayed ${replayed || 'nothing'})`);
    for (const s of v.sinks) {
      const mark = s.equal ? 'same' : 'DIFF';
      lines.push(
        `  ${mark} ${where(s)}: ${s.original} original, ${s.rewrite} rewrite${s.compare === 'last-per-key' ? (s.keyFields?.length ? ` (last value per key of ${s.keyFields.join(', ')})` : ' (last value: no key fields)') : ''}`,
      );
      if (!s.equal) {
        for (const [r, n] of grouped(s.onlyInOriginal))
          lines.push(`      only in original: ${r}${n > 1 ? ` (x${n})` : ''}`);
        for (const [r, n] of grouped(s.onlyInRewrite))
          lines.push(`      only in rewrite:  ${r}${n > 1 ? ` (x${n})` : ''}`);
      }
    }
    if (v.message) lines.push(`  note: ${v.message}`);
  }
  return lines.join('\n');
}
