import { Command, InvalidArgumentError, Option } from 'commander';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isJobDefinition, defineJob, RuntimeMetrics, type JobDefinition } from '../runtime/index.ts';
import { runNativeJob, type RunOptions } from './run-job.ts';

function positiveInt(name: string, min = 0) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be a whole number >= ${min}, got '${value}'`);
    return n;
  };
}

const program = new Command('stormshift')
  .description('Run Storm topologies and native jobs on a checkpointed stream runtime; migrate and compare them.')
  .showHelpAfterError();

program
  .command('run')
  .description('run a job module (native job or Storm topology), like `storm local`')
  .argument('<file>', 'TypeScript or JavaScript module; its default export is the job')
  .argument('[args...]', 'arguments for the job (after --)')
  .option('-p, --parallelism <n>', 'default operator parallelism', positiveInt('--parallelism', 1))
  .option('-w, --workers <n>', 'worker threads (0 = main event loop)', positiveInt('--workers'))
  .option('--checkpoint-interval <ms>', 'checkpoint every <ms> (enables checkpointing)', positiveInt('--checkpoint-interval'))
  .option('--checkpoint-dir <dir>', 'checkpoint directory (default .stormshift/checkpoints/<job>)')
  .option('--restore [path]', 'restore from the latest checkpoint (default) or the given checkpoint file')
  .option('--no-restore', 'start fresh, ignoring existing checkpoints')
  .option('--metrics-port <port>', 'serve Prometheus /metrics on this port (0 = any free port)', positiveInt('--metrics-port'), 9464)
  .option('--metrics-host <host>', 'address for /metrics', '127.0.0.1')
  .option('--push-gateway <url>', 'also push metrics to a Prometheus Pushgateway')
  .addOption(new Option('--ttl <seconds>', 'stop after this many seconds').argParser(positiveInt('--ttl')))
  .option('-q, --quiet', 'no status line or summary')
  .action(async (file: string, args: string[], flags: Record<string, unknown>) => {
    const options: RunOptions = {
      parallelism: flags.parallelism as number | undefined,
      workers: flags.workers as number | undefined,
      checkpointInterval: flags.checkpointInterval as number | undefined,
      checkpointDir: flags.checkpointDir as string | undefined,
      restore: flags.restore !== false,
      restorePath: typeof flags.restore === 'string' ? flags.restore : undefined,
      metricsPort: flags.metricsPort as number,
      metricsHost: flags.metricsHost as string,
      pushGateway: flags.pushGateway as string | undefined,
      ttl: flags.ttl as number | undefined,
      quiet: Boolean(flags.quiet),
    };
    // A Storm main submits while being imported, so the local-mode override (where StormSubmitter
    // lands, as under `storm local`) must be in place first.
    const { LocalCluster } = await import('../compat/index.ts');
    const { setLocalOverride } = await import('../compat/local/local-override.ts');
    const metrics = new RuntimeMetrics();
    const cluster = new LocalCluster({ metrics, log: (level, message) => {
      if (level !== 'info' || !options.quiet) process.stderr.write(`[stormshift] ${level}: ${message}\n`);
    } });
    const restoreOverride = setLocalOverride(cluster);
    let module: { default?: unknown };
    try {
      module = (await import(pathToFileURL(resolve(file)).href)) as { default?: unknown };
    } catch (error) {
      restoreOverride();
      await cluster.shutdown();
      throw error;
    }
    const exported = module.default;
    let job: JobDefinition | undefined;
    if (isJobDefinition(exported)) job = exported;
    else if (typeof exported === 'function' && !isClass(exported)) job = defineJob(exported as JobDefinition['build']);
    if (job && cluster.getTopologyNames().length === 0) {
      restoreOverride();
      await cluster.shutdown();
      process.exitCode = await runNativeJob(file, job, args, options);
      return;
    }
    const { runTopologyModule } = await import('./run-topology.ts');
    process.exitCode = await runTopologyModule(file, module, args, options, cluster, metrics);
    restoreOverride();
  });

program
  .command('migrate')
  .description('rewrite Storm topology code into native jobs (the transpiler; not in this release yet)')
  .argument('<dir>')
  .action(() => {
    process.stderr.write('stormshift migrate: the transpiler is not part of this release yet\n');
    process.exitCode = 2;
  });

program
  .command('bench')
  .description('compare unchanged topologies, native jobs and hand-written loops side by side')
  .allowUnknownOption(true)
  .argument('[args...]')
  .action(async (args: string[]) => {
    const { runBench } = await import('../bench/index.ts');
    process.exitCode = await runBench(args);
  });

program
  .command('soak')
  .description('kill a checkpointed job at random moments N times, restart it each time, and compare its committed output and state with an uninterrupted run')
  .argument('<target>', 'word-count (native), word-count-topology (Storm API, checkpoint mode)')
  .option('-n, --kills <n>', 'SIGKILLs to inject', positiveInt('--kills', 1), 100)
  .option('-w, --workers <n>', 'worker threads for the job (native targets)', positiveInt('--workers'))
  .option('--sentences <n>', 'input size (default: sized so the job outlives the kills)', positiveInt('--sentences', 1))
  .option('--rate <n>', 'sentences per second while soaking', positiveInt('--rate', 1))
  .option('--max-delay-ms <ms>', 'longest random wait after a new checkpoint before the kill', positiveInt('--max-delay-ms'), 300)
  .option('--seed <n>', 'seed of the kill moments', positiveInt('--seed'))
  .option('--keep', 'keep the working directory (outputs, checkpoints) for inspection')
  .action(async (target: string, flags: Record<string, unknown>) => {
    const { soak, formatSoakReport, soakTargets } = await import('./soak.ts');
    if (!soakTargets().includes(target)) {
      process.stderr.write(`stormshift soak: unknown target '${target}' (known: ${soakTargets().join(', ')})\n`);
      process.exitCode = 2;
      return;
    }
    const seed = (flags.seed as number | undefined) ?? Math.floor(Math.random() * 2 ** 31);
    const report = await soak(target, {
      kills: flags.kills as number,
      ...(flags.workers !== undefined ? { workers: flags.workers as number } : {}),
      ...(flags.sentences !== undefined ? { sentences: flags.sentences as number } : {}),
      ...(flags.rate !== undefined ? { rate: flags.rate as number } : {}),
      maxDelayMs: flags.maxDelayMs as number,
      seed,
      keep: Boolean(flags.keep),
      log: (line) => process.stderr.write(`${line}\n`),
    });
    process.stdout.write(`${formatSoakReport(report)}\n`);
    if (flags.keep) process.stdout.write(`  kept: ${report.dir}\n`);
    process.exitCode = report.lost === 0 && report.duplicated === 0 && report.stateMismatches === 0 ? 0 : 1;
  });

function isClass(fn: unknown): boolean {
  return typeof fn === 'function' && /^class[\s{]/.test(Function.prototype.toString.call(fn));
}

await program.parseAsync(process.argv);
