// Builds kgen's programs with esbuild:
//   build/kgen.mjs       the CLI (bin/kgen.mjs runs it)
//   build/kgen-boot.mjs  the first-boot program: one file, Node's standard library only (boot-program.mjs)
//   build/bench.mjs      `npm run bench`
// The test programs (test/**/<name>-main.ts -> build/test/<name>.mjs) are built by the tests themselves
// (test/global-setup.ts) and by the bench, not on every `npm ci`.
// Output is deterministic (no timestamps, no absolute paths) so the boot bundle's sha256 is stable.
import { build } from 'esbuild';
import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import options from './esbuild-options.json' with { type: 'json' };
import { buildBootProgram } from './boot-program.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
process.chdir(root);

const common = options.node;

const jobs = [
  build({ ...common, entryPoints: ['src/cli/bin.ts'], outfile: 'build/kgen.mjs', external: ['esbuild'] }),
  buildBootProgram('src/boot/main.ts', 'build/kgen-boot.mjs'),
];
if (existsSync('test/bench/bench.ts')) {
  jobs.push(build({ ...common, entryPoints: ['test/bench/bench.ts'], outfile: 'build/bench.mjs', external: ['esbuild'] }));
}
await Promise.all(jobs);
console.log(`built ${jobs.length} programs into ${relative(process.cwd(), join(root, 'build'))}/`);
