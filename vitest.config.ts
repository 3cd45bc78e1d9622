import { defineConfig } from 'vitest/config';

/** The whole-cluster acceptance runs of replace and upgrade: `npm run test:rollouts` (test/operator/rollouts.vitest.config.ts). */
export const ROLLOUTS = ['test/operator/replace.integration.test.ts', 'test/operator/upgrade.integration.test.ts'];

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'generators/**/*.test.ts', 'images/**/*.test.ts', 'test/**/*.test.ts'],
    // test:boot, test:sea and test:rollouts run these; .ci/run runs all four.
    exclude: ['test/boot/**', 'test/sea/**', ...ROLLOUTS, 'node_modules/**'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
