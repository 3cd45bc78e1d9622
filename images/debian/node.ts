// The Node.js runtime baked into the image as /usr/local/bin/node (ahead of /usr/bin in every PATH, so
// kgen-boot's `#!/usr/bin/env node` finds it).
//
// Why not Debian's nodejs: bookworm ships Node 18.20. kgen-boot is an ES module bundle (esbuild, format
// esm, target node20) installed without an extension at ClusterSpec.boot.path (/usr/local/bin/kgen-boot).
// Node 18 treats an extensionless file outside a "type": "module" package as CommonJS and stops with
// "SyntaxError: Cannot use import statement outside a module" (seen in the boot test's serial log);
// Node >= 20.19 detects ES module syntax and runs it. kgen's own engines field asks for >= 20.18.1 too.
//
// Where it comes from: the official Linux x64 build as the npm registry ships it, pinned and verified in
// scripts/node-dist.mjs (shared with the self-contained kgen-boot executables), cached in the recipe's
// package cache. Not the build host's own node binary: that would make the image depend on whatever
// machine built it.
import { join } from 'node:path';
import { NODE_DISTS, NODE_VERSION, extractNodeBinary, nodeTarball as fetchNodeTarball } from '../../scripts/node-dist.mjs';

export { NODE_VERSION };
export const NODE_INTEGRITY = NODE_DISTS.amd64.integrity;
export const NODE_PATH = '/usr/local/bin/node';

/** The verified amd64 tarball in `cacheDir`, downloaded with `npm pack` when missing. */
export function nodeTarball(cacheDir: string): Promise<string> {
  return fetchNodeTarball(cacheDir, 'amd64');
}

/** Extracts bin/node from the tarball into the image as /usr/local/bin/node. */
export async function installNode(rootfs: string, tarball: string): Promise<void> {
  await extractNodeBinary(tarball, join(rootfs, 'usr/local/bin'));
}
