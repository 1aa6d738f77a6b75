/**
 * Workload 3, enrichment through a lookup that takes 1 ms (a timer standing in for a dimension
 * table on the network): record id → lookup(id) → (id, value) → sink. Async I/O keeps many
 * lookups in flight; the per-record awaited call waits for each before the next.
 */
import {
  BaseBasicBolt,
  BaseRichSpout,
  Fields,
  KillOptions,
  LocalCluster,
  TopologyBuilder,
  Values,
  type BasicOutputCollector,
  type Conf,
  type OutputFieldsDeclarer,
  type SpoutOutputCollector,
  type Tuple,
} from '../../compat/index.ts';
import { StreamEnvironment } from '../../runtime/index.ts';
import {
  pace,
  stamp,
  type Digest,
  type LatencyHistogram,
  type RunRequest,
  type VariantImpl,
  type WorkloadModule,
} from '../harness.ts';
import { compatConf } from './compat-word-count.ts';

const LOOKUP_MS = 1;
/** In-flight lookups for the async variants (the native operator's capacity, the loop's pool). */
const CAPACITY = 1000;

const valueFor = (id: number): number => (Math.imul(id, 2654435761) >>> 0) % 1000;

function lookup(id: number): Promise<number> {
  return new Promise((resolve) => setTimeout(resolve, LOOKUP_MS, valueFor(id)));
}

function reference(count: number): Digest {
  let checksum = 0;
  for (let i = 0; i < count; i++) checksum += valueFor(i);
  return { records: count, checksum };
}

function nativeVariant(capacity: number): VariantImpl {
  return {
    async run({ count, rate, latency }: RunRequest): Promise<Digest> {
      const digest: Digest = { records: 0, checksum: 0 };
      const env = StreamEnvironment.create({ jobName: 'bench-enrichment' });
      env
        .generate<number>({
          generate: (i) => i,
          count,
          ...(rate !== undefined ? { ratePerSecond: rate, timestamp: stamp } : {}),
        })
        .asyncMap<[number, number]>(async (id) => [id, await lookup(id)], { capacity, name: 'lookup' })
        .sinkTo({
          createWriter: () => ({
            write(value: [number, number], timestamp: number) {
              digest.records++;
              digest.checksum += value[1];
              if (latency) latency.since(timestamp);
            },
          }),
        });
      await env.execute();
      return digest;
    },
  };
}

/** The limit for async: a plain pool that keeps CAPACITY lookups in flight. */
function handLoopAsync(): VariantImpl {
  return {
    run({ count, rate, latency }: RunRequest): Promise<Digest> {
      const digest: Digest = { records: 0, checksum: 0 };
      return new Promise<Digest>((resolve) => {
        let next = 0;
        let inFlight = 0;
        let due = rate === undefined ? count : 0;
        const stamps = latency ? new Float64Array(count) : undefined;
        const settle = (value: number, id: number): void => {
          digest.records++;
          digest.checksum += value;
          if (stamps) latency!.since(stamps[id]!);
          inFlight--;
          if (digest.records === count) resolve(digest);
          else fill();
        };
        const fill = (): void => {
          while (inFlight < CAPACITY && next < due) {
            const id = next++;
            if (stamps) stamps[id] = stamp();
            inFlight++;
            void lookup(id).then((value) => settle(value, id));
          }
        };
        if (count === 0) resolve(digest);
        else if (rate === undefined) fill();
        else
          pace(
            rate,
            count,
            (end) => {
              due = end;
              fill();
            },
            () => {},
          );
      });
    },
  };
}

/** One lookup at a time, each awaited before the next record. */
function handLoopAwaited(): VariantImpl {
  return {
    async run({ count, rate, latency }: RunRequest): Promise<Digest> {
      const digest: Digest = { records: 0, checksum: 0 };
      if (rate === undefined) {
        for (let i = 0; i < count; i++) {
          digest.checksum += await lookup(i);
          digest.records++;
        }
        return digest;
      }
      return pacedSerial(count, rate, latency!, digest);
    },
  };
}

async function pacedSerial(count: number, rate: number, latency: LatencyHistogram, digest: Digest): Promise<Digest> {
  const stamps = new Float64Array(count);
  let due = 0;
  let wake: (() => void) | undefined;
  pace(
    rate,
    count,
    (end) => {
      for (let i = due; i < end; i++) stamps[i] = stamp();
      due = end;
      wake?.();
    },
    () => {},
  );
  for (let i = 0; i < count; i++) {
    while (i >= due) await new Promise<void>((resolve) => (wake = resolve));
    digest.checksum += await lookup(i);
    digest.records++;
    latency.since(stamps[i]!);
  }
  return digest;
}

let serial = 0;

/** Storm style: a basic bolt whose execute awaits the lookup (the executor runs one at a time). */
function compatAwaited(variant: string): VariantImpl {
  let steadyMs: number | undefined;
  const state = {
    count: 0,
    rate: undefined as number | undefined,
    startedAt: 0,
    emitted: 0,
    digest: { records: 0, checksum: 0 } as Digest,
    latency: undefined as LatencyHistogram | undefined,
    acked: 0,
    check: () => {},
  };

  class IdSpout extends BaseRichSpout {
    private collector!: SpoutOutputCollector;
    open(_conf: Conf, _context: unknown, collector: SpoutOutputCollector): void {
      this.collector = collector;
    }
    nextTuple(): void {
      // The clock starts at the first nextTuple: submitting the topology is start-up, not steady state.
      if (state.startedAt === 0) state.startedAt = performance.now();
      const due =
        state.rate === undefined
          ? state.count
          : Math.min(state.count, Math.floor(((performance.now() - state.startedAt) / 1000) * state.rate));
      if (state.emitted < due) {
        const id = state.emitted++;
        this.collector.emit(new Values(id, state.rate === undefined ? 0 : stamp()), id);
      }
    }
    override ack(): void {
      state.acked++;
      state.check();
    }
    declareOutputFields(declarer: OutputFieldsDeclarer): void {
      declarer.declare(new Fields('id', 'ts'));
    }
  }

  class LookupBolt extends BaseBasicBolt {
    async execute(tuple: Tuple, collector: BasicOutputCollector): Promise<void> {
      const id = tuple.getInteger(0);
      const value = await lookup(id);
      collector.emit(new Values(id, value));
      state.digest.records++;
      state.digest.checksum += value;
      if (state.latency) state.latency.since(tuple.getValue(1) as number);
      state.check();
    }
    declareOutputFields(declarer: OutputFieldsDeclarer): void {
      declarer.declare(new Fields('id', 'value'));
    }
  }

  const cluster = new LocalCluster({
    log: (level, message) => {
      if (level === 'error') process.stderr.write(`[compat] ${message}\n`);
    },
  });
  return {
    async run({ count, rate, latency }: RunRequest): Promise<Digest> {
      Object.assign(state, {
        count,
        rate,
        startedAt: 0,
        emitted: 0,
        acked: 0,
        digest: { records: 0, checksum: 0 },
        latency,
      });
      const done = new Promise<void>((resolve) => {
        state.check = () => {
          if (state.digest.records >= count && (variant !== 'compat-acking' || state.acked >= count)) resolve();
        };
      });
      const builder = new TopologyBuilder();
      builder.setSpout('spout', new IdSpout(), 1);
      builder.setBolt('lookup', new LookupBolt(), 1).shuffleGrouping('spout');
      const name = `bench-enrichment-${++serial}`;
      await cluster.submitTopology(name, compatConf(variant), builder.createTopology());
      if (count === 0) state.check();
      await done;
      steadyMs = performance.now() - state.startedAt;
      const kill = new KillOptions();
      kill.set_wait_secs(0);
      await cluster.killTopologyWithOpts(name, kill);
      await cluster.whenStopped(name);
      return { ...state.digest };
    },
    lastSteadyMs: () => steadyMs,
    async close(): Promise<void> {
      await cluster.shutdown();
    },
  };
}

const workload: WorkloadModule = {
  variants: ['native-async-io', 'native-awaited', 'hand-loop-async', 'hand-loop-awaited', 'compat-acking'],
  quickVariants: ['native-async-io', 'native-awaited', 'hand-loop-async'],
  notApplicable: {
    'node-streams': 'a Transform awaiting each lookup is the per-record awaited case again',
    rxjs: 'mergeMap(lookup, concurrency) is the hand-written pool with more layers',
    'compat-zero-ackers': 'the 1 ms await per tuple dominates whatever the reliability mode',
  },
  initialCount: 100,
  baselines: ['native-awaited', 'hand-loop-async'],
  unit: 'lookups',
  async create(variant) {
    switch (variant) {
      case 'native-async-io':
        return nativeVariant(CAPACITY);
      case 'native-awaited':
        return nativeVariant(1);
      case 'hand-loop-async':
        return handLoopAsync();
      case 'hand-loop-awaited':
        return handLoopAwaited();
      case 'compat-acking':
        return compatAwaited(variant);
      default:
        throw new Error(`enrichment has no variant '${variant}'`);
    }
  },
  reference,
};

export default workload;
