import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // the machine has two cores; socket tests are I/O bound
    pool: 'forks',
    reporters: ['default', './test/helpers/summary-reporter.ts'],
  },
});
