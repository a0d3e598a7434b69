import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    // Integration files each start their own containers: two at a time suits a 2-core machine.
    maxWorkers: 2,
    // Bounds for a hang, not for speed: a cold `up` takes about 15 s on a quiet machine and must still
    // pass on one five times slower and busy (every wait inside the tests is a bounded poll).
    testTimeout: 600_000,
    hookTimeout: 600_000,
    teardownTimeout: 180_000,
  },
});
