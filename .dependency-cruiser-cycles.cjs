/**
 * Folder-level cycles, over the imports that exist at run time (type-only imports vanish under
 * verbatimModuleSyntax and fix no load order). Run by `npm run depcruise` after the layer rules.
 */
const base = require('./.dependency-cruiser.cjs');

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-folder-cycles',
      comment: 'Folders form a hierarchy: two folders that import each other are one concept or need a third.',
      severity: 'error',
      scope: 'folder',
      from: { path: '^(compat|cli|bench|samples|harness|transpiler|runtime/connectors/[^/]+)/' },
      to: { circular: true },
    },
    {
      // Known debt, left on purpose (checked 2026-12-07): runtime/api holds both the contracts that
      // operators/ and execution/ build on (api/operator.ts StreamOperator, api/functions.ts
      // NO_TIMESTAMP, api/windows.ts assignWindows, api/config.ts defaultLogger) and the builders that
      // create operators and runners (data-stream.ts, environment.ts, run-overrides.ts). Moving the
      // contracts one folder down removes api<->operators, but rewrites the imports of every operator
      // and of execution/subtask.ts and record-codec.ts, the hot-path files the perf and faults branches
      // edit in parallel. api<->execution would stay anyway: execution/worker-main.ts rebuilds the job
      // in a worker thread through StreamEnvironment and loadJobModule, so the worker entry needs a
      // folder of its own above both. Do both moves in one rename once those branches have merged.
      name: 'runtime-folder-cycles',
      severity: 'warn',
      scope: 'folder',
      from: { path: '^runtime/' },
      to: { circular: true },
    },
  ],
  options: { ...base.options, tsPreCompilationDeps: false },
};
