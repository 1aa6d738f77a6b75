/**
 * The scaling workload's job module: worker threads rebuild the job from this module, so it must
 * default-export a defineJob. Args: [count, rate ('' = as fast as possible), channel name].
 * The sink runs on a worker; it reports to the bench process over a BroadcastChannel.
 */
import { BroadcastChannel } from 'node:worker_threads';
import { defineJob } from '../../runtime/index.ts';
import { LatencyHistogram, stamp } from '../harness.ts';
import { latencyWarmMs } from './worker-job.ts';

/** Parallel subtasks of the CPU-heavy operator (the job is the same for 1 and 2 threads). */
export const HEAVY_PARALLELISM = 2;
/** Every SAMPLE_EVERY-th result enters the checksum, so the reference need not redo all the work. */
export const SAMPLE_EVERY = 64;

/** ~2 000 rounds of integer mixing: a few µs of pure CPU per record. */
export function heavy(x: number): number {
  let h = x | 0;
  for (let k = 0; k < 2000; k++) h = (Math.imul(h ^ (h >>> 15), 0x2c1b3c6d) + k) | 0;
  return h >>> 0;
}

export type ScalingMessage =
  | { t: 'first'; at: number }
  | {
      t: 'done';
      records: number;
      checksum: number;
      lastAt: number;
      buckets: number[] | undefined;
      count: number;
      max: number;
    };

export default defineJob('bench-scaling', (env, args) => {
  const count = Number(args[0]);
  const rate = args[1] ? Number(args[1]) : undefined;
  const channelName = args[2] ?? 'stormshift-bench-scaling';
  env
    .generate<number>(
      { generate: (i) => i, count, ...(rate !== undefined ? { ratePerSecond: rate, timestamp: stamp } : {}) },
      { name: 'ids' },
    )
    .rebalance()
    .map<[number, number]>((i) => [i, heavy(i)], { name: 'heavy', parallelism: HEAVY_PARALLELISM })
    .sinkTo(
      {
        createWriter: () => {
          const channel = new BroadcastChannel(channelName);
          const histogram = rate !== undefined ? new LatencyHistogram() : undefined;
          const warmMs = latencyWarmMs(count, rate);
          let recordFrom = Infinity;
          let records = 0;
          let checksum = 0;
          return {
            write([i, h]: [number, number], timestamp: number) {
              if (records === 0) {
                channel.postMessage({ t: 'first', at: stamp() } satisfies ScalingMessage);
                if (warmMs !== undefined) recordFrom = timestamp + warmMs;
              }
              records++;
              checksum += i;
              if (i % SAMPLE_EVERY === 0) checksum += h;
              if (histogram && timestamp >= recordFrom) histogram.since(timestamp);
            },
            finish() {
              channel.postMessage({
                t: 'done',
                records,
                checksum,
                lastAt: stamp(),
                buckets: histogram ? Array.from(histogram.buckets) : undefined,
                count: histogram?.count ?? 0,
                max: histogram?.max ?? 0,
              } satisfies ScalingMessage);
            },
            close() {
              channel.close();
            },
          };
        },
      },
      { name: 'digest', parallelism: 1 },
    );
});
