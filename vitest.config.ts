import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['spec/**/*.spec.ts'],
    // Specs start real servers (memcached, misp-sim, the agent, the JVM): generous timeouts,
    // and files in parallel only up to the machine's two cores.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    maxWorkers: 2,
    globalSetup: ['spec/support/global-build.ts'],
    reporters: ['default'],
  },
});
