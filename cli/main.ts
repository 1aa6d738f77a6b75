// Only commander and the small error module load up front: every verb imports what it needs in its
// action, so `--version`, `--help` and light verbs never load the runtime, compat or the transpiler.
import { Command, InvalidArgumentError, Option } from 'commander';
import type { JobDefinition } from '../runtime/index.ts';
import { EXIT, EXIT_CODES_HELP, packageVersion, reportFatal } from './errors.ts';
import type { RunOptions } from './run-job.ts';

function positiveInt(name: string, min = 0) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min)
      throw new InvalidArgumentError(`${name} must be a whole number >= ${min}, got '${value}'`);
    return n;
  };
}

const program = new Command('stormshift')
  .description('Run Storm topologies and native jobs on a checkpointed stream runtime; migrate and compare them.')
  .version(packageVersion(), '-V, --version', 'print the stormshift version')
  .showHelpAfterError()
  // Commander's own errors (unknown option, bad value) exit with EXIT.usage; --help and --version with 0.
  .exitOverride((error) => {
    process.exit(error.exitCode === 0 ? 0 : EXIT.usage);
  });

program
  .command('run')
  .description('run a job module (native job or Storm topology), like `storm local`')
  .argument('<file>', 'TypeScript or JavaScript module (its default export is the job), or a folder holding one')
  .argument('[args...]', 'arguments for the job (after --)')
  .option('-p, --parallelism <n>', 'default operator parallelism', positiveInt('--parallelism', 1))
  .option('-w, --workers <n>', 'worker threads (0 = main event loop)', positiveInt('--workers'))
  .option(
    '--checkpoint-interval <ms>',
    'checkpoint every <ms> (enables checkpointing)',
    positiveInt('--checkpoint-interval'),
  )
  .option('--checkpoint-dir <dir>', 'checkpoint directory (default .stormshift/checkpoints/<job>)')
  .option('--restore [path]', 'restore from the latest checkpoint (default) or the given checkpoint file')
  .option('--no-restore', 'start fresh, ignoring existing checkpoints')
  .option(
    '--dead-letter <dir>',
    "where records skipped by the poison policy go: one JSON-lines file per checkpoint, exactly once (the job's poison.deadLetter; Storm conf stormshift.poison.dead.letter.dir)",
  )
  .option(
    '--metrics-port <port>',
    'serve Prometheus /metrics on this port (0 = any free port)',
    positiveInt('--metrics-port'),
    9464,
  )
  .option('--metrics-host <host>', 'address for /metrics', '127.0.0.1')
  .option('--push-gateway <url>', 'also push metrics to a Prometheus Pushgateway')
  .addOption(new Option('--ttl <seconds>', 'stop after this many seconds').argParser(positiveInt('--ttl')))
  .option('-q, --quiet', 'no status line or summary')
  .option(
    '--ui-port <port>',
    'serve the console (REST API and web page) on 127.0.0.1:<port> (0 = any free port)',
    positiveInt('--ui-port'),
    8080,
  )
  .option('--no-ui', 'do not serve the console')
  .option('--ui-read-only', 'the console refuses every action (savepoint, cancel, kill...) with 403')
  .addHelpText('after', EXIT_CODES_HELP)
  .option('--filter <file>', 'Flux (.yaml): replace ${key} with values from this .properties file')
  .option('--env-filter', 'Flux (.yaml): replace ${ENV-NAME} with the environment variable NAME')
  .action(async (file: string, args: string[], flags: Record<string, unknown>) => {
    const options: RunOptions = {
      parallelism: flags.parallelism as number | undefined,
      workers: flags.workers as number | undefined,
      checkpointInterval: flags.checkpointInterval as number | undefined,
      checkpointDir: flags.checkpointDir as string | undefined,
      restore: flags.restore !== false,
      restorePath: typeof flags.restore === 'string' ? flags.restore : undefined,
      deadLetterDir: flags.deadLetter as string | undefined,
      metricsPort: flags.metricsPort as number,
      metricsHost: flags.metricsHost as string,
      pushGateway: flags.pushGateway as string | undefined,
      ttl: flags.ttl as number | undefined,
      quiet: Boolean(flags.quiet),
      uiPort: flags.ui === false ? undefined : (flags.uiPort as number),
      uiReadOnly: Boolean(flags.uiReadOnly),
    };
    // A Storm main submits while being imported, so the local-mode override (where StormSubmitter
    // lands, as under `storm local`) must be in place first.
    const { resolveJobFile, loadUserModule } = await import('./job-file.ts');
    file = resolveJobFile(file);
    const { isJobDefinition, defineJob, RuntimeMetrics } = await import('../runtime/index.ts');
    const { LocalCluster, codeDirFor, setLocalOverride } = await import('../compat/index.ts');
    const metrics = new RuntimeMetrics();
    // Shell components start in resources/ next to the topology file (a Storm jar's layout).
    const isFlux = /\.ya?ml$/i.test(file);
    const { pathToFileURL } = await import('node:url');
    const { resolve: resolvePath } = await import('node:path');
    const daemonConf = {
      'stormshift.multilang.code.dir': codeDirFor(file),
      // Worker threads (topology.workers > 1) rebuild the topology from its module and main's args.
      ...(isFlux
        ? {}
        : { 'stormshift.topology.module': pathToFileURL(resolvePath(file)).href, 'stormshift.topology.args': args }),
    };
    const cluster = new LocalCluster({
      metrics,
      daemonConf,
      // `-w N` is topology.workers for a topology, over what its own conf says; so is --dead-letter.
      overrideConf: {
        ...(options.workers !== undefined ? { 'topology.workers': Math.max(1, options.workers) } : {}),
        ...(options.deadLetterDir !== undefined
          ? { 'stormshift.poison.dead.letter.dir': resolvePath(options.deadLetterDir) }
          : {}),
      },
      log: (level, message) => {
        if (level !== 'info' || !options.quiet) process.stderr.write(`[stormshift] ${level}: ${message}\n`);
      },
    });
    const restoreOverride = setLocalOverride(cluster);
    if (isFlux) {
      const { runFluxFile } = await import('./run-flux.ts');
      const fluxFlags = { filter: flags.filter as string | undefined, envFilter: Boolean(flags.envFilter) };
      process.exitCode = await runFluxFile(file, args, options, fluxFlags, cluster, metrics);
      restoreOverride();
      return;
    }
    let module: { default?: unknown };
    try {
      module = await loadUserModule(file);
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
      const { runNativeJob } = await import('./run-job.ts');
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
  .command('console')
  .description('serve the console for every job running on this machine; start jobs and restart them from savepoints')
  .option('--ui-port <port>', 'port on 127.0.0.1 (0 = any free port)', positiveInt('--ui-port'), 8080)
  .option('--ui-read-only', 'refuse every action with 403')
  .action(async (flags: { uiPort: number; uiReadOnly?: boolean }) => {
    const { startStandaloneConsole } = await import('../console/index.ts');
    const server = await startStandaloneConsole({ port: flags.uiPort, readOnly: Boolean(flags.uiReadOnly) });
    process.stderr.write(`[stormshift] console at ${server.url}\n`);
    // The server does not hold the process open by itself (it is unref'd for `run`).
    const keepAlive = setInterval(() => {}, 1 << 30);
    await new Promise<void>((resolve) => {
      const stop = (): void => resolve();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    clearInterval(keepAlive);
    await server.close();
  });

program
  .command('flux')
  .description("run or check a Flux YAML topology, like Storm's org.apache.storm.flux.Flux")
  .argument('<file>', 'Flux topology (.yaml / .yml)')
  .option('-d, --dry-run', 'build, validate and print the topology; do not run it')
  .option('-f, --filter <file>', 'replace ${key} with values from this .properties file')
  .option('-e, --env-filter', 'replace ${ENV-NAME} with the environment variable NAME')
  .allowExcessArguments(true)
  .allowUnknownOption(true)
  .action(async (file: string, flags: Record<string, unknown>, command: Command) => {
    const fluxFlags = { filter: flags.filter as string | undefined, envFilter: Boolean(flags.envFilter) };
    if (flags.dryRun) {
      const { fluxDryRun } = await import('./run-flux.ts');
      process.exitCode = await fluxDryRun(file, fluxFlags);
      return;
    }
    // Without --dry-run: `run` it, passing run options (--ttl, --checkpoint-interval, …) through.
    const extra = [
      ...(flags.filter ? ['--filter', String(flags.filter)] : []),
      ...(flags.envFilter ? ['--env-filter'] : []),
    ];
    await program.parseAsync([process.argv[0]!, process.argv[1]!, 'run', file, ...extra, ...command.args.slice(1)]);
  });

program
  .command('migrate')
  .description(
    'rewrite Storm-API topologies into native jobs (dry run by default: summary and diff; exit 1 when changes are pending)',
  )
  .argument('<paths...>', 'files or folders to migrate')
  .option('--write', 'apply the changes (all computed first, then saved)')
  .option(
    '--report <file>',
    'write the report: JSON (schema in docs/migrate-codes.md), or Markdown when <file> ends in .md',
  )
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
  // Declared for --help; bench/index.ts parses the raw arguments itself (and reports unknown ones).
  .option('--quick', 'fewer and shorter runs (a few minutes)')
  .option('--only <workloads>', 'comma-separated workloads to run (default: all)')
  .option('--runs <n>', 'measured rounds per variant')
  .option('--json <file>', 'write the results as JSON (default bench/results/latest.json)')
  .option('--md <file>', 'write the results as Markdown')
  .option('--svg <file>', 'write the chart as SVG')
  .allowUnknownOption(true)
  .allowExcessArguments(true)
  .action(async () => {
    const { runBench } = await import('../bench/index.ts');
    process.exitCode = await runBench(process.argv.slice(process.argv.indexOf('bench') + 1));
  });

program
  .command('soak')
  .description(
    'kill a checkpointed job at random moments N times, restart it each time, and compare its committed output and state with an uninterrupted run',
  )
  .argument(
    '<target>',
    'word-count (native), word-count-topology (Storm API, checkpoint mode), kafka-word-count (Kafka -> Kafka, exactly-once, broker faults)',
  )
  .option('-n, --kills <n>', 'SIGKILLs to inject', positiveInt('--kills', 1), 100)
  .option('-w, --workers <n>', 'worker threads for the job (native targets)', positiveInt('--workers'))
  .option('--sentences <n>', 'input size (default: sized so the job outlives the kills)', positiveInt('--sentences', 1))
  .option('--rate <n>', 'sentences per second while soaking', positiveInt('--rate', 1))
  .option(
    '--max-delay-ms <ms>',
    'longest random wait after a new checkpoint before the kill',
    positiveInt('--max-delay-ms'),
    300,
  )
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

try {
  await program.parseAsync(process.argv);
} catch (error) {
  reportFatal(error);
}
