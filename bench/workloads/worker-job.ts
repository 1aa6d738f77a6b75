/**
 * What a bench job on worker threads shares: its sink subtasks run on workers and report to the
 * bench process over a BroadcastChannel (first record seen, then a digest and latency histogram at
 * the end); the bench process times from the first record of any subtask to the last of all.
 */
import { BroadcastChannel } from 'node:worker_threads';
import { RuntimeMetrics, StreamEnvironment, type JobDefinition, type SinkWriter } from '../../runtime/index.ts';
import { LatencyHistogram, stamp, type Digest, type RunRequest, type VariantImpl } from '../harness.ts';

/**
 * Paced runs on workers start on fresh threads, whose code is not compiled yet: the first records
 * queue behind the interpreter. Latency is recorded after the first quarter of the paced run (by
 * source stamp), as on the main thread, where calibration runs have warmed the code already.
 */
export function latencyWarmMs(count: number, rate: number | undefined): number | undefined {
  return rate === undefined ? undefined : (count / rate) * 250;
}

export type WorkerJobMessage =
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

/** A sink writer for one subtask: `fold` adds a record to the digest, the rest is reporting. */
export function reportingWriter<T>(
  channelName: string,
  warmMs: number | undefined,
  fold: (value: T, digest: Digest) => void,
): SinkWriter<T> {
  const channel = new BroadcastChannel(channelName);
  const histogram = warmMs !== undefined ? new LatencyHistogram() : undefined;
  let recordFrom = Infinity;
  const digest: Digest = { records: 0, checksum: 0 };
  let first = true;
  return {
    write(value: T, timestamp: number) {
      if (first) {
        first = false;
        channel.postMessage({ t: 'first', at: stamp() } satisfies WorkerJobMessage);
        if (warmMs !== undefined) recordFrom = timestamp + warmMs;
      }
      fold(value, digest);
      if (histogram && timestamp >= recordFrom) histogram.since(timestamp);
    },
    finish() {
      channel.postMessage({
        t: 'done',
        records: digest.records,
        checksum: digest.checksum,
        lastAt: stamp(),
        buckets: histogram ? Array.from(histogram.buckets) : undefined,
        count: histogram?.count ?? 0,
        max: histogram?.max ?? 0,
      } satisfies WorkerJobMessage);
    },
    close() {
      channel.close();
    },
  };
}

let serial = 0;

/**
 * A variant running `job` (default export of `moduleUrl`) on `workers` threads. Job args:
 * [count, rate ('' = unpaced), channel name, ...extraArgs]; `sinks` subtasks each report once.
 */
export function workerJobVariant(
  job: JobDefinition,
  moduleUrl: string,
  jobName: string,
  workers: number,
  sinks: number,
  extraArgs: string[] = [],
  minCount?: number,
): VariantImpl {
  let steadyMs: number | undefined;
  let cpuMs: number | undefined;
  let threadCpuMs: number[] | undefined;
  return {
    async run({ count, rate, latency }: RunRequest): Promise<Digest> {
      const channelName = `stormshift-bench-${jobName}-${process.pid}-${++serial}`;
      const channel = new BroadcastChannel(channelName);
      let firstAt = Infinity;
      let cpu0: NodeJS.CpuUsage | undefined;
      const dones: Array<Extract<WorkerJobMessage, { t: 'done' }>> = [];
      const done = new Promise<void>((resolve) => {
        channel.onmessage = (event) => {
          const message = (event as unknown as { data: WorkerJobMessage }).data;
          if (message.t === 'first') {
            if (cpu0 === undefined) cpu0 = process.cpuUsage();
            firstAt = Math.min(firstAt, message.at);
          } else if (dones.push(message) === sinks) resolve();
        };
      });
      const jobArgs = [String(count), rate === undefined ? '' : String(rate), channelName, ...extraArgs];
      const metrics = new RuntimeMetrics();
      const env = StreamEnvironment.create({ jobName, workers, jobModule: moduleUrl, jobArgs, metrics });
      await job.build(env, jobArgs);
      try {
        await env.execute();
        if (count === 0) return { records: 0, checksum: 0 };
        await done;
        const cpu = process.cpuUsage(cpu0);
        cpuMs = (cpu.user + cpu.system) / 1000;
        threadCpuMs = metrics.workerThreadsOf(jobName).map((t) => t.cpuMs);
        steadyMs = Math.max(...dones.map((d) => d.lastAt)) - firstAt;
        const digest: Digest = { records: 0, checksum: 0 };
        for (const d of dones) {
          digest.records += d.records;
          digest.checksum += d.checksum;
          if (latency && d.buckets) latency.merge({ buckets: d.buckets, count: d.count, max: d.max });
        }
        return digest;
      } finally {
        channel.close();
      }
    },
    lastSteadyMs: () => steadyMs,
    lastCpuMs: () => cpuMs,
    lastThreadCpuMs: () => threadCpuMs,
    ...(minCount !== undefined ? { minCount } : {}),
  };
}
