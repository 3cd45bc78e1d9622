// The kgen-boot program as it travels to nodes: the esbuild bundle built by scripts/build.mjs
// (build/kgen-boot.mjs), its sha256 (pinned in user-data for delivery url), and the gzip+base64 form
// embedded in user-data (cloud-init write_files encoding gz+b64). Gzip output is deterministic
// (zlib writes mtime 0), so the rendered user-data is byte-stable.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

export interface BootBundle {
  /** The program itself. */
  bytes: Buffer;
  /** Hex sha256 of `bytes`. */
  sha256: string;
  /** gzip (level 9) then base64 of `bytes`, for write_files encoding gz+b64. */
  gzipBase64: string;
}

export function bootBundleFrom(bytes: Buffer): BootBundle {
  return {
    bytes,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    gzipBase64: gzipSync(bytes, { level: 9 }).toString('base64'),
  };
}

/** Finds build/kgen-boot.mjs by walking up from this module to the package root. */
function defaultBootBundlePath(from: string = fileURLToPath(import.meta.url)): string {
  let dir = dirname(from);
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return join(dir, 'build', 'kgen-boot.mjs');
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`cannot find kgen's package root above ${from}`);
    dir = parent;
  }
}

export function loadBootBundle(path: string = defaultBootBundlePath()): BootBundle {
  if (!existsSync(path)) {
    throw new Error(`the boot program ${path} is missing; run \`npm run build\` in the kgen checkout to build it`);
  }
  return bootBundleFrom(readFileSync(path));
}
