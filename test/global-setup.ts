// vitest globalSetup: builds every test program (test/**/<name>-main.ts -> build/test/<name>.mjs) once
// before the tests run, so `npm ci` and scripts/build.mjs build only what ships (kgen, kgen-boot) and the bench.
import { buildClusterPrograms, testProgramSources } from './cluster/build-programs.js';

export default async function setup(): Promise<void> {
  await buildClusterPrograms(testProgramSources());
}
