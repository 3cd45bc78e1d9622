// vitest config for `npm run test:sea`: the self-contained kgen-boot executables (scripts/build-sea.mjs).
// Not in the default `npm test`: the reproducibility check builds both executables a second time (about a
// minute with the Node tarballs cached, more on a loaded machine) and the arm64 one runs under qemu-user.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: new URL('../..', import.meta.url).pathname,
    include: ['test/sea/**/*.test.ts'],
    testTimeout: 10 * 60_000,
    hookTimeout: 10 * 60_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
