#!/usr/bin/env node
// The published entry point. It runs the compiled CLI (dist/cli/main.js); the TypeScript loader is
// registered later, and only to load a user's .ts job module.
//
// In a source checkout it runs cli/main.ts through tsx instead when the compiled copy would not be
// the code under test or would mix two copies of stormshift in one process: under vitest (children
// inherit VITEST), with STORMSHIFT_FROM_SOURCE=1, before the first build, or when an argument is a
// file of this checkout (the samples import ../../runtime/index.ts, not dist/).
import { existsSync } from 'node:fs';
import { dirname, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const sources = resolve(root, 'cli', 'main.ts');
const compiled = resolve(root, 'dist', 'cli', 'main.js');

function checkoutFile(arg) {
  if (arg.startsWith('-')) return false;
  const path = resolve(arg);
  const inside = relative(root, path);
  if (inside.startsWith('..') || inside === '' || /^(dist|node_modules)([\\/]|$)/.test(inside)) return false;
  return inside.split(sep)[0] !== '.stormshift' && existsSync(path);
}

const fromSource =
  existsSync(sources) &&
  (Boolean(process.env.VITEST) ||
    process.env.STORMSHIFT_FROM_SOURCE === '1' ||
    !existsSync(compiled) ||
    process.argv.slice(3).some(checkoutFile));

if (fromSource) {
  const [{ register }, cjs] = await Promise.all([import('tsx/esm/api'), import('tsx/cjs/api')]);
  register();
  cjs.register();
  await import('./main.ts');
} else {
  await import('../dist/cli/main.js');
}
