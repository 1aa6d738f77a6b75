import type { StreamEnvironment } from './environment.ts';

/**
 * A job module's default export. The CLI creates the environment (with its flags applied) and
 * calls `build`; keeping the graph construction in a function is also what lets worker threads
 * rebuild the same graph.
 */
export interface JobDefinition {
  readonly kind: 'stormshift.job';
  readonly name: string | undefined;
  build(env: StreamEnvironment, args: string[]): void | Promise<void>;
}

export function defineJob(build: JobDefinition['build']): JobDefinition;
export function defineJob(name: string, build: JobDefinition['build']): JobDefinition;
export function defineJob(nameOrBuild: string | JobDefinition['build'], maybeBuild?: JobDefinition['build']): JobDefinition {
  const build = typeof nameOrBuild === 'function' ? nameOrBuild : maybeBuild!;
  const name = typeof nameOrBuild === 'string' ? nameOrBuild : undefined;
  if (typeof build !== 'function') throw new TypeError('defineJob needs a build function (env, args) => void');
  return { kind: 'stormshift.job', name, build };
}

export function isJobDefinition(value: unknown): value is JobDefinition {
  return typeof value === 'object' && value !== null && (value as JobDefinition).kind === 'stormshift.job';
}

/**
 * Loads a job module: its default export is a `defineJob(...)` or a plain `(env, args) => void`.
 * Used by the CLI and by worker threads, which rebuild the same graph from the same module.
 */
export async function loadJobModule(modulePath: string): Promise<JobDefinition> {
  const { pathToFileURL } = await import('node:url');
  const { resolve } = await import('node:path');
  const url = modulePath.startsWith('file:') ? modulePath : pathToFileURL(resolve(modulePath)).href;
  const module = (await import(url)) as { default?: unknown };
  const exported = module.default;
  if (isJobDefinition(exported)) return exported;
  if (typeof exported === 'function') return defineJob(exported as JobDefinition['build']);
  throw new TypeError(`${modulePath} does not default-export a job: use \`export default defineJob((env, args) => { ... })\``);
}
