// The kgen-boot program as it travels to nodes, in its two forms (docs/kgen-boot.md):
//   - the JavaScript module built by scripts/build.mjs (build/kgen-boot.mjs), embedded in user-data for
//     delivery embed (cloud-init write_files encoding gz+b64). Gzip output is deterministic (zlib writes
//     mtime 0), so the rendered user-data is byte-stable;
//   - the self-contained executables built by scripts/build-sea.mjs (build/kgen-boot-linux-<arch>), which
//     nodes download for delivery url, each pinned by its sha256 in user-data.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { Arch } from '../src/inventory/types.js';
import { InvalidInputError } from '../src/errors.js';

/** One file of the boot program, under the name render publishes it as (DIR/boot/<name>). */
export interface BootFile {
  name: string;
  /** The program itself. */
  bytes: Buffer;
  /** Hex sha256 of `bytes`. */
  sha256: string;
}

/** The JavaScript module, with the form user-data embeds. */
export interface BootBundle extends BootFile {
  /** gzip (level 9) then base64 of `bytes`, for write_files encoding gz+b64. */
  gzipBase64: string;
}

/** The output tree's directory for the boot program (DIR/boot/), and its sha256sum file there. */
export const BOOT_DIR = 'boot';
export const BOOT_SHA256SUMS = 'kgen-boot.sha256';

export const BOOT_MODULE_NAME = 'kgen-boot.mjs';

/** The executable's file name, as scripts/build-sea.mjs writes it and nodes download it. */
export const bootExecutableName = (arch: Arch): string => `kgen-boot-linux-${arch}`;

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

export function bootBundleFrom(bytes: Buffer): BootBundle {
  return { name: BOOT_MODULE_NAME, bytes, sha256: sha256(bytes), gzipBase64: gzipSync(bytes, { level: 9 }).toString('base64') };
}

/** build/ in kgen's package root, found by walking up from this module. */
function buildDir(from: string = fileURLToPath(import.meta.url)): string {
  let dir = dirname(from);
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return join(dir, 'build');
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`cannot find kgen's package root above ${from}`);
    dir = parent;
  }
}

export function loadBootBundle(path: string = join(buildDir(), BOOT_MODULE_NAME)): BootBundle {
  if (!existsSync(path)) {
    throw new Error(`the boot program ${path} is missing; run \`npm run build\` in the kgen checkout to build it`);
  }
  return bootBundleFrom(readFileSync(path));
}

/** The executable for each of `arches` from `dir` (default build/); a missing one names the command that builds it. */
export function loadBootExecutables(arches: Iterable<Arch>, dir: string = buildDir()): Map<Arch, BootFile> {
  const found = new Map<Arch, BootFile>();
  for (const arch of arches) {
    const name = bootExecutableName(arch);
    const path = join(dir, name);
    if (!existsSync(path)) {
      throw new InvalidInputError(`the boot executable ${path} is missing (delivery url, a node with arch ${arch}); run \`npm run build:sea\` in the kgen checkout to build it`);
    }
    const bytes = readFileSync(path);
    found.set(arch, { name, bytes, sha256: sha256(bytes) });
  }
  return found;
}

/** DIR/boot/kgen-boot.sha256: `sha256sum --check` lines for the published files. */
export function sha256sumLines(files: BootFile[]): string {
  return files.map((f) => `${f.sha256}  ${f.name}\n`).join('');
}
