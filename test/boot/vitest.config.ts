// vitest config for `npm run test:boot`: the QEMU boot tests (slow: builds a node image on first run,
// then boots it; stock.test.ts builds a second, stock-like image without Node). One file at a time, no parallelism (2 cores shared), long timeouts.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: new URL('../..', import.meta.url).pathname,
    include: ['test/boot/**/*.test.ts'],
    testTimeout: 30 * 60_000,
    hookTimeout: 40 * 60_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
