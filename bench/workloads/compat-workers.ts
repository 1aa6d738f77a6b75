/**
 * The compat word count with `topology.workers` 1 (every task on this thread) and 2 (tasks spread
 * over two worker threads), same topology, same conf otherwise: the ratio is what spreading a
 * compat topology over threads buys. Timed from the first nextTuple of any spout task to the
 * last spout task's final ack; CPU is the whole process's (every thread).
 */
import { BroadcastChannel } from 'node:worker_threads';
import { KillOptions, LocalCluster } from '../../compat/index.ts';
import { RuntimeMetrics } from '../../runtime/index.ts';
import type { Digest, RunRequest, VariantImpl } from '../harness.ts';
import { buildTopology, PARALLELISM, type CompatWorkersMessage } from './compat-word-count-topology.ts';

// Compiled (dist/, what `stormshift bench` runs once built) the topology module is a .js file.
const MODULE = new URL(
  import.meta.url.endsWith('.ts') ? './compat-word-count-topology.ts' : './compat-word-count-topology.js',
  import.meta.url,
).href;
let serial = 0;

export function compatWorkersWordCount(workers: number): VariantImpl {
  let steadyMs: number | undefined;
  let cpuMs: number | undefined;
  let threadCpuMs: number[] | undefined;
  const metrics = new RuntimeMetrics();
  const cluster = new LocalCluster({
    metrics,
    log: (level, message) => {
      if (level === 'error') process.stderr.write(`[compat] ${message}\n`);
    },
  });
  return {
    async run({ count, rate }: RunRequest): Promise<Digest> {
      const name = `bench-compat-workers-${workers}-${++serial}`;
      const channelName = `stormshift-bench-${process.pid}-${name}`;
      const channel = new BroadcastChannel(channelName);
      let firstAt = Infinity;
      let lastAt = 0;
      let cpu0: NodeJS.CpuUsage | undefined;
      let spoutsDone = 0;
      const digests: Array<{ records: number; checksum: number }> = [];
      let allAcked!: () => void;
      let allDigests!: () => void;
      const acked = new Promise<void>((resolve) => (allAcked = resolve));
      const reported = new Promise<void>((resolve) => (allDigests = resolve));
      let failure: Error | undefined;
      channel.onmessage = (event) => {
        const m = (event as MessageEvent).data as CompatWorkersMessage;
        if (m.t === 'first') {
          cpu0 ??= process.cpuUsage();
          firstAt = Math.min(firstAt, m.at);
        } else if (m.t === 'spout-done') {
          if (m.failed > 0) failure ??= new Error(`compat ${workers} workers: ${m.failed} spout tuples failed`);
          lastAt = Math.max(lastAt, m.at);
          if (++spoutsDone === PARALLELISM) allAcked();
        } else if (m.t === 'digest') {
          if (digests.push(m) === PARALLELISM) allDigests();
        }
      };
      try {
        await cluster.submitTopology(
          name,
          {
            'topology.workers': workers,
            'topology.acker.executors': 1,
            'topology.max.spout.pending': 10_000,
            'stormshift.topology.module': MODULE,
            'stormshift.topology.args': [name],
            'bench.channel': channelName,
            'bench.count': count,
            ...(rate !== undefined ? { 'bench.rate': rate } : {}),
          },
          buildTopology(),
        );
        await acked;
        if (failure) throw failure;
        const cpu = process.cpuUsage(cpu0);
        cpuMs = (cpu.user + cpu.system) / 1000;
        steadyMs = count === 0 ? 0 : lastAt - firstAt;
        channel.postMessage({ t: 'report' } satisfies CompatWorkersMessage);
        await reported;
        const digest: Digest = { records: 0, checksum: 0 };
        for (const d of digests) {
          digest.records += d.records;
          digest.checksum += d.checksum;
        }
        return digest;
      } finally {
        channel.close();
        const kill = new KillOptions();
        kill.set_wait_secs(0);
        if (cluster.isAlive(name)) await cluster.killTopologyWithOpts(name, kill);
        await cluster.whenStopped(name);
        threadCpuMs = metrics.workerThreadsOf(name).map((t) => t.cpuMs);
        metrics.remove(name);
      }
    },
    lastSteadyMs: () => steadyMs,
    lastCpuMs: () => cpuMs,
    lastThreadCpuMs: () => threadCpuMs,
    minCount: 100_000,
    async close(): Promise<void> {
      await cluster.shutdown();
    },
  };
}
