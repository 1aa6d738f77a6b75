import { Command, InvalidArgumentError, Option } from 'commander';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isJobDefinition, defineJob, RuntimeMetrics, type JobDefinition } from '../runtime/index.ts';
import { runNativeJob, type RunOptions } from './run-job.ts';

function positiveInt(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`${name} must be a whole number >= 0, got '${value}'`);
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
  .option('-p, --parallelism <n>', 'default operator parallelism', positiveInt('--parallelism'))
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

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

program
  .command('migrate')
  .description('rewrite Storm-API topologies into native jobs (dry run by default: summary and diff; exit 1 when changes are pending)')
  .argument('<paths...>', 'files or folders to migrate')
  .option('--write', 'apply the changes (all computed first, then saved)')
  .option('--report <file>', 'write the report: JSON (schema in docs/migrate-codes.md), or Markdown when <file> ends in .md')
  .option('--diff <file>', 'write the unified diff to <file> instead of stdout')
  .option('--verify', 'run each migrated topology and its original on the same input and compare outputs')
  .option('--stats', 'only count Storm constructs by kind (read-only)')
  .option('--include <glob>', 'only files matching (repeatable)', collect)
  .option('--exclude <glob>', 'skip files matching (repeatable)', collect)
  .option('--allow-dirty', 'write even when the git tree has uncommitted changes')
  .option('--todo', 'add greppable TODO(stormshift-migrate ...) markers where a person must act')
  .action(async (paths: string[], flags: Record<string, unknown>) => {
    const { runMigrate } = await import('./migrate.ts');
    process.exitCode = await runMigrate(paths, flags);
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

function isClass(fn: unknown): boolean {
  return typeof fn === 'function' && /^class[\s{]/.test(Function.prototype.toString.call(fn));
}

await program.parseAsync(process.argv);
