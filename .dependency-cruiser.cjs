/**
 * Layer rules (docs/DESIGN.md, "Layers and the direction of imports"), checked in CI by
 * `npm run depcruise`. Each folder's index.ts is its public face.
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'runtime-not-compat',
      comment: 'The runtime knows nothing of Storm: compat builds on it, never the reverse.',
      severity: 'error',
      from: { path: '^runtime/' },
      to: { path: '^compat/' },
    },
    {
      name: 'compat-uses-runtime-public-face',
      comment: 'compat imports the runtime through runtime/index.ts only (add what it needs there).',
      severity: 'error',
      from: { path: '^compat/' },
      to: { path: '^runtime/', pathNot: '^runtime/index\\.ts$' },
    },
    {
      name: 'transpiler-no-internals',
      comment: 'The transpiler reads and writes source text; at most it uses the public faces.',
      severity: 'error',
      from: { path: '^transpiler/' },
      to: { path: '^(runtime|compat)/', pathNot: '^(runtime|compat)/index\\.ts$' },
    },
    {
      name: 'console-uses-public-faces',
      comment:
        'The console reads status and metrics through the public faces of runtime and compat, never their internals.',
      severity: 'error',
      from: { path: '^console/' },
      to: { path: '^(runtime|compat)/', pathNot: '^(runtime|compat)/index\\.ts$' },
    },
    {
      name: 'cli-uses-public-faces',
      comment:
        'The command is a user of the library like any other: it reaches runtime, compat, console and transpiler ' +
        'through their index.ts. Documented sub-entries of the transpiler, loaded lazily by `migrate`: ' +
        'report/index.ts (Markdown summary), verify/index.ts (differential runs) and verify/protocol.ts (the ' +
        "messages verify's parent process and its child, cli/verify-child.ts, exchange).",
      severity: 'error',
      from: { path: '^cli/' },
      to: {
        path: '^(runtime|compat|console|transpiler)/',
        pathNot:
          '^(runtime|compat|console|transpiler)/index\\.ts$|^transpiler/(report/index|verify/index|verify/protocol)\\.ts$',
      },
    },
    {
      name: 'shipped-code-not-test',
      comment: 'bench, samples and everything shipped never import test/ (shared test services live in harness/).',
      severity: 'error',
      from: { path: '^(runtime|compat|transpiler|console|cli|bench|samples|harness)/' },
      to: { path: '^test/' },
    },
    {
      name: 'not-to-unresolvable',
      comment:
        "An import that does not resolve fails at run time. Multilang resources are the exception: their require('./storm') " +
        "resolves to stormshift's storm.js adapter through a preload when the subprocess runs.",
      severity: 'error',
      from: { pathNot: '^test/compat/multilang/resources/' },
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(dist|node_modules)/|^test/fixtures/.*/out/|^test/transpiler/fixtures/' },
    // Type-only imports count for the layer rules: `runtime` may not even name a compat type.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
    },
  },
};
