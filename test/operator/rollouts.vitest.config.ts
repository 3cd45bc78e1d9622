// vitest config for `npm run test:rollouts`: the issue-sized acceptance runs of the operator's rolling changes
// on whole clusters (replace on 3 control-plane nodes + 2 workers, upgrade apply on 3 + 3, each with nodes
// killed and wiped along the way). About 7 minutes on two cores, so they run beside `npm test` (in .ci/run)
// rather than in it, which keeps the default run under 20 minutes. One file at a time: each cluster wants
// both cores.
import { defineConfig } from 'vitest/config';
import base, { ROLLOUTS } from '../../vitest.config.js';

export default defineConfig({
  test: {
    ...base.test,
    root: new URL('../..', import.meta.url).pathname,
    include: ROLLOUTS,
    exclude: ['node_modules/**'],
    fileParallelism: false,
  },
});
