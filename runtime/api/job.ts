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
export function defineJob(
  nameOrBuild: string | JobDefinition['build'],
  maybeBuild?: JobDefinition['build'],
): JobDefinition {
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
  const module = await importJobModule(modulePath);
  const exported = module.default;
  if (isJobDefinition(exported)) return exported;
  if (typeof exported === 'function') return defineJob(exported as JobDefinition['build']);
  throw new TypeError(
    `${modulePath} does not default-export a job: use \`export default defineJob((env, args) => { ... })\``,
  );
}

let typeScriptLoader: Promise<void> | undefined;

/**
 * Imports a user's job module by path or file: URL. Compiled stormshift (dist/) has no TypeScript
 * loader, so for a .ts job it registers tsx first, once per thread (worker threads do not inherit
 * loader hooks). From the .ts sources a loader is already active.
 */
export async function importJobModule(modulePath: string): Promise<Record<string, unknown>> {
  const { pathToFileURL } = await import('node:url');
  const { resolve } = await import('node:path');
  const url = modulePath.startsWith('file:') ? modulePath : pathToFileURL(resolve(modulePath)).href;
  if (/\.[cm]?tsx?$/.test(new URL(url).pathname) && !import.meta.url.endsWith('.ts')) {
    // Both hooks: a .ts file in a package without "type": "module" goes through the CommonJS loader.
    typeScriptLoader ??= Promise.all([import('tsx/esm/api'), import('tsx/cjs/api')]).then(([esm, cjs]) => {
      esm.register();
      cjs.register();
    });
    await typeScriptLoader;
  }
  const module = (await import(url)) as Record<string, unknown>;
  // A CommonJS-compiled ES module arrives as { default: module.exports }.
  const inner = module.default as Record<string, unknown> | undefined;
  return inner !== null && typeof inner === 'object' && inner.__esModule === true ? inner : module;
}
