import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // Integration tests start real hub processes and brokers on ephemeral
    // ports; two cores are all we have, so keep the fan-out small.
    maxWorkers: 2,
  },
});
