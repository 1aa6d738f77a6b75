/**
 * One side of `stormshift migrate --verify`, run in its own process so a crash or a hang in user
 * code cannot take the CLI down. It talks to the CLI over IPC with v8 serialization (Dates, BigInts
 * and Maps survive). The steps:
 * - `record`: run only the original topology's spouts on compat and keep the first N tuples of each;
 * - `compat`: replay recorded tuples into the original topology (spouts mocked with the same ids
 *   and fields) until every tuple tree completed, and return what every component emitted;
 * - `native`: replay the same tuples, as records `{ field: value }`, into the migrated job (sources
 *   whose uid is the spout id swapped for bounded collections) and capture, by uid, what reaches
 *   the terminal operators and what they emit. The bounded sources end, the job drains and stops.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  BaseRichSpout,
  Bolt,
  ComponentCommon,
  Config,
  Fields,
  JoinBolt,
  KillOptions,
  LocalCluster,
  MockedSources,
  SimulatedTime,
  SpoutSpec,
  StormTopology,
  Testing,
  Time,
  type Conf,
  type OutputFieldsDeclarer,
  type SpoutOutputCollector,
  type TopologyContext,
} from '../compat/index.ts';
import {
  applyRunOverrides,
  collectionSource,
  isJobDefinition,
  defineJob,
  ManualClock,
  StreamEnvironment,
  type JobDefinition,
  type Source,
  type SourceContext,
  type SourceReader,
} from '../runtime/index.ts';
import { timedReplayFor } from '../transpiler/verify/protocol.ts';
import type {
  ChildRequest,
  RecordedTuple,
  TopologyShape,
  CompatAnswer,
  NativeAnswer,
  RecordAnswer,
  TimedReplay,
} from '../transpiler/verify/protocol.ts';

const TICK_KEY = 'topology.tick.tuple.freq.secs';

async function loadModule(file: string): Promise<Record<string, unknown>> {
  return (await import(pathToFileURL(resolve(file)).href)) as Record<string, unknown>;
}

async function loadTopology(file: string): Promise<{ topology: StormTopology; conf: Conf }> {
  const module = await loadModule(file);
  const exported = module.default;
  if (!(exported instanceof StormTopology)) {
    throw new Error(
      `${file}: verify needs the original module to default-export its StormTopology (export default builder.createTopology()); it exports ${describe(exported)}`,
    );
  }
  const conf = { ...((module.config as Conf | undefined) ?? {}) };
  // Debug logging of every emit would only slow the replay down; it never changes output.
  delete conf['topology.debug'];
  return { topology: exported, conf };
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing as default';
  const name = (value as { constructor?: { name?: string } } | null)?.constructor?.name;
  return name ? `a ${name}` : typeof value;
}

function shapeOf(topology: StormTopology): TopologyShape {
  const shape: TopologyShape = { spouts: {}, bolts: {} };
  const streamsOf = (streams: Map<string, { get_output_fields(): string[] }>): Record<string, string[]> => {
    const out: Record<string, string[]> = {};
    for (const [id, info] of streams)
      if (!id.startsWith('__') && !id.startsWith('$')) out[id] = info.get_output_fields();
    return out;
  };
  for (const [id, spec] of topology.get_spouts()) {
    if (id.startsWith('$') || id.startsWith('__')) continue;
    shape.spouts[id] = {
      parallelism: spec.get_common().parallelismHintOrDefault(),
      streams: streamsOf(spec.get_common().get_streams()),
    };
  }
  for (const [id, bolt] of topology.get_bolts()) {
    if (id.startsWith('$') || id.startsWith('__')) continue;
    const common = bolt.get_common();
    const inputs: TopologyShape['bolts'][string]['inputs'] = [];
    for (const [gsid, grouping] of common.get_inputs()) {
      const kind = grouping.is_set_fields()
        ? grouping.get_fields().length === 0
          ? 'global'
          : 'fields'
        : grouping.is_set_all()
          ? 'all'
          : grouping.is_set_direct()
            ? 'direct'
            : grouping.is_set_custom_object() || grouping.is_set_custom_serialized()
              ? 'custom'
              : 'shuffle';
      inputs.push({ component: gsid.get_componentId(), stream: gsid.get_streamId(), grouping: kind });
    }
    const object = bolt.get_bolt_object() as {
      getComponentConfiguration?: () => Conf | null;
      getTimestampExtractor?: () => unknown;
    };
    const componentConf = { ...common.parsedConf(), ...(object.getComponentConfiguration?.() ?? {}) };
    const tick = Number(componentConf[TICK_KEY] ?? 0);
    const slideMs = Number(componentConf[Config.TOPOLOGY_BOLTS_SLIDING_INTERVAL_DURATION_MS] ?? 0);
    const lengthMs = Number(componentConf[Config.TOPOLOGY_BOLTS_WINDOW_LENGTH_DURATION_MS] ?? 0);
    shape.bolts[id] = {
      parallelism: common.parallelismHintOrDefault(),
      inputs,
      streams: streamsOf(common.get_streams()),
      tickSecs: Number.isFinite(tick) && tick > 0 ? tick : 0,
      ...(object instanceof JoinBolt ? { join: true } : {}),
      ...(componentConf[Config.TOPOLOGY_BOLTS_SLIDING_INTERVAL_DURATION_MS] !== undefined &&
      object.getTimestampExtractor?.() == null
        ? {
            processingTimeWindow: true,
            windowSpanMs: (Number.isFinite(slideMs) ? slideMs : 0) + (Number.isFinite(lengthMs) ? lengthMs : 0),
          }
        : {}),
    };
  }
  return shape;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Runs only the spouts (with a capture bolt that acks everything) until each emitted `records` tuples. */
async function record(req: Extract<ChildRequest, { mode: 'record' }>): Promise<RecordAnswer> {
  const { topology, conf } = await loadTopology(req.module);
  const shape = shapeOf(topology);
  const spoutsOnly = new StormTopology(new Map(topology.get_spouts()), new Map());
  const captured = Testing.captureTopology(spoutsOnly);
  const cluster = new LocalCluster({ log: () => {} });
  const name = 'verify-record';
  const deadline = Date.now() + req.timeoutMs;
  const ids = Object.keys(shape.spouts);
  // When each tuple arrived, by spout: new arrivals are stamped at each poll (every 10 ms), in
  // ms after the first; a timed replay emits them at those offsets.
  const arrivals = new Map<string, number[]>(ids.map((id) => [id, []]));
  let firstAt: number | undefined;
  const count = (): Map<string, number> => {
    const results = captured.capturer.getResults();
    const now = Date.now();
    for (const id of ids) {
      const times = arrivals.get(id)!;
      const n = results.get(id)?.length ?? 0;
      if (n > times.length) firstAt ??= now;
      while (times.length < n) times.push(now - firstAt!);
    }
    return new Map(ids.map((id) => [id, results.get(id)?.length ?? 0]));
  };
  try {
    await cluster.submitTopology(name, conf, captured.topology);
    // Polls the capture bolt's live counts: the spouts run until they have emitted enough, however long that takes.
    for (;;) {
      const counts = count();
      if ([...counts.values()].every((n) => n >= req.records)) break;
      if (!cluster.isAlive(name)) throw new Error('the topology stopped while recording its spouts');
      if (Date.now() > deadline) {
        const short = [...counts].filter(([, n]) => n < req.records).map(([id, n]) => `'${id}' emitted ${n}`);
        throw new Error(
          `recording ${req.records} tuples per spout timed out after ${req.timeoutMs} ms: ${short.join(', ')}`,
        );
      }
      await sleep(10);
    }
  } finally {
    const kill = new KillOptions();
    kill.set_wait_secs(0);
    if (cluster.isAlive(name)) await cluster.killTopologyWithOpts(name, kill).catch(() => {});
    await cluster.shutdown();
  }
  const results = captured.capturer.getAndRemoveResults();
  const recorded: Record<string, RecordedTuple[]> = {};
  for (const id of ids) {
    const times = arrivals.get(id)!;
    recorded[id] = (results.get(id) ?? [])
      .slice(0, req.records)
      .map((t, i) => ({ stream: t.stream, values: [...t.values], atMs: times[i] ?? times.at(-1) ?? 0 }));
  }
  return { shape, recorded };
}

/**
 * A windowed bolt acks a tuple when it leaves its window (Storm acks on expiry), so the tuples still
 * in a window when the replay ends are never acked and the replay never completes with acking on.
 * Such a topology is replayed with acking off: nothing fails in a replay, and acking changes nothing
 * in what flows when nothing fails.
 */
function hasWindowedBolt(topology: StormTopology): boolean {
  for (const bolt of topology.get_bolts().values()) {
    const object = bolt.get_bolt_object() as { getComponentConfiguration?(): Conf | null } | null;
    const conf = object?.getComponentConfiguration?.() ?? {};
    if (Object.keys(conf).some((k) => k.startsWith('topology.bolts.window.'))) return true;
  }
  return false;
}

/**
 * Event-time windows fire only on watermarks, which compat computes on a timer (every second by
 * default): in wall-clock time a replay completes (idle for 50 ms) before the watermark that
 * closes its windows. Such a topology is replayed in simulated time, as Storm's own
 * completeTopology runs: after the spouts are exhausted at least ten more simulated seconds pass,
 * so every window up to the last watermark the input proves has fired.
 */
function hasEventTimeWindow(topology: StormTopology): boolean {
  for (const bolt of topology.get_bolts().values()) {
    const object = bolt.get_bolt_object() as { getTimestampExtractor?(): unknown } | null;
    if (object?.getTimestampExtractor?.() != null) return true;
  }
  return false;
}

/** Tuples emitted so far by this process's timed replay spouts, by spout id (a spout's task copies share it). */
const timedEmitted = new Map<string, number>();

interface TimedTuple {
  stream: string;
  values: unknown[];
  /** Simulated instant to emit at. */
  at: number;
}

/**
 * Replays recorded tuples at their recorded instants on the simulated clock: each task of the
 * spout emits every task-count-th tuple (the native side's readers split them the same way).
 */
class TimedReplaySpout extends BaseRichSpout {
  private collector!: SpoutOutputCollector;
  private next = 0;
  private step = 1;

  constructor(
    private readonly spoutId: string,
    private readonly tuples: TimedTuple[],
    private readonly streams: Record<string, string[]>,
  ) {
    super();
  }

  open(_conf: Conf, context: TopologyContext, collector: SpoutOutputCollector): void {
    this.collector = collector;
    this.next = context.getThisTaskIndex();
    this.step = context.getComponentTasks(context.getThisComponentId()).length;
  }

  nextTuple(): void {
    const now = Time.currentTimeMillis();
    while (this.next < this.tuples.length && this.tuples[this.next]!.at <= now) {
      const t = this.tuples[this.next]!;
      this.collector.emit(t.stream, t.values, this.next);
      this.next += this.step;
      timedEmitted.set(this.spoutId, (timedEmitted.get(this.spoutId) ?? 0) + 1);
    }
  }

  declareOutputFields(declarer: OutputFieldsDeclarer): void {
    for (const [stream, fields] of Object.entries(this.streams)) declarer.declareStream(stream, new Fields(...fields));
  }
}

/**
 * Moves a manual clock through a timed replay, the same way on both sides: to each instant a
 * recorded tuple is due (firing every timer due before it, one instant at a time, settling after
 * each, so what one tick emits reaches the next bolt before that bolt's later tick), waits until
 * the replay sources emitted every tuple due by then and the topology settled, and finally moves
 * on to the end instant.
 */
async function driveClock(options: {
  clock: ManualClock;
  timed: TimedReplay;
  due: number[];
  emitted: () => number;
  settle: () => Promise<void>;
  timeoutMs: number;
}): Promise<void> {
  const { clock, timed, emitted, settle } = options;
  const due = [...options.due].sort((a, b) => a - b);
  const deadline = performance.now() + options.timeoutMs;
  const stepTo = async (target: number): Promise<void> => {
    for (;;) {
      const next = clock.nextTimerAt();
      if (next === undefined || next > target) break;
      clock.advanceTo(next);
      await settle();
    }
    if (clock.now() < target) {
      clock.advanceTo(target);
      await settle();
    }
  };
  let released = 0;
  for (const at of [...new Set(due), timed.endMs]) {
    await stepTo(at);
    while (released < due.length && due[released]! <= at) released++;
    while (emitted() < released) {
      if (performance.now() > deadline)
        throw new Error(`the timed replay did not emit its recorded tuples within ${options.timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 1));
    }
    await settle();
  }
}

/**
 * User code that reads the wall clock (Date.now) reads the simulated clock during a timed replay,
 * on both sides: what it computes from the time is then the same.
 */
async function withDateNowOn<T>(clock: ManualClock, body: () => Promise<T>): Promise<T> {
  const real = Date.now;
  Date.now = () => clock.now();
  try {
    return await body();
  } finally {
    Date.now = real;
  }
}

/**
 * A timed replay caps every component at one task, except JoinBolts: their rows per window do not
 * depend on the order tuples reached the window, so the several-task join (each task's windows
 * over the keys compat's hash sends it) is what is compared with the rewrite's keyed join. The
 * component conf's max parallelism overrides the topology's cap for that component.
 */
function keepJoinTasks(topology: StormTopology): void {
  const bolts = topology.get_bolts();
  for (const [id, bolt] of bolts) {
    const common = bolt.get_common();
    const tasks = common.parallelismHintOrDefault();
    if (!(bolt.get_bolt_object() instanceof JoinBolt) || tasks <= 1) continue;
    const conf = { ...common.parsedConf(), [Config.TOPOLOGY_MAX_TASK_PARALLELISM]: tasks };
    const kept = new ComponentCommon(common.get_inputs(), common.get_streams(), tasks, JSON.stringify(conf));
    bolts.set(id, new Bolt(bolt.get_bolt_object(), kept, bolt.get_kind()));
  }
}

async function replayCompatTimed(
  req: Extract<ChildRequest, { mode: 'compat' }>,
  topology: StormTopology,
  conf: Conf,
  shape: TopologyShape,
  timed: TimedReplay,
): Promise<CompatAnswer['emitted']> {
  const simulation = new SimulatedTime();
  const clock = simulation.getClock();
  try {
    Time.advanceTime(timed.startMs);
    return await withDateNowOn(clock, async () => {
      const captured = Testing.captureTopology(topology);
      const spouts = captured.topology.get_spouts();
      const due: number[] = [];
      for (const [spout, tuples] of Object.entries(req.recorded)) {
        const spec = spouts.get(spout);
        if (spec === undefined) throw new Error(`the topology has no spout '${spout}' to replay into`);
        const timedTuples = tuples.map((t) => ({
          stream: t.stream,
          values: t.values,
          at: timed.startMs + (t.atMs ?? 0),
        }));
        due.push(...timedTuples.map((t) => t.at));
        spouts.set(
          spout,
          new SpoutSpec(
            new TimedReplaySpout(spout, timedTuples, shape.spouts[spout]?.streams ?? {}),
            spec.get_common(),
            'rich',
          ),
        );
      }
      keepJoinTasks(captured.topology);
      const cluster = new LocalCluster({ simulatedTime: true, log: () => {} });
      const name = 'verify-timed';
      try {
        await cluster.submitTopology(
          name,
          {
            ...conf,
            ...(hasWindowedBolt(topology) ? { [Config.TOPOLOGY_ACKER_EXECUTORS]: 0 } : {}),
            [Config.TOPOLOGY_MAX_TASK_PARALLELISM]: 1,
          },
          captured.topology,
        );
        await driveClock({
          clock,
          timed,
          due,
          emitted: () => [...timedEmitted.values()].reduce((a, b) => a + b, 0),
          settle: () => cluster.waitForIdle(),
          timeoutMs: req.timeoutMs,
        });
      } finally {
        const kill = new KillOptions();
        kill.set_wait_secs(0);
        if (cluster.isAlive(name)) await cluster.killTopologyWithOpts(name, kill).catch(() => {});
        await cluster.shutdown();
      }
      const emitted: CompatAnswer['emitted'] = {};
      for (const [component, tuples] of captured.capturer.getAndRemoveResults()) {
        emitted[component] = tuples.map((t) => ({ stream: t.stream, values: [...t.values] }));
      }
      return emitted;
    });
  } finally {
    simulation.close();
  }
}

async function replayCompat(req: Extract<ChildRequest, { mode: 'compat' }>): Promise<CompatAnswer> {
  const { topology, conf } = await loadTopology(req.module);
  const shape = shapeOf(topology);
  if (req.timed !== undefined)
    return { shape, emitted: await replayCompatTimed(req, topology, conf, shape, req.timed) };
  const mocked = new MockedSources();
  for (const [spout, tuples] of Object.entries(req.recorded)) {
    for (const t of tuples) mocked.addMockData(spout, t.stream, t.values);
  }
  const emitted: CompatAnswer['emitted'] = {};
  const replay = async (cluster: LocalCluster): Promise<void> => {
    const results = await Testing.completeTopology(cluster, topology, {
      mockedSources: mocked,
      stormConf: hasWindowedBolt(topology) ? { ...conf, [Config.TOPOLOGY_ACKER_EXECUTORS]: 0 } : conf,
      timeoutMs: req.timeoutMs,
    });
    for (const [component, tuples] of results) {
      emitted[component] = tuples.map((t) => ({ stream: t.stream, values: [...t.values] }));
    }
  };
  if (hasEventTimeWindow(topology)) await Testing.withSimulatedTimeLocalCluster(replay);
  else await Testing.withLocalCluster(replay);
  return { shape, emitted };
}

/**
 * The native side of a timed replay: reader i of n emits every n-th record once the clock reaches
 * its time (as the timed spout's tasks split them), and ends only when the driver says so, so the
 * job runs on to the end instant instead of ending with its input.
 */
class TimedSource implements Source<unknown, { next: number }> {
  emitted = 0;
  private readonly polled = new Set<number>();
  private parallelism: number | undefined;
  private ended = false;

  constructor(
    private readonly records: unknown[],
    readonly times: number[],
    private readonly clock: ManualClock,
  ) {}

  allPolled(): boolean {
    return this.parallelism !== undefined && this.polled.size >= this.parallelism;
  }

  end(): void {
    this.ended = true;
  }

  createReader(context: SourceContext): SourceReader<unknown, { next: number }> {
    this.parallelism = context.parallelism;
    let next = context.subtaskIndex;
    return {
      poll: (output) => {
        this.polled.add(context.subtaskIndex);
        while (next < this.records.length && this.times[next]! <= this.clock.now()) {
          output.collect(this.records[next]);
          next += context.parallelism;
          this.emitted++;
        }
        return this.ended && next >= this.records.length ? 'end' : 'idle';
      },
      snapshotState: () => ({ next }),
    };
  }
}

/**
 * Records and timers run synchronously through an in-thread job; what waits on I/O (an async
 * lookup) does not. Settled: what the observed operators saw did not change over three full
 * event-loop turns (as compat's idle check), so I/O callbacks due by then have run.
 */
async function settleWhenQuiet(progress: () => number): Promise<void> {
  for (let quiet = 0; quiet < 3; ) {
    const before = progress();
    await new Promise((r) => setTimeout(r, 1));
    quiet = progress() === before ? quiet + 1 : 0;
  }
}

async function replayNative(req: Extract<ChildRequest, { mode: 'native' }>): Promise<NativeAnswer> {
  const module = await loadModule(req.module);
  const exported = module.default;
  let job: JobDefinition;
  if (isJobDefinition(exported)) job = exported;
  else if (typeof exported === 'function') job = defineJob(exported as JobDefinition['build']);
  else
    throw new Error(
      `${req.module}: the migrated module does not default-export a native job (it exports ${describe(exported)})`,
    );
  const env = StreamEnvironment.create({ jobName: 'verify', log: () => {} });
  const timed = req.timed;
  const clock = timed ? new ManualClock(timed.startMs) : undefined;
  if (clock) {
    // Built under the simulated clock too: a job reading Date.now while building sees what compat's did.
    await withDateNowOn(clock, () => Promise.resolve(job.build(env, [])));
  } else await job.build(env, []);
  // Observers run in this thread; checkpoints add nothing a bounded replay could observe.
  env.configure({ workers: 0, restore: 'none', ...(clock ? { clock } : {}) });
  delete env.config.checkpoint?.intervalMs;
  delete env.config.checkpoint?.dir;
  const sources = new Map<string, Source<unknown>>();
  const timedSources: TimedSource[] = [];
  for (const [spout, records] of Object.entries(req.records)) {
    if (clock && timed) {
      const times = (req.times?.[spout] ?? []).map((t) => timed.startMs + t);
      const source = new TimedSource(records, times, clock);
      timedSources.push(source);
      sources.set(spout, source);
    } else sources.set(spout, collectionSource(records));
  }
  const captured: NativeAnswer['captured'] = {};
  const uids = new Set(env.transformations.map((t) => t.uid));
  const bucket = (uid: string): NativeAnswer['captured'][string] => (captured[uid] ??= { input: [], output: [] });
  applyRunOverrides(env, {
    sources,
    ...(timed ? { maxParallelism: 1, uncapped: req.keepParallelism ?? [] } : {}),
    capture: {
      input: req.captureInput,
      output: [
        ...req.captureOutput,
        ...(req.captureOutputIfPresent ?? []).filter((uid) => uids.has(uid) && !req.captureOutput.includes(uid)),
      ],
      onRecord: (r) => {
        if (r.direction === 'input') bucket(r.uid).input.push(r.value);
        else bucket(r.uid).output.push({ stream: r.sideTag ?? 'default', value: r.value });
      },
    },
  });
  const timeout = new Promise<never>((_, reject) => {
    const t = setTimeout(
      () => reject(new Error(`the migrated job did not finish its bounded replay within ${req.timeoutMs} ms`)),
      req.timeoutMs,
    );
    t.unref();
  });
  if (!clock || !timed) {
    await Promise.race([env.executeAsync('verify').result, timeout]);
    return { captured };
  }
  await withDateNowOn(clock, async () => {
    const result = env.executeAsync('verify').result;
    result.catch(() => {});
    const drive = async (): Promise<void> => {
      // Every reader polled once: the job is up, every operator opened at the start instant.
      while (!timedSources.every((s) => s.allPolled())) await new Promise((r) => setTimeout(r, 1));
      await driveClock({
        clock,
        timed,
        due: timedSources.flatMap((s) => s.times),
        emitted: () => timedSources.reduce((n, s) => n + s.emitted, 0),
        settle: () =>
          settleWhenQuiet(() => Object.values(captured).reduce((n, c) => n + c.input.length + c.output.length, 0)),
        timeoutMs: req.timeoutMs,
      });
      for (const s of timedSources) s.end();
      await result;
    };
    await Promise.race([drive(), result.then(() => {}), timeout]);
  });
  return { captured };
}

/**
 * The parent talks over the IPC channel (v8 serialization). An `original` side records, reports
 * the recording, then replays it into the original; a `native` side loads its module at once (so
 * its start-up overlaps the recording) and replays once the recording arrives.
 */
type Message =
  | { type: 'native'; request: Extract<ChildRequest, { mode: 'native' }> }
  | { type: 'original' | 'record'; module: string; records: number; timeoutMs: number };

function send(message: unknown): Promise<void> {
  return new Promise((resolveSend, reject) =>
    process.send!(message, undefined, {}, (error) => (error ? reject(error) : resolveSend())),
  );
}

/** The parent computes the same from the same recording for the native side. */
function timedOption(recording: RecordAnswer): { timed?: TimedReplay } {
  const timed = timedReplayFor(recording.shape, recording.recorded);
  return timed ? { timed } : {};
}

async function serve(message: Message): Promise<void> {
  if (message.type === 'native') {
    await send({ type: 'done', answer: await replayNative(message.request) });
    return;
  }
  const { module, records, timeoutMs } = message;
  const recording = await record({ mode: 'record', module, records, timeoutMs });
  await send({ type: 'recorded', answer: recording });
  if (message.type === 'record') return;
  await send({
    type: 'done',
    answer: await replayCompat({
      mode: 'compat',
      module,
      recorded: recording.recorded,
      timeoutMs,
      ...timedOption(recording),
    }),
  });
}

if (process.send === undefined) {
  process.stderr.write('verify-child: run by stormshift migrate --verify (needs an IPC channel)\n');
  process.exit(2);
}
const preload = process.argv[2];
// Loading (and transpiling) the module is most of a side's start-up: do it while the other side records.
const warm = preload ? loadModule(preload).catch(() => undefined) : Promise.resolve();
process.once('message', (message: Message) => {
  void warm
    .then(() => serve(message))
    .then(() => process.exit(0))
    .catch(async (error: unknown) => {
      const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
      await send({ type: 'error', error: text }).catch(() => {});
      process.exit(1);
    });
});
