// Builds kgen-boot as self-contained executables, one per architecture, that need nothing on the node (no
// Node.js, no node_modules): `npm run build:sea`.
//
//   build/kgen-boot-linux-amd64, build/kgen-boot-linux-arm64   Node's official binary with kgen-boot inside
//   build/kgen-boot.sha256                                      sha256sum lines for both
//
// Mechanism: Node's single executable applications (https://nodejs.org/api/single-executable-applications.html).
// kgen-boot is built as CommonJS (Node 20 runs only a CommonJS main script; scripts/boot-program.mjs), turned
// into a preparation blob by `node --experimental-sea-config`, and injected with postject (the tool Node's
// documentation names) into each architecture's pinned official Node binary (scripts/node-dist.mjs).
//
// Reproducible: the same sources and pinned binaries give the same bytes. The blob is made by the pinned
// Node binary of the build host's architecture (never the host's own `node`, whose version may differ),
// from a relative path in a scratch directory (the blob records the main script's path). Code cache and
// startup snapshot stay off: both are V8 data for the architecture that produced them, so the blob could
// not be shared by both executables, and the arm64 one would need the arm64 binary to produce them.
//
// Usage: node scripts/build-sea.mjs [--out DIR] [--cache DIR]
//   --out    where the files go (default build/; tests build a second copy elsewhere to check reproducibility)
//   --cache  where the Node tarballs are kept between builds (default the image recipe's package cache,
//            ~/.cache/kgen/debootstrap, so both fetch the amd64 one once)
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { inject } from 'postject';
import { buildBootProgram } from './boot-program.mjs';
import { NODE_DISTS, extractNodeBinary, nodeTarball } from './node-dist.mjs';

const run = promisify(execFile);
const root = fileURLToPath(new URL('..', import.meta.url));

/** The resource name and fuse Node's SEA documentation gives for postject (the fuse marks an executable as one). */
const SEA_RESOURCE = 'NODE_SEA_BLOB';
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';
const MAIN = 'kgen-boot.cjs';
const BLOB = 'kgen-boot.blob';

const HOST_ARCH = { x64: 'amd64', arm64: 'arm64' }[process.arch];

const executableName = (arch) => `kgen-boot-linux-${arch}`;

const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

/** LIEF (inside postject) warns about the unnamed note sections of Node's official ELF builds; harmless. */
async function injectQuietly(binary, blob) {
  const warn = console.warn;
  console.warn = (...args) => {
    if (!String(args[0]).startsWith("warning: Can't find string offset for section name")) warn(...args);
  };
  try {
    await inject(binary, SEA_RESOURCE, blob, { sentinelFuse: SEA_FUSE });
  } finally {
    console.warn = warn;
  }
}

/** Builds both executables and the sha256 file into `out`; returns { arch: sha256 }. */
async function buildExecutables(out, cacheDir) {
  if (!HOST_ARCH) throw new Error(`cannot build kgen-boot executables on a ${process.arch} host: the blob needs a Node binary that runs here (amd64 or arm64)`);
  await mkdir(out, { recursive: true });
  const scratch = await mkdtemp(join(out, '.sea-'));
  try {
    await buildBootProgram(join(root, 'src/boot/main.ts'), join(scratch, MAIN), { format: 'cjs' });
    const binaries = {};
    for (const arch of Object.keys(NODE_DISTS)) binaries[arch] = await extractNodeBinary(await nodeTarball(cacheDir, arch), join(scratch, arch));

    // The blob first, while the host's binary is still plain Node.
    const config = { main: MAIN, output: BLOB, disableExperimentalSEAWarning: true, useSnapshot: false, useCodeCache: false };
    await writeFile(join(scratch, 'sea-config.json'), JSON.stringify(config));
    await run(binaries[HOST_ARCH], ['--experimental-sea-config', 'sea-config.json'], { cwd: scratch });
    const blob = await readFile(join(scratch, BLOB));

    const digests = {};
    for (const [arch, binary] of Object.entries(binaries)) {
      await injectQuietly(binary, blob);
      digests[arch] = sha256(await readFile(binary));
      await rename(binary, join(out, executableName(arch)));
    }
    const sums = Object.entries(digests).map(([arch, digest]) => `${digest}  ${executableName(arch)}\n`).join('');
    await writeFile(join(scratch, 'sha256'), sums);
    await rename(join(scratch, 'sha256'), join(out, 'kgen-boot.sha256'));
    return digests;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

const { values } = parseArgs({
  options: {
    out: { type: 'string', default: join(root, 'build') },
    cache: { type: 'string', default: join(homedir(), '.cache/kgen/debootstrap') },
  },
});
const started = Date.now();
const out = resolve(values.out);
const digests = await buildExecutables(out, resolve(values.cache));
for (const [arch, digest] of Object.entries(digests)) console.log(`${digest}  ${join(out, executableName(arch))}`);
console.log(`built ${Object.keys(digests).length} kgen-boot executables in ${((Date.now() - started) / 1000).toFixed(1)} s`);
