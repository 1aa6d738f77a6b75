// `npm run build`: a clean dist/ from tsconfig.build.json, plus the non-TypeScript files the
// compiled code opens at run time.
import { execFileSync } from 'node:child_process';
import { cpSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const ASSETS = [
  'harness/kafka/mock-cluster.c',
  // Multilang adapters put on the subprocess's path (storm.py, storm.cjs).
  'compat/multilang/resources',
  // The console's web page and the shipped Prometheus/Grafana files.
  'console/static',
  'console/monitoring',
  // Side-process entries (they register the loader for user .ts modules, then load the compiled code).
  'cli/verify-child.mjs',
  'bench/topology-child.mjs',
  // The multilang workload's Python bolt.
  'bench/workloads/multilang',
];

rmSync(join(root, 'dist'), { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit', cwd: root });
for (const asset of ASSETS) {
  cpSync(join(root, asset), join(root, 'dist', asset), { recursive: true });
}
