import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // PGlite takes much memory: keep the number of concurrent test files modest on a 2-core machine.
    maxWorkers: 3,
    reporters: ['default'],
  },
});
