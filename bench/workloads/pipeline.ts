/**
 * The lead's yardstick: a chained map → filter → keyed count on the native runtime next to a
 * hand-written loop doing the same work, in the same invocation. Records are integers; map
 * scrambles them, filter keeps three quarters, the count is per key (1024 keys) in keyed state.
 */
import {
  StreamEnvironment,
  ValueStateDescriptor,
  type KeyedProcessFunction,
  type KeyedRuntimeContext,
  type Collector,
  type ValueState,
} from '../../runtime/index.ts';
import { pace, stamp, type Digest, type RunRequest, type VariantImpl, type WorkloadModule } from '../harness.ts';

const scramble = (x: number): number => Math.imul(x, 0x9e3779b1) >>> 0;
const keep = (h: number): boolean => (h & 3) !== 0;
const keyOf = (h: number): number => h & 1023;

class KeyedCount implements KeyedProcessFunction<number, number, number> {
  private count!: ValueState<number>;
  open(context: KeyedRuntimeContext): void {
    this.count = context.getState(new ValueStateDescriptor<number>('count'));
  }
  processElement(_value: number, _context: unknown, out: Collector<number>): void {
    const c = (this.count.value() ?? 0) + 1;
    this.count.update(c);
    out.collect(c);
  }
}

function native(): VariantImpl {
  return {
    async run({ count, rate, latency }: RunRequest): Promise<Digest> {
      const digest: Digest = { records: 0, checksum: 0 };
      const env = StreamEnvironment.create({ jobName: 'bench-pipeline' });
      env
        .generate<number>({
          generate: (i) => i,
          count,
          ...(rate !== undefined ? { ratePerSecond: rate, timestamp: stamp } : {}),
        })
        .map(scramble, { name: 'map' })
        .filter(keep, { name: 'filter' })
        .keyBy(keyOf)
        .process<number>(new KeyedCount(), { name: 'count' })
        .sinkTo({
          createWriter: () => ({
            write(c: number, timestamp: number) {
              digest.records++;
              digest.checksum += c;
              if (latency) latency.since(timestamp);
            },
          }),
        });
      await env.execute();
      return digest;
    },
  };
}

function handLoop(): VariantImpl {
  return {
    async run({ count, rate, latency }: RunRequest): Promise<Digest> {
      const counts = new Map<number, number>();
      let records = 0;
      let checksum = 0;
      if (rate === undefined) {
        for (let i = 0; i < count; i++) {
          const h = scramble(i);
          if (!keep(h)) continue;
          const key = keyOf(h);
          const c = (counts.get(key) ?? 0) + 1;
          counts.set(key, c);
          records++;
          checksum += c;
        }
        return { records, checksum };
      }
      let next = 0;
      await new Promise<void>((resolve) =>
        pace(
          rate,
          count,
          (end) => {
            for (; next < end; next++) {
              const t = stamp();
              const h = scramble(next);
              if (!keep(h)) continue;
              const key = keyOf(h);
              const c = (counts.get(key) ?? 0) + 1;
              counts.set(key, c);
              records++;
              checksum += c;
              latency!.since(t);
            }
          },
          resolve,
        ),
      );
      return { records, checksum };
    },
  };
}

const workload: WorkloadModule = {
  variants: ['hand-loop', 'native'],
  notApplicable: {
    'node-streams': 'the yardstick is the runtime against the loop; word-count has the streams/RxJS comparison',
    rxjs: 'the yardstick is the runtime against the loop; word-count has the streams/RxJS comparison',
    compat: 'no Storm topology counterpart: word-count is the compat comparison',
  },
  initialCount: 5000,
  unit: 'records',
  async create(variant) {
    if (variant === 'native') return native();
    if (variant === 'hand-loop') return handLoop();
    throw new Error(`pipeline has no variant '${variant}'`);
  },
  reference(count: number): Digest {
    const perKey = new Float64Array(1024);
    let records = 0;
    for (let i = 0; i < count; i++) {
      const h = scramble(i);
      if (keep(h)) {
        perKey[keyOf(h)]!++;
        records++;
      }
    }
    let checksum = 0;
    for (const n of perKey) checksum += (n * (n + 1)) / 2;
    return { records, checksum };
  },
};

export default workload;
