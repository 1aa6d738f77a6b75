/** Finding and loading the module `stormshift run` was pointed at. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { importJobModule } from '../runtime/index.ts';
import { CliError, EXIT, describeLoadError } from './errors.ts';

const MODULE = /\.(?:[cm]?[jt]s)$/;
const NOT_A_JOB = /\.(?:d\.[cm]?ts|test\.[cm]?[jt]s|spec\.[cm]?[jt]s)$/;
/** What a job or topology module has, read from the text so that finding one imports nothing. */
const JOB_MARKS =
  /export\s+default\b|export\s+(?:async\s+)?function\s+main\b|\.submitTopology(?:WithProgressBar)?\s*\(/;

/**
 * The module to run for `path`: the file itself, or a folder's single job/topology module.
 * Throws a CliError (exit 3) for a missing path, or a folder with none or several candidates.
 */
export function resolveJobFile(path: string): string {
  let stats: ReturnType<typeof statSync>;
  try {
    stats = statSync(path);
  } catch {
    throw new CliError(`${path}: no such file`, EXIT.noFile);
  }
  if (!stats.isDirectory()) return path;
  const candidates = readdirSync(path)
    .filter((name) => MODULE.test(name) && !NOT_A_JOB.test(name))
    .map((name) => join(path, name))
    .filter((file) => statSync(file).isFile() && JOB_MARKS.test(readFileSync(file, 'utf8')))
    .sort();
  if (candidates.length === 1) return candidates[0]!;
  const shown = (file: string): string => relative(process.cwd(), file) || file;
  if (candidates.length === 0) {
    throw new CliError(
      `${path} is a folder with no job or topology module (none has an export default, main() or submitTopology)`,
      EXIT.noFile,
    );
  }
  throw new CliError(
    `${path} is a folder with ${candidates.length} job modules; name one: ${candidates.map(shown).join(', ')}`,
    EXIT.noFile,
  );
}

/** Imports the job module; a failure becomes one `file:line:col: message` line (exit 4). */
export async function loadUserModule(file: string): Promise<Record<string, unknown>> {
  try {
    return await importJobModule(file);
  } catch (error) {
    throw new CliError(describeLoadError(file, error), EXIT.loadError);
  }
}
