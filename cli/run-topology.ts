import type { RunOptions } from './run-job.ts';

/** Runs a Storm topology module through the compat layer (filled in by the compat integration). */
export async function runTopologyModule(file: string, _module: unknown, _args: string[], _options: RunOptions): Promise<number> {
  process.stderr.write(`stormshift run: ${file} does not default-export a job (export default defineJob(...))\n`);
  return 2;
}
