// Builds kgen's programs with esbuild:
//   build/kgen.mjs       the CLI (bin/kgen.mjs runs it)
//   build/kgen-boot.mjs  the first-boot program: one file, Node's standard library only
//   build/bench.mjs      `npm run bench`
//   build/test/<name>.mjs every test/**/<name>-main.ts (test control plane programs that the test
//                        kubelet starts as processes)
// Output is deterministic (no timestamps, no absolute paths) so the boot bundle's sha256 is stable.
import { build } from 'esbuild';
import { readdirSync, statSync, existsSync } from 'node:fs';
import { join, relative, basename } from 'node:path';
import { fileURLToPath } from 'node:url';

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

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  legalComments: 'none',
  logLevel: 'warning',
  // CommonJS dependencies bundled into ESM still call require() for Node built-ins.
  banner: { js: "import { createRequire as __kgenCreateRequire } from 'node:module'; const require = __kgenCreateRequire(import.meta.url);" },
};

const jobs = [
  build({ ...common, entryPoints: ['src/cli/bin.ts'], outfile: 'build/kgen.mjs', external: ['esbuild'] }),
  build({
    ...common,
    entryPoints: ['src/boot/main.ts'],
    outfile: 'build/kgen-boot.mjs',
    minify: true,
    banner: { js: '#!/usr/bin/env node\n' + common.banner.js },
  }),
];
if (existsSync('bench/bench.ts')) {
  jobs.push(build({ ...common, entryPoints: ['bench/bench.ts'], outfile: 'build/bench.mjs', external: ['esbuild'] }));
}
for (const entry of findMains('test')) {
  const out = join('build/test', basename(entry).replace(/-main\.ts$/, '.mjs'));
  jobs.push(build({ ...common, entryPoints: [entry], outfile: out }));
}
await Promise.all(jobs);
console.log(`built ${jobs.length} programs into ${relative(process.cwd(), join(root, 'build'))}/`);
