import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Deadlines for a busy machine (CI beside other work, or two CPU burners):
    // a hub started with tsx can take 10 s to be ready under load. Tests wait
    // on conditions with their own deadlines; these only stop a hung test.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Integration tests start real hub processes and brokers on ephemeral
    // ports; two cores are all we have, so keep the fan-out small.
    maxWorkers: 2,
  },
});
