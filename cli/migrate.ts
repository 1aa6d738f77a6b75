/**
 * `stormshift migrate PATH...`: a dry run by default (summary and unified diff on stdout; exit 1
 * when changes are pending, 0 when none), `--write` to apply. The transpiler is imported lazily:
 * ts-morph is heavy and the other verbs do not need it.
 */
import { writeFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
// Type-only: erased at build time, so ts-morph still loads only when the verb runs.
import type { MigrationResult } from '../transpiler/index.ts';

export interface MigrateFlags {
  write?: boolean;
  report?: string;
  diff?: string;
  verify?: boolean;
  stats?: boolean;
  include?: string[];
  exclude?: string[];
  allowDirty?: boolean;
  todo?: boolean;
}

export async function runMigrate(
  paths: string[],
  flags: MigrateFlags,
  io: { out: (s: string) => void; err: (s: string) => void; tty: boolean } = defaultIo(),
): Promise<number> {
  const { migrate } = await import('../transpiler/index.ts');
  const { markdownSummary, statsText } = await import('../transpiler/report/index.ts');
  const { createTwoFilesPatch } = await import('diff');
  let bar: { start(total: number, value: number): void; update(value: number): void; stop(): void } | undefined;
  if (io.tty && !flags.stats) {
    const { SingleBar, Presets } = (await import('cli-progress')).default;
    bar = new SingleBar(
      {
        format: 'migrate [{bar}] {value}/{total} files',
        stream: process.stderr,
        clearOnComplete: true,
        hideCursor: true,
      },
      Presets.shades_classic,
    );
  }
  let started = false;
  let result: MigrationResult;
  try {
    result = await migrate({
      paths,
      write: Boolean(flags.write) && !flags.stats,
      include: flags.include,
      exclude: flags.exclude,
      todo: flags.todo,
      allowDirty: flags.allowDirty,
      onProgress: (done, total) => {
        if (!bar) return;
        if (!started) {
          bar.start(total, done);
          started = true;
        } else bar.update(done);
      },
    });
  } catch (error) {
    bar?.stop();
    io.err(`${(error as Error).message}\n`);
    return 2;
  }
  bar?.stop();
  const { report, changes, root } = result;
  if (flags.report)
    writeFileSync(
      flags.report,
      flags.report.endsWith('.md') ? markdownSummary(report) : `${JSON.stringify(report, null, 2)}\n`,
    );
  if (flags.stats) {
    io.out(`${statsText(report)}\n`);
    return 0;
  }
  const patches: string[] = [];
  for (const [file, { before, after }] of [...changes].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    const name = relative(root, file).split('\\').join('/');
    patches.push(createTwoFilesPatch(`a/${name}`, `b/${name}`, before, after, '', '', { context: 3 }));
  }
  const diff = patches.join('');
  const { summary } = report;
  const lines = [
    `stormshift migrate: ${report.filesAnalyzed} of ${report.filesScanned} file(s) use the Storm API; ${changes.size} ${flags.write ? 'changed' : 'would change'}.`,
    `findings: ${summary.converted} converted, ${summary.partial} partial, ${summary.left} left, ${summary.error} error`,
  ];
  for (const f of report.files) {
    for (const x of f.findings) {
      if (x.status === 'converted') continue;
      lines.push(
        `  ${x.file}:${x.line}:${x.column} ${x.code} ${x.status}: ${x.construct}: ${x.reason}${x.manualStep ? ` (manual step: ${x.manualStep})` : ''}`,
      );
    }
  }
  io.out(`${lines.join('\n')}\n`);
  if (flags.diff) writeFileSync(flags.diff, diff);
  else if (!flags.write && diff) io.out(`\n${diff}`);
  let code = !flags.write && changes.size > 0 ? 1 : 0;
  if (flags.verify) {
    if (result.topologies.length === 0) io.out('verify: no migrated topology to verify\n');
    else {
      const { verifyMigration, formatVerdicts } = await import('../transpiler/verify/index.ts');
      const verdicts = await verifyMigration({
        root,
        changes,
        topologies: result.topologies,
        lastPerKey: lastPerKeyOf(result),
      });
      io.out(`${formatVerdicts(verdicts)}\n`);
      if (verdicts.some((v) => v.status === 'different' || v.status === 'error')) code = 1;
    }
  }
  return code;
}

/** Where the report says order per key may differ (SS010): topology path → component id → key fields. */
export function lastPerKeyOf(result: MigrationResult): Map<string, Map<string, string[]>> {
  const out = new Map<string, Map<string, string[]>>();
  for (const file of result.report.files)
    for (const f of file.findings)
      if (f.lastPerKey) {
        const path = resolve(result.root, file.file);
        const byComponent = out.get(path) ?? new Map<string, string[]>();
        byComponent.set(f.construct, f.lastPerKey);
        out.set(path, byComponent);
      }
  return out;
}

function defaultIo() {
  return {
    out: (s: string) => void process.stdout.write(s),
    err: (s: string) => void process.stderr.write(s),
    tty: Boolean(process.stderr.isTTY),
  };
}
