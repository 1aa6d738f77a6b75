// Entry of a `migrate --verify` side process: registers the TypeScript loader (as cli/bin.js does)
// and hands over to verify-child.ts.
import { register } from 'tsx/esm/api';

register();
await import('./verify-child.ts');
