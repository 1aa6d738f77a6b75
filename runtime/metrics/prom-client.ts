import { lazyRequire } from '../lazy-require.ts';

/**
 * prom-client, loaded when a registry is first needed (a scrape, a push, a connector's own
 * metric). Worker threads keep their counters in plain fields and report them to the main
 * thread, so they never load it.
 */
export const promClient = lazyRequire<typeof import('prom-client')>('prom-client');
