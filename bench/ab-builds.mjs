// Two builds of one variant in ONE process, alternating run by run, CPU per million records each:
//   node bench/ab-builds.mjs OLD_ROOT NEW_ROOT WORKLOAD VARIANT [COUNT] [ROUNDS]
// OLD_ROOT/NEW_ROOT are checkouts (or copies) with a built dist/. On a shared machine the load moves
// between separate processes; alternating inside one process exposes both builds to the same load.
// The hand loop (when the workload has one) runs each round too, for the ratio.
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';

const [oldRoot, newRoot, workload, variant, countArg = '300000', roundsArg = '10'] = process.argv.slice(2);
if (!oldRoot || !newRoot || !workload || !variant) {
  console.error('usage: node bench/ab-builds.mjs OLD_ROOT NEW_ROOT WORKLOAD VARIANT [COUNT] [ROUNDS]');
  process.exit(2);
}
const count = Number(countArg);
const rounds = Number(roundsArg);
const load = async (root) =>
  import(pathToFileURL(resolve(root, 'dist/bench/workloads/index.js')).href).then((m) => m.loadWorkload(workload));
const [wOld, wNew] = [await load(oldRoot), await load(newRoot)];
const runs = { old: await wOld.create(variant, {}), new: await wNew.create(variant, {}) };
try {
  runs.hand = await wOld.create('hand-loop', {});
} catch {
  // No hand loop in this workload: no ratio.
}
const cpu = { old: [], new: [], hand: [] };
for (let r = 0; r < rounds; r++) {
  // Alternate which build goes first, so neither always runs after the other's garbage.
  for (const name of r % 2 === 0 ? ['old', 'new', 'hand'] : ['new', 'old', 'hand']) {
    if (!runs[name]) continue;
    const c0 = process.cpuUsage();
    await runs[name].run({ count });
    const c = process.cpuUsage(c0);
    cpu[name].push(((c.user + c.system) / 1000 / count) * 1000);
  }
}
const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
for (const [name, list] of Object.entries(cpu)) {
  if (list.length === 0) continue;
  console.log(`${name}: median ${median(list).toFixed(2)} CPU s/M; rounds ${list.map((x) => x.toFixed(2)).join(' ')}`);
}
if (cpu.hand.length > 0)
  console.log(
    `hand loop / ${variant}: old ${(median(cpu.hand) / median(cpu.old)).toFixed(3)}x, new ${(median(cpu.hand) / median(cpu.new)).toFixed(3)}x`,
  );
for (const v of Object.values(runs)) await v.close?.();
process.exit(0);
