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
  Config,
  KillOptions,
  LocalCluster,
  MockedSources,
  StormTopology,
  Testing,
  type Conf,
} from '../compat/index.ts';
import {
  applyRunOverrides,
  collectionSource,
  isJobDefinition,
  defineJob,
  StreamEnvironment,
  type JobDefinition,
} from '../runtime/index.ts';
import type {
  ChildRequest,
  RecordedTuple,
  TopologyShape,
  CompatAnswer,
  NativeAnswer,
  RecordAnswer,
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
    shape.bolts[id] = {
      parallelism: common.parallelismHintOrDefault(),
      inputs,
      streams: streamsOf(common.get_streams()),
      tickSecs: Number.isFinite(tick) && tick > 0 ? tick : 0,
      ...(componentConf[Config.TOPOLOGY_BOLTS_SLIDING_INTERVAL_DURATION_MS] !== undefined &&
      object.getTimestampExtractor?.() == null
        ? { processingTimeWindow: true }
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
  const count = (): Map<string, number> => {
    const results = captured.capturer.getResults();
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
    recorded[id] = (results.get(id) ?? [])
      .slice(0, req.records)
      .map((t) => ({ stream: t.stream, values: [...t.values] }));
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

async function replayCompat(req: Extract<ChildRequest, { mode: 'compat' }>): Promise<CompatAnswer> {
  const { topology, conf } = await loadTopology(req.module);
  const shape = shapeOf(topology);
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
  await job.build(env, []);
  // Observers run in this thread; checkpoints add nothing a bounded replay could observe.
  env.configure({ workers: 0, restore: 'none' });
  delete env.config.checkpoint?.intervalMs;
  delete env.config.checkpoint?.dir;
  const sources = new Map<string, ReturnType<typeof collectionSource<unknown>>>();
  for (const [spout, records] of Object.entries(req.records)) sources.set(spout, collectionSource(records));
  const captured: NativeAnswer['captured'] = {};
  const uids = new Set(env.transformations.map((t) => t.uid));
  const bucket = (uid: string): NativeAnswer['captured'][string] => (captured[uid] ??= { input: [], output: [] });
  applyRunOverrides(env, {
    sources,
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
  const result = env.executeAsync('verify').result;
  const timeout = new Promise<never>((_, reject) => {
    const t = setTimeout(
      () => reject(new Error(`the migrated job did not finish its bounded replay within ${req.timeoutMs} ms`)),
      req.timeoutMs,
    );
    t.unref();
  });
  await Promise.race([result, timeout]);
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
    answer: await replayCompat({ mode: 'compat', module, recorded: recording.recorded, timeoutMs }),
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
