/**
 * One variant at a fixed size, in this process, for profiling and CPU-per-million figures:
 * `node --import tsx bench/run-variant.mts WORKLOAD VARIANT COUNT [ROUNDS] [RATE]`. With RATE the
 * source is paced at RATE records/s and the run prints the end-to-end p50/p99/max latency.
 */
import { LatencyHistogram } from './harness.ts';
import { loadWorkload } from './workloads/index.ts';
const [workloadName, variant, countArg, roundsArg, rateArg] = process.argv.slice(2);
const w = await loadWorkload(workloadName!);
const v = await w.create(variant!, {} as never);
const count = Number(countArg);
const rate = rateArg ? Number(rateArg) : undefined;
for (let r = 0; r < Number(roundsArg ?? 3); r++) {
  const latency = rate !== undefined ? new LatencyHistogram() : undefined;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const d = await v.run({ count, ...(rate !== undefined ? { rate, latency } : {}) });
  const total = performance.now() - t0;
  const cpuAll = process.cpuUsage(c0);
  const steady = v.lastSteadyMs?.() ?? total;
  const cpu = v.lastCpuMs?.() ?? (cpuAll.user + cpuAll.system) / 1000;
  const lat = latency
    ? `; latency p50 ${latency.percentile(0.5).toFixed(3)} p99 ${latency.percentile(0.99).toFixed(3)} max ${latency.max.toFixed(1)} ms (${latency.count} samples)`
    : '';
  console.log(
    `${variant} run ${r}: ${d.records} out; total ${total.toFixed(0)} ms; steady ${steady.toFixed(0)} ms => ${(count / steady).toFixed(0)}k/s; cpu ${cpu.toFixed(0)} ms = ${((cpu / count) * 1000).toFixed(2)} s/M; whole-run cpu ${((cpuAll.user + cpuAll.system) / 1000).toFixed(0)} ms${lat}`,
  );
}
