#!/usr/bin/env node
// The published entry point: registers the TypeScript loader (job modules and stormshift itself
// are TypeScript) and hands over to the CLI.
import { register } from 'tsx/esm/api';

register();
await import('./main.ts');
