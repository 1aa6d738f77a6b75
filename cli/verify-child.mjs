// Entry of a `migrate --verify` side process: registers the TypeScript loader (as cli/bin.js does)
// and hands over to verify-child.ts.
import { existsSync } from 'node:fs';
import { register } from 'tsx/esm/api';

register();
// Compiled beside this file in dist/; the TypeScript source in a checkout.
const compiled = new URL('./verify-child.js', import.meta.url);
await import(existsSync(compiled) ? compiled.href : './verify-child.ts');
