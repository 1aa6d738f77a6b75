/**
 * One variant at a fixed size, in this process, for profiling and CPU-per-million figures:
 * `node --import tsx bench/run-variant.mts WORKLOAD VARIANT COUNT [ROUNDS] [RATE]`. With RATE the
 * source is paced at RATE records/s and the run prints the end-to-end p50/p99/max latency.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { LatencyHistogram } from './harness.ts';

/**
 * Per thread of this process (Linux): [name, ns on CPU, ns waiting runnable for a CPU, times scheduled]. The wait is
 * what the OS scheduler adds to a record's latency on a busy machine, measured rather than guessed.
 */
function threadTimes(): Map<string, [string, number, number, number]> {
  const out = new Map<string, [string, number, number, number]>();
  try {
    for (const tid of readdirSync('/proc/self/task')) {
      const [run, wait, slices] = readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').split(' ').map(Number);
      out.set(tid, [readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim(), run!, wait!, slices!]);
    }
  } catch {
    // Not Linux: no scheduler figures.
  }
  return out;
}
import { loadWorkload } from './workloads/index.ts';
const [workloadName, variant, countArg, roundsArg, rateArg] = process.argv.slice(2);
const w = await loadWorkload(workloadName!);
const v = await w.create(variant!, {} as never);
const count = Number(countArg);
const rate = rateArg ? Number(rateArg) : undefined;
for (let r = 0; r < Number(roundsArg ?? 3); r++) {
  const latency = rate !== undefined ? new LatencyHistogram() : undefined;
  const s0 = threadTimes();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const d = await v.run({ count, ...(rate !== undefined ? { rate, latency } : {}) });
  const total = performance.now() - t0;
  const cpuAll = process.cpuUsage(c0);
  const s1 = threadTimes();
  const steady = v.lastSteadyMs?.() ?? total;
  const cpu = v.lastCpuMs?.() ?? (cpuAll.user + cpuAll.system) / 1000;
  const lat = latency
    ? `; latency p50 ${latency.percentile(0.5).toFixed(3)} p99 ${latency.percentile(0.99).toFixed(3)} max ${latency.max.toFixed(1)} ms (${latency.count} samples)`
    : '';
  console.log(
    `${variant} run ${r}: ${d.records} out; total ${total.toFixed(0)} ms; steady ${steady.toFixed(0)} ms => ${(count / steady).toFixed(0)}k/s; cpu ${cpu.toFixed(0)} ms = ${((cpu / count) * 1000).toFixed(2)} s/M; whole-run cpu ${((cpuAll.user + cpuAll.system) / 1000).toFixed(0)} ms${lat}`,
  );
  const threadCpu = v.lastThreadCpuMs?.();
  if (threadCpu !== undefined)
    console.log(`  CPU ms per worker thread (start-up included): ${threadCpu.map((ms) => ms.toFixed(0)).join(', ')}`);
  const busy = [...s1]
    .map(([tid, [name, run, wait, slices]]) => {
      const before = s0.get(tid) ?? [name, 0, 0, 0];
      return [name, (run - before[1]) / 1e6, (wait - before[2]) / 1e6, slices - before[3]] as const;
    })
    .filter(([, run]) => run >= 50);
  if (busy.length > 0)
    console.log(
      `  threads: ${s1.size} (${busy.length} used >= 50 ms CPU); per used thread, ms on CPU / ms waiting for a CPU / mean wait per time scheduled: ${busy.map(([n, r, w, k]) => `${n} ${r.toFixed(0)}/${w.toFixed(0)}/${(w / Math.max(1, k)).toFixed(2)}`).join(', ')}`,
    );
}
