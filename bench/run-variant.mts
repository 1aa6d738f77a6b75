import { loadWorkload } from './workloads/index.ts';
const [workloadName, variant, countArg, roundsArg] = process.argv.slice(2);
const w = await loadWorkload(workloadName!);
const v = await w.create(variant!, {} as never);
const count = Number(countArg);
for (let r = 0; r < Number(roundsArg ?? 3); r++) {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const d = await v.run({ count });
  const total = performance.now() - t0;
  const cpuAll = process.cpuUsage(c0);
  const steady = v.lastSteadyMs?.() ?? total;
  const cpu = v.lastCpuMs?.() ?? (cpuAll.user + cpuAll.system) / 1000;
  console.log(
    `${variant} run ${r}: ${d.records} out; total ${total.toFixed(0)} ms; steady ${steady.toFixed(0)} ms => ${(count / steady).toFixed(0)}k/s; cpu ${cpu.toFixed(0)} ms = ${((cpu / count) * 1000).toFixed(2)} s/M; whole-run cpu ${((cpuAll.user + cpuAll.system) / 1000).toFixed(0)} ms`,
  );
}
