import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/setup/global.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
    // Browser tests poll the page for what the API answered: 1 s (the default) is short on a busy 2-core machine.
    expect: { poll: { timeout: 15_000, interval: 100 } },
  },
});
