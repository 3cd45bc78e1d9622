// The boot tests' node image, built once per recipe hash and kept outside the repository:
// $KGEN_IMAGE_CACHE or ~/.cache/kgen/images/<hash>/ (disk.raw, vmlinuz, initrd.img, image.json).
// A build goes to <hash>.partial/ and is renamed into place when complete, so an interrupted build is
// never taken for a finished one. Two flavours live side by side: the default image (Node 20 baked) and
// the stock-like one (`stock: true`, no Node: test/boot/stock.test.ts); a new build replaces only older
// images of its own flavour.
import { existsSync } from 'node:fs';
import { readFile, readdir, rename, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { buildImage, recipeHash, type RecipeOptions } from '../../images/debian/recipe.js';
import { TEST_HOOKS } from './hooks.js';

export interface CachedImage {
  dir: string;
  hash: string;
  disk: string;
  kernel: string;
  initrd: string;
  /** Seconds the build took, or undefined when the image came from the cache. */
  buildSeconds?: number;
  /** Built with `stock: true` (no Node.js, no kgen-boot). */
  stock: boolean;
  timings?: Record<string, number>;
}

export function imageCacheRoot(): string {
  return process.env.KGEN_IMAGE_CACHE ?? join(homedir(), '.cache/kgen/images');
}

/** Why the image cannot be built here (not root, no debootstrap), or undefined. */
export function imageBuildUnavailable(): string | undefined {
  if (process.getuid && process.getuid() !== 0) return 'building the node image needs root (debootstrap, chroot)';
  for (const [cmd, pkg] of [
    ['/usr/sbin/debootstrap', 'debootstrap'],
    ['/usr/bin/syslinux', 'syslinux'],
    ['/usr/bin/mcopy', 'mtools'],
    ['/usr/sbin/mkfs.vfat', 'dosfstools'],
  ] as const) {
    if (!existsSync(cmd)) return `${cmd} is missing (apt-get install --no-install-recommends ${pkg})`;
  }
  return undefined;
}

/** Whether a cached image directory holds a stock image (its image.json says so; older ones predate the field). */
async function isStock(dir: string): Promise<boolean> {
  try {
    return (JSON.parse(await readFile(join(dir, 'image.json'), 'utf8')) as { stock?: boolean }).stock === true;
  } catch {
    return false;
  }
}

/**
 * Removes cached images of other recipe hashes and the same flavour (each is ~1 GiB), and unfinished
 * builds other than `keep`; the other flavour's image and the runs/ directory stay.
 */
async function pruneOtherImages(keep: string, stock: boolean): Promise<void> {
  for (const name of await readdir(imageCacheRoot())) {
    if (name === keep || !/^[0-9a-f]{16}(\.partial)?$/.test(name)) continue;
    const dir = join(imageCacheRoot(), name);
    if (name.endsWith('.partial') || (await isStock(dir)) === stock) await rm(dir, { recursive: true, force: true });
  }
}

/** The cached image for these options, building it first when missing. */
export async function ensureImage(opts: Omit<RecipeOptions, 'out'>): Promise<CachedImage> {
  const hash = await recipeHash(opts);
  const dir = join(imageCacheRoot(), hash);
  const stock = Boolean(opts.stock);
  const files = (d: string) => ({ dir: d, hash, disk: join(d, 'disk.raw'), kernel: join(d, 'vmlinuz'), initrd: join(d, 'initrd.img'), stock });
  if (existsSync(join(dir, 'image.json'))) return files(dir);
  const partial = `${dir}.partial`;
  await rm(partial, { recursive: true, force: true });
  const started = performance.now();
  const result = await buildImage({ ...opts, out: partial });
  const buildSeconds = Math.round((performance.now() - started) / 1000);
  await rm(dir, { recursive: true, force: true });
  // The tests boot disk.raw (and PXE's vmlinuz/initrd.img); drop the other outputs to save ~2 GiB.
  await rm(join(partial, 'rootfs.ext4'), { force: true });
  await rm(join(partial, 'disk.qcow2'), { force: true });
  await rename(partial, dir);
  await pruneOtherImages(hash, stock);
  return { ...files(dir), buildSeconds, timings: result.timings };
}

/** The boot tests' image with their report hooks (test/boot/hooks.ts), built or reused; says which on the console. */
export async function bootTestImage(opts: { stock?: boolean } = {}): Promise<CachedImage> {
  const image = await ensureImage({ ...opts, extraFiles: TEST_HOOKS.files, enableUnits: TEST_HOOKS.units });
  const kind = opts.stock ? 'stock image' : 'image';
  if (image.buildSeconds !== undefined) {
    console.log(`[boot-test] built ${kind} ${image.hash} in ${image.buildSeconds}s: ${JSON.stringify(image.timings)}`);
  } else {
    console.log(`[boot-test] reusing cached ${kind} ${image.dir}`);
  }
  return image;
}
