import { afterEach } from 'vitest';
import type { LocalCluster } from '../../compat/index.ts';

/**
 * Shuts the file's current LocalCluster down after each test and forgets it, so a failing test
 * leaves no topology running into the next one:
 * `let cluster: LocalCluster | undefined; shutDownAfterEach(() => cluster, () => (cluster = undefined));`
 */
export function shutDownAfterEach(current: () => LocalCluster | undefined, forget: () => void): void {
  afterEach(async () => {
    await current()?.shutdown();
    forget();
  });
}
