import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Two cores: crash/integration suites spawn processes, so keep file parallelism modest.
    maxWorkers: 2,
    minWorkers: 1,
  },
});
