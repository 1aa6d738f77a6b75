// Worker threads start without a TypeScript loader; when stormshift runs from its .ts sources this
// shim registers tsx inside the worker before loading the real entry point.
import { register } from 'tsx/esm/api';

register();
await import('./worker-main.ts');
