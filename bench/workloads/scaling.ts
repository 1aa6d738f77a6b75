/**
 * Workload 6, scaling: a CPU-heavy map (parallelism 2) behind a rebalance, on 2 worker threads
 * against the same job on 1, next to the same work on bare worker threads (the machine's own limit). Throughput is taken between the first and the last record at the
 * sink, so starting the workers (each loads the job module) does not count; CPU likewise.
 */
import { BroadcastChannel, Worker } from 'node:worker_threads';
import { RuntimeMetrics, StreamEnvironment } from '../../runtime/index.ts';
import type { Digest, RunRequest, VariantImpl, WorkloadModule } from '../harness.ts';
import jobDefinition, { heavy, SAMPLE_EVERY, type ScalingMessage } from './scaling-job.ts';

const JOB_MODULE = new URL(import.meta.url.endsWith('.ts') ? './scaling-job.ts' : './scaling-job.js', import.meta.url)
  .href;

function reference(count: number): Digest {
  let checksum = (count * (count - 1)) / 2;
  for (let i = 0; i < count; i += SAMPLE_EVERY) checksum += heavy(i);
  return { records: count, checksum };
}

let serial = 0;

function threads(workers: number): VariantImpl {
  let steadyMs: number | undefined;
  let cpuMs: number | undefined;
  let threadCpuMs: number[] | undefined;
  return {
    async run({ count, rate, latency }: RunRequest): Promise<Digest> {
      const channelName = `stormshift-bench-scaling-${process.pid}-${++serial}`;
      const channel = new BroadcastChannel(channelName);
      let firstAt = 0;
      let cpu0: NodeJS.CpuUsage | undefined;
      const done = new Promise<Extract<ScalingMessage, { t: 'done' }>>((resolve) => {
        channel.onmessage = (event) => {
          const message = (event as unknown as { data: ScalingMessage }).data;
          if (message.t === 'first') {
            firstAt = message.at;
            cpu0 = process.cpuUsage();
          } else resolve(message);
        };
      });
      const jobArgs = [String(count), rate === undefined ? '' : String(rate), channelName];
      const metrics = new RuntimeMetrics();
      const env = StreamEnvironment.create({
        jobName: 'bench-scaling',
        workers,
        jobModule: JOB_MODULE,
        jobArgs,
        metrics,
      });
      await jobDefinition.build(env, jobArgs);
      try {
        await env.execute();
        const result = count === 0 ? undefined : await done;
        if (!result) return { records: 0, checksum: 0 };
        const cpu = process.cpuUsage(cpu0);
        cpuMs = (cpu.user + cpu.system) / 1000;
        threadCpuMs = metrics.workerThreadsOf('bench-scaling').map((t) => t.cpuMs);
        steadyMs = result.lastAt - firstAt;
        if (latency && result.buckets) latency.merge({ buckets: result.buckets, count: result.count, max: result.max });
        return { records: result.records, checksum: result.checksum };
      } finally {
        channel.close();
      }
    },
    lastSteadyMs: () => steadyMs,
    lastCpuMs: () => cpuMs,
    lastThreadCpuMs: () => threadCpuMs,
    // Fresh threads per run: enough records that most of the run is compiled code (~0.5 s at 300k/s).
    minCount: 150_000,
  };
}

/**
 * The control: the same work on bare worker threads (no runtime), each taking every n-th id. It
 * shows what a second thread can buy on this machine at all, in the same rounds.
 */
function bareThreads(threads: number): VariantImpl {
  let steadyMs: number | undefined;
  let cpuMs: number | undefined;
  let threadCpuMs: number[] | undefined;
  const code = `
    const { parentPort, workerData } = require('node:worker_threads');
    const heavy = ${heavy.toString()};
    parentPort.postMessage('ready');
    parentPort.once('message', () => {
      const { count, index, threads, sampleEvery } = workerData;
      let records = 0, checksum = 0;
      for (let i = index; i < count; i += threads) {
        const h = heavy(i);
        records++;
        checksum += i;
        if (i % sampleEvery === 0) checksum += h;
      }
      let cpuMs;
      try {
        const stat = require('node:fs').readFileSync('/proc/thread-self/schedstat', 'latin1');
        cpuMs = Number(stat.slice(0, stat.indexOf(' '))) / 1e6;
      } catch {}
      parentPort.postMessage({ records, checksum, cpuMs });
    });`;
  return {
    async run({ count }: RunRequest): Promise<Digest> {
      const workers = Array.from(
        { length: threads },
        (_, index) =>
          new Worker(code, { eval: true, workerData: { count, index, threads, sampleEvery: SAMPLE_EVERY } }),
      );
      try {
        await Promise.all(
          workers.map((w) => new Promise((resolve, reject) => w.once('message', resolve).once('error', reject))),
        );
        const cpu0 = process.cpuUsage();
        const t0 = performance.now();
        const parts = await Promise.all(
          workers.map((w) => {
            const done = new Promise<Digest>((resolve, reject) => w.once('message', resolve).once('error', reject));
            w.postMessage('go');
            return done;
          }),
        );
        steadyMs = performance.now() - t0;
        const cpu = process.cpuUsage(cpu0);
        cpuMs = (cpu.user + cpu.system) / 1000;
        const perThread = parts.map((part) => (part as Digest & { cpuMs?: number }).cpuMs);
        threadCpuMs = perThread.every((ms) => ms !== undefined) ? (perThread as number[]) : undefined;
        return parts.reduce(
          (sum, part) => ({ records: sum.records + part.records, checksum: sum.checksum + part.checksum }),
          { records: 0, checksum: 0 },
        );
      } finally {
        await Promise.all(workers.map((w) => w.terminate()));
      }
    },
    lastSteadyMs: () => steadyMs,
    lastCpuMs: () => cpuMs,
    lastThreadCpuMs: () => threadCpuMs,
    latency: false,
  };
}

const workload: WorkloadModule = {
  variants: ['native-1-thread', 'native-2-threads', 'bare-1-thread', 'bare-2-threads'],
  quickVariants: ['native-1-thread', 'native-2-threads', 'bare-1-thread', 'bare-2-threads'],
  notApplicable: {
    compat: 'compat topologies run on the main event loop (LocalCluster)',
  },
  initialCount: 40_000,
  baselines: ['native-1-thread', 'bare-1-thread'],
  unit: 'records',
  async create(variant) {
    if (variant === 'native-1-thread') return threads(1);
    if (variant === 'native-2-threads') return threads(2);
    if (variant === 'bare-1-thread') return bareThreads(1);
    if (variant === 'bare-2-threads') return bareThreads(2);
    throw new Error(`scaling has no variant '${variant}'`);
  },
  reference,
};

export default workload;
