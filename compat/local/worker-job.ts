/**
 * The job module worker threads load for a topology with `topology.workers` > 1. The runtime's
 * workers rebuild a job from a module (README "How it runs"); a topology's module is the user's,
 * whose default export is not a runtime job, so each worker loads this one instead: it imports the
 * user's module again (submissions it makes while loading land in a capturing override, never in
 * a cluster), takes the topology of the submitted name, checks it has the same components with
 * the same task counts, and translates it exactly as the submitting thread did, so task ids and
 * the job graph are identical on every thread.
 */
import { ConfigError, defineJob, importJobModule, type Logger } from '../../runtime/index.ts';
import type { Conf } from '../component/config.ts';
import { GeneralTopologyContext } from '../component/context.ts';
import { ConfigurableTopology } from './configurable-topology.ts';
import { setLocalOverride } from './local-override.ts';
import { StormTopology } from '../topology/storm-topology.ts';
import { buildJob } from '../translate/build-job.ts';
import { TopologyRun } from '../translate/topology-run.ts';
import { registerTupleWire } from '../translate/tuple-wire.ts';

/** What the submitting thread hands every worker (JSON in the job's args). */
export interface WorkerTopologySpec {
  /** The user's module (path or file: URL) and the args its `main` got. */
  module: string;
  args: string[];
  name: string;
  stormId: string;
  conf: Conf;
  workers: number;
  /** [component id, task count] of every runnable component, as the submitting thread planned them. */
  components: Array<[string, number]>;
}

/** This file, as the runtime's workers must load it (the .ts source or the built .js). */
export const WORKER_JOB_MODULE = import.meta.url;

const log: Logger = (level, message) => {
  if (level !== 'info') process.stderr.write(`[stormshift worker] ${level}: ${message}\n`);
};

/** Imports the user's module and returns the topology it defines or submits under `spec.name`. */
async function rebuildTopology(spec: WorkerTopologySpec): Promise<StormTopology> {
  const submitted = new Map<string, StormTopology>();
  let announce: (() => void) | undefined;
  const arrived = new Promise<void>((resolve) => (announce = resolve));
  const restore = setLocalOverride({
    submitTopology(name, _conf, topology) {
      submitted.set(name, topology);
      if (name === spec.name) announce!();
      // A main awaiting its submission must not go on (sleep, kill) on this thread: park it.
      return new Promise<never>(() => {});
    },
  });
  try {
    const module = await importJobModule(spec.module);
    const exported = module.default;
    if (exported instanceof StormTopology && !submitted.has(spec.name)) return exported;
    if (!submitted.has(spec.name)) {
      let ran: Promise<unknown> | undefined;
      if (typeof exported === 'function' && exported.prototype instanceof ConfigurableTopology) {
        const Topology = exported as new () => ConfigurableTopology;
        ran = ConfigurableTopology.start(new Topology(), spec.args);
      } else if (typeof module.main === 'function') {
        ran = Promise.resolve((module.main as (args: string[]) => unknown)(spec.args));
      }
      if (ran !== undefined) await Promise.race([arrived, ran]);
    }
    const topology = submitted.get(spec.name);
    if (topology === undefined) {
      throw new ConfigError(
        `topology.workers: worker threads rebuild topology '${spec.name}' from ${spec.module}, but loading it there ` +
          `neither exports it nor submits a topology of that name${submitted.size > 0 ? ` (it submitted ${[...submitted.keys()].join(', ')})` : ''}`,
      );
    }
    return topology;
  } finally {
    restore();
  }
}

/** The rebuilt topology must plan to the same tasks, or tuples would reach the wrong ones. */
function checkSameComponents(spec: WorkerTopologySpec, run: TopologyRun): void {
  const submitted = new Map(spec.components);
  const rebuilt = [...run.spouts, ...run.bolts];
  for (const id of submitted.keys()) {
    if (rebuilt.includes(id)) continue;
    throw new ConfigError(
      `topology.workers: component '${id}' of topology '${spec.name}' cannot be loaded in a worker thread: ` +
        `the topology rebuilt from ${spec.module} has no component '${id}' (define every component in the module itself, not in the submitting code)`,
    );
  }
  for (const id of rebuilt) {
    const here = run.tasksOf(id).length;
    const there = submitted.get(id);
    if (there === here) continue;
    throw new ConfigError(
      there === undefined
        ? `topology.workers: component '${id}' appears in topology '${spec.name}' as a worker thread rebuilds it from ${spec.module}, but not in the submitted one`
        : `topology.workers: component '${id}' of topology '${spec.name}' has ${here} tasks in a worker thread but ${there} where it was submitted (its parallelism must not depend on the thread)`,
    );
  }
}

export default defineJob('stormshift-compat-worker', async (env, args) => {
  const spec = JSON.parse(args[0]!) as WorkerTopologySpec;
  const topology = await rebuildTopology(spec);
  const run = new TopologyRun({
    name: spec.name,
    stormId: spec.stormId,
    conf: spec.conf,
    topology,
    log,
    workerThreads: spec.workers,
  });
  checkSameComponents(spec, run);
  const plan = run.plan;
  registerTupleWire(
    new GeneralTopologyContext(
      topology,
      run.conf,
      plan.taskToComponent,
      plan.componentToSortedTasks,
      plan.componentToStreamToFields,
      run.stormId,
      plan.commons,
    ),
  );
  buildJob(run, env);
  run.start();
});
