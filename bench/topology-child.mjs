// Entry of a `stormshift bench --topology` variant process: registers the TypeScript loader (as
// cli/bin.js does) and hands over to topology-variant.ts.
import { register } from 'tsx/esm/api';

register();
await import('./topology-variant.ts');
