// Builds kgen's programs with esbuild:
//   build/kgen.mjs       the CLI (bin/kgen.mjs runs it)
//   build/kgen-boot.mjs  the first-boot program: one file, Node's standard library only (boot-program.mjs)
//   build/bench.mjs      `npm run bench`
//   build/test/<name>.mjs every test/**/<name>-main.ts (test control plane programs that the test
//                        kubelet starts as processes)
// Output is deterministic (no timestamps, no absolute paths) so the boot bundle's sha256 is stable.
import { build } from 'esbuild';
import { readdirSync, statSync, existsSync } from 'node:fs';
import { join, relative, basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import options from './esbuild-options.json' with { type: 'json' };
import { buildBootProgram } from './boot-program.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
process.chdir(root);

function findMains(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return findMains(path);
    return name.endsWith('-main.ts') ? [path] : [];
  });
}

const common = options.node;

const jobs = [
  build({ ...common, entryPoints: ['src/cli/bin.ts'], outfile: 'build/kgen.mjs', external: ['esbuild'] }),
  buildBootProgram('src/boot/main.ts', 'build/kgen-boot.mjs'),
];
if (existsSync('test/bench/bench.ts')) {
  jobs.push(build({ ...common, entryPoints: ['test/bench/bench.ts'], outfile: 'build/bench.mjs', external: ['esbuild'] }));
}
for (const entry of findMains('test')) {
  const out = join('build/test', basename(entry).replace(/-main\.ts$/, '.mjs'));
  jobs.push(build({ ...common, entryPoints: [entry], outfile: out }));
}
await Promise.all(jobs);
console.log(`built ${jobs.length} programs into ${relative(process.cwd(), join(root, 'build'))}/`);
