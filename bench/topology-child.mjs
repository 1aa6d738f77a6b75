// Entry of a `stormshift bench --topology` variant process: registers the TypeScript loader (as
// cli/bin.js does) and hands over to topology-variant.ts.
import { existsSync } from 'node:fs';
import { register } from 'tsx/esm/api';

register();
// Compiled beside this file in dist/; the TypeScript source in a checkout.
const compiled = new URL('./topology-variant.js', import.meta.url);
await import(existsSync(compiled) ? compiled.href : './topology-variant.ts');
