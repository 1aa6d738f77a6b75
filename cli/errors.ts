/**
 * What the CLI prints when it cannot do what was asked: one line, no stack trace (set
 * STORMSHIFT_DEBUG=1 to see it), and an exit code a script can test. The codes are documented in
 * `stormshift run --help` and the README.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const EXIT = {
  /** The job ran and stopped (end of input, TTL, Ctrl-C). */
  ok: 0,
  /** The job failed while running, or an unexpected error. */
  failed: 1,
  /** Bad command line: unknown option, bad option value, missing argument. */
  usage: 2,
  /** The job file does not exist, or is a folder without exactly one job module. */
  noFile: 3,
  /** The job module does not load: syntax error, failed import, exception at top level. */
  loadError: 4,
  /** The module loads but exports no job or topology and submits none. */
  noJob: 5,
} as const;

export const EXIT_CODES_HELP = `
Exit codes:
  0  the job ran and stopped (end of input, --ttl, Ctrl-C)
  1  the job failed while running
  2  bad command line
  3  no such file, or a folder without exactly one job module
  4  the job module does not load (syntax error, failed import, exception at top level)
  5  the module exports no job or topology`;

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** The package's version, from the package.json next to the sources (cli/) or the build (dist/cli/). */
export function packageVersion(): string {
  const up = import.meta.url.endsWith('.ts') ? '../package.json' : '../../package.json';
  return (JSON.parse(readFileSync(new URL(up, import.meta.url), 'utf8')) as { version: string }).version;
}

/** The last word on any error that reached the top: one line on stderr and the exit code. */
export function reportFatal(error: unknown): void {
  const cli = error instanceof CliError;
  const message = cli ? error.message : `${(error as Error)?.message ?? String(error)}`;
  process.stderr.write(`stormshift: ${message}\n`);
  if (process.env.STORMSHIFT_DEBUG === '1' && error instanceof Error && error.stack)
    process.stderr.write(`${error.stack}\n`);
  process.exitCode = cli ? error.exitCode : EXIT.failed;
}

const shown = (path: string): string => {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith('..') ? rel : path;
};

/**
 * Why a job module did not load, as `file:line:col: message` where the error carries a location:
 * esbuild (tsx) transform errors, Node's SyntaxError, and exceptions thrown at top level.
 */
export function describeLoadError(file: string, error: unknown): string {
  const err = error as Error & {
    code?: string;
    errors?: Array<{ text: string; location?: { file: string; line: number; column: number } }>;
  };
  // esbuild's TransformError: structured errors with locations (column is 0-based).
  if (Array.isArray(err?.errors) && err.errors.length > 0) {
    const first = err.errors[0]!;
    const where = first.location
      ? `${shown(first.location.file)}:${first.location.line}:${first.location.column + 1}: `
      : '';
    const more = err.errors.length > 1 ? ` (and ${err.errors.length - 1} more)` : '';
    return `${where}${first.text}${more}`;
  }
  const message = err?.message ?? String(error);
  const esbuild = /^(.+?):(\d+):(\d+): ERROR: (.*)$/m.exec(message);
  // esbuild's text form counts columns from 0; editors and Node count from 1.
  if (esbuild) return `${shown(esbuild[1]!)}:${esbuild[2]}:${Number(esbuild[3]) + 1}: ${esbuild[4]}`;
  if (err?.code === 'ERR_MODULE_NOT_FOUND' || err?.code === 'MODULE_NOT_FOUND') {
    return `${shown(file)}: ${message.split('\n')[0]!.replace(/file:\/\/\S+/g, (url) => shown(fileURLToPath(url)))}`;
  }
  const name = err instanceof Error ? err.name : 'Error';
  // Node keeps an ES module's SyntaxError location out of the error; `node --check` prints it as
  // "path:LINE", the source line, and a caret under the column.
  const checked =
    name === 'SyntaxError' ? spawnSync(process.execPath, ['--check', file], { encoding: 'utf8' }).stderr : '';
  const nodeSyntax = /^(file:\/\/\S+|\/\S+):(\d+)\n(.*)\n( *)\^/m.exec(checked);
  if (nodeSyntax) {
    const path = nodeSyntax[1]!.startsWith('file:') ? fileURLToPath(nodeSyntax[1]!) : nodeSyntax[1]!;
    return `${shown(path)}:${nodeSyntax[2]}:${nodeSyntax[4]!.length + 1}: ${name}: ${message}`;
  }
  // A throw at top level: the first stack frame in a file other than node internals and stormshift.
  const frame = (err?.stack ?? '')
    .split('\n')
    .map((line) => /(?:^at |\()((?:file:\/\/)?\/[^():]+):(\d+):(\d+)\)?$/.exec(line.trim()))
    .find((m) => m !== null && !m[1]!.includes('/node_modules/'));
  if (frame) {
    const path = frame[1]!.startsWith('file:') ? fileURLToPath(frame[1]!) : frame[1]!;
    return `${shown(path)}:${frame[2]}:${frame[3]}: ${name}: ${message}`;
  }
  return `${shown(file)}: ${name}: ${message}`;
}
