/**
 * Child process of `stormshift bench --topology FILE`: runs one variant of the user's topology on
 * recorded spout input, calibrates, measures, and prints one RESULT_PREFIX line.
 * - `compat`: the unchanged topology on LocalCluster with its own config (acking as configured);
 *   each spout is replaced by a replay spout with the same id, streams and parallelism that cycles
 *   the recorded tuples (with message ids whenever acking is on, as a reliable spout would).
 * - `migrated`: the migration's native job; each source whose uid is a spout id is replaced by a
 *   bounded generator cycling the recorded tuples as records `{ field: value }`.
 * - `baseline`: a hand-written native job (`--baseline`); its one source is replaced likewise, with
 *   bare values when the spout declares a single field.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { deserialize } from 'node:v8';
import {
  KillOptions,
  LocalCluster,
  BaseRichSpout,
  SpoutSpec,
  StormTopology,
  type Conf,
  type SpoutOutputCollector,
} from '../compat/index.ts';
import {
  applyRunOverrides,
  defineJob,
  generatorSource,
  isJobDefinition,
  StreamEnvironment,
  type JobDefinition,
  type Source,
} from '../runtime/index.ts';
import { measure, RESULT_PREFIX, type ChildParams, type Digest, type RunResult, type VariantImpl } from './harness.ts';

export interface TopologyChildRequest {
  variant: 'compat' | 'migrated' | 'baseline';
  original: string;
  migrated: string;
  baseline?: string;
  /** v8-serialized RecordAnswer of transpiler/verify (shape + recorded tuples per spout). */
  recording: string;
  params: ChildParams;
  /** Cap on every component's parallelism, on both sides (`--max-parallelism`). */
  maxParallelism?: number;
}

interface Recording {
  shape: { spouts: Record<string, { parallelism: number; streams: Record<string, string[]> }> };
  recorded: Record<string, Array<{ stream: string; values: unknown[] }>>;
}

async function importDefault(file: string): Promise<Record<string, unknown>> {
  return (await import(pathToFileURL(resolve(file)).href)) as Record<string, unknown>;
}

let serial = 0;

async function compatVariant(
  file: string,
  recording: Recording,
  maxParallelism: number | undefined,
): Promise<VariantImpl> {
  const module = await importDefault(file);
  const topology = module.default;
  if (!(topology instanceof StormTopology)) throw new Error(`${file} does not default-export a StormTopology`);
  const conf: Conf = { ...((module.config as Conf | undefined) ?? {}) };
  delete conf['topology.debug'];
  if (maxParallelism !== undefined) conf['topology.max.task.parallelism'] = maxParallelism;
  const explicitAckers = conf['topology.acker.executors'] ?? conf['topology.ackers'];
  const ackers = Number(explicitAckers ?? conf['topology.workers'] ?? 1);
  const reliable = ackers > 0 || conf['stormshift.reliability'] === 'checkpoint';
  const spoutIds = Object.keys(recording.recorded);
  const state = {
    perSpout: 0,
    emitted: new Map<string, number>(),
    completed: 0,
    failed: 0,
    startedAt: 0,
    check: () => {},
  };

  class ReplaySpout extends BaseRichSpout {
    private collector!: SpoutOutputCollector;
    private tuples: Array<{ stream: string; values: unknown[] }> = [];
    constructor(private readonly id: string) {
      super();
    }
    open(_conf: Conf, _context: unknown, collector: SpoutOutputCollector): void {
      this.collector = collector;
      this.tuples = recording.recorded[this.id]!;
    }
    nextTuple(): void {
      const i = state.emitted.get(this.id) ?? 0;
      if (i >= state.perSpout) return;
      if (state.startedAt === 0) state.startedAt = performance.now();
      state.emitted.set(this.id, i + 1);
      const t = this.tuples[i % this.tuples.length]!;
      if (reliable) this.collector.emit(t.stream, t.values, i);
      else this.collector.emit(t.stream, t.values);
    }
    override ack(): void {
      state.completed++;
      state.check();
    }
    override fail(): void {
      state.completed++;
      state.failed++;
      state.check();
    }
    declareOutputFields(): void {}
  }

  const spouts = new Map(topology.get_spouts());
  for (const id of spoutIds) spouts.set(id, new SpoutSpec(new ReplaySpout(id), spouts.get(id)!.get_common(), 'rich'));
  const replayed = new StormTopology(
    spouts,
    new Map(topology.get_bolts()),
    new Map(topology.get_state_spouts()),
    topology.get_worker_hooks(),
  );
  const cluster = new LocalCluster({
    log: (level, message) => void (level === 'error' && process.stderr.write(`[compat] ${message}\n`)),
  });
  let steadyMs: number | undefined;
  return {
    latency: false,
    async run({ count }): Promise<Digest> {
      Object.assign(state, { perSpout: count, emitted: new Map(), completed: 0, failed: 0, startedAt: 0 });
      const total = count * spoutIds.length;
      const name = `bench-topology-${++serial}`;
      const done = new Promise<void>((resolveDone) => {
        state.check = () => {
          if (state.completed >= total) resolveDone();
        };
      });
      await cluster.submitTopology(name, conf, replayed);
      if (reliable) {
        await done;
      } else {
        // Without acking nothing says a tuple tree is done: wait until every tuple is out and no
        // delivered tuple is left unexecuted.
        for (;;) {
          await new Promise((r) => setTimeout(r, 5));
          const run = cluster.getTopologyRun(name);
          if (run === undefined) break;
          let transferred = 0;
          let executed = 0;
          for (const s of run.stats.values()) {
            transferred += s.transferred;
            executed += s.executed;
          }
          const out = [...state.emitted.values()].reduce((a, b) => a + b, 0);
          if (out >= total && transferred <= executed) break;
        }
      }
      steadyMs = performance.now() - state.startedAt;
      const kill = new KillOptions();
      kill.set_wait_secs(0);
      await cluster.killTopologyWithOpts(name, kill);
      await cluster.whenStopped(name);
      if (state.failed > 0) throw new Error(`${state.failed} replayed tuples failed (timed out or failed by a bolt)`);
      return { records: total, checksum: 0 };
    },
    lastSteadyMs: () => steadyMs,
    lastSteadyRecords: () => state.perSpout * spoutIds.length,
    async close() {
      await cluster.shutdown();
    },
  };
}

async function loadJob(file: string): Promise<JobDefinition> {
  const exported = (await importDefault(file)).default;
  if (isJobDefinition(exported)) return exported;
  if (typeof exported === 'function') return defineJob(exported as JobDefinition['build']);
  throw new Error(`${file} does not default-export a native job`);
}

async function nativeVariant(
  file: string,
  recording: Recording,
  which: 'migrated' | 'baseline',
  maxParallelism: number | undefined,
): Promise<VariantImpl> {
  const job = await loadJob(file);
  const spoutIds = Object.keys(recording.recorded);
  const asRecords = (id: string): unknown[] => {
    const fields = recording.shape.spouts[id]?.streams.default ?? [];
    return recording.recorded[id]!.map((t) => {
      if (which === 'baseline' && fields.length === 1) return t.values[0];
      const r: Record<string, unknown> = {};
      fields.forEach((f, i) => (r[f] = t.values[i]));
      return r;
    });
  };
  const inputs = new Map(spoutIds.map((id) => [id, asRecords(id)]));
  let sourceCount = spoutIds.length;
  let firstRecordAt = 0;
  let steadyMs: number | undefined;
  let lastRecords = 0;
  return {
    latency: false,
    async run({ count }): Promise<Digest> {
      const env = StreamEnvironment.create({ jobName: `bench-${which}`, log: () => {} });
      await job.build(env, []);
      // Replacement sources live in this thread only (workers rebuild the job from its module).
      env.configure({ workers: 0, restore: 'none' });
      const sources = new Map<string, Source<unknown>>();
      // The clock starts at the first record, as the compat variant's does at the first nextTuple:
      // building and deploying the job is start-up, not steady state.
      firstRecordAt = 0;
      const generator = (items: unknown[]): Source<unknown> =>
        generatorSource({
          generate: (i) => {
            if (firstRecordAt === 0) firstRecordAt = performance.now();
            return items[i % items.length];
          },
          count,
        });
      if (which === 'migrated') {
        for (const [id, items] of inputs) sources.set(id, generator(items));
      } else {
        const own = env.transformations.filter((t) => t.kind === 'source');
        if (own.length !== 1 || inputs.size !== 1) {
          throw new Error(
            `--baseline: the job must have exactly one source to feed the recorded input (it has ${own.length})`,
          );
        }
        sources.set(own[0]!.uid, generator([...inputs.values()][0]!));
      }
      sourceCount = sources.size;
      applyRunOverrides(env, { sources, ...(maxParallelism !== undefined ? { maxParallelism } : {}) });
      await env.execute();
      steadyMs = performance.now() - firstRecordAt;
      lastRecords = count * sourceCount;
      return { records: lastRecords, checksum: 0 };
    },
    lastSteadyMs: () => steadyMs,
    lastSteadyRecords: () => lastRecords,
  };
}

async function main(): Promise<void> {
  const request = JSON.parse(process.argv[2]!) as TopologyChildRequest;
  const recording = deserialize(readFileSync(request.recording)) as Recording;
  const { params } = request;
  const result: RunResult = {
    workload: 'topology',
    variant: request.variant,
    ok: false,
    records: 0,
    seconds: 0,
    recordsPerSec: 0,
    cpuSecPerMillion: 0,
    peakRssMB: 0,
    calibrationRuns: 0,
  };
  let impl: VariantImpl | undefined;
  try {
    impl =
      request.variant === 'compat'
        ? await compatVariant(request.original, recording, request.maxParallelism)
        : await nativeVariant(
            request.variant === 'migrated' ? request.migrated : request.baseline!,
            recording,
            request.variant,
            request.maxParallelism,
          );
    const spouts = Object.keys(recording.recorded).length;
    // Calibrate as bench/variant.ts does: grow the input until a run lasts warmupMs (twice at least), then size the measured run.
    let count = 1000;
    let rate = 0;
    for (;;) {
      const warm = await measure(impl, { count });
      result.calibrationRuns++;
      rate = warm.records / (warm.ms / 1000) / spouts;
      if ((result.calibrationRuns >= 2 && warm.ms >= params.warmupMs) || count >= params.maxCount) break;
      if (warm.ms >= params.warmupMs) continue;
      count = Math.min(params.maxCount, warm.ms < params.warmupMs / 8 ? count * 8 : count * 2);
    }
    count = Math.max(1, Math.min(params.maxCount, Math.round((rate * params.measureMs) / 1000)));
    const run = await measure(impl, { count });
    result.records = run.records;
    result.seconds = run.ms / 1000;
    result.recordsPerSec = run.records / result.seconds;
    result.cpuSecPerMillion = (run.cpuMs / 1000 / run.records) * 1e6;
    result.ok = true;
  } catch (error) {
    result.error = error instanceof Error ? error.message : String(error);
    if (error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
  } finally {
    await impl?.close?.().catch(() => {});
  }
  result.peakRssMB = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(result)}\n`);
}

await main();
// User topologies and jobs may leave timers behind: the result is out, so leave.
process.exit(0);
