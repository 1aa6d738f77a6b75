// Each variant runs in its own process from the TypeScript sources: register tsx (as cli/bin.js
// does) and hand over to the child entry.
import { register } from 'tsx/esm/api';

register();
await import('./variant.ts');
