// The Debian (bookworm) node image recipe, written with zx. One run turns Debian's packages into:
//
//   OUT/rootfs.ext4   the root file system (mkfs.ext4 -d: no mounts), label kgen-root
//   OUT/disk.raw      BIOS-bootable disk: syslinux on a FAT boot partition + the root partition (disk.ts)
//   OUT/disk.qcow2    the same disk as qcow2 (when qemu-img is installed)
//   OUT/vmlinuz, OUT/initrd.img   kernel and initramfs for PXE (root=LABEL=kgen-root on the command line)
//   OUT/image.json    what was built: recipe hash, package versions, kubelet, kgen-boot, artifacts
//
// Steps: debootstrap --variant=minbase --include=<packages.ts> -> the files of files.ts -> containerd
// config (SystemdCgroup = true) -> systemd units enabled/masked offline (systemctl --root) -> Node 20
// (node.ts; not in a `stock` image) -> optional kubelet (binary or .deb) and baked kgen-boot -> first-boot hygiene (empty machine-id, no apt caches)
// -> file systems and disk. Needs root (debootstrap, chroot, file ownership in the image).
//
// The recipe hash covers everything that decides the image's content (this file's RECIPE_VERSION,
// packages, files, kubelet and bundle bytes, extra files, stock or not) so callers can cache images by it.
//
// `stock: true` builds the image a distribution's cloud image stands for: the same packages and files but
// no Node.js and no kgen-boot, so kgen-boot can only arrive by `boot.delivery: url` (the self-contained
// executable, fetched by a Python 3 script: cloud-init's own runtime, docs/kgen-boot.md).
import { createHash } from 'node:crypto';
import { chmod, copyFile, mkdir, readFile, readdir, rm, stat, writeFile, rename, symlink, unlink } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { $ as zx$, type Shell } from 'zx';
import { assembleDisk, buildBootPartition } from './disk.js';
import {
  BAKED_BOOT_PATH,
  IMAGE_INFO_PATH,
  KERNEL_CMDLINE,
  KUBELET_BINARY_PATH,
  ROOT_LABEL,
  baseFiles,
  containerdConfig,
  syslinuxConfig,
  type ImageFile,
} from './files.js';
import { NODE_INTEGRITY, NODE_PATH, NODE_VERSION, installNode, nodeTarball } from './node.js';
import { DEFAULT_MIRROR, PACKAGES, SUITE, debootstrapArgs } from './packages.js';

/** Bump when the recipe's steps change in a way the hashed inputs do not show. */
export const RECIPE_VERSION = 'kgen-debian-2';

export interface RecipeOptions {
  /** Output directory (created). */
  out: string;
  /** A kubelet binary or the upstream kubelet .deb; without it the image has no kubelet. */
  kubelet?: string;
  /** build/kgen-boot.mjs to bake in as /usr/local/bin/kgen-boot (delivery: baked). */
  bootBundle?: string;
  /**
   * A stock-like image: no Node.js and no baked kgen-boot (bootBundle is refused), as a distribution's
   * cloud image has neither; python3 stays (cloud-init needs it). Part of the recipe hash.
   */
  stock?: boolean;
  mirror?: string;
  /** Extra files (e.g. test hooks); part of the recipe hash. */
  extraFiles?: ImageFile[];
  /** Extra systemd units to enable (e.g. test hooks); part of the recipe hash. */
  enableUnits?: string[];
  /** Where debootstrap keeps downloaded .debs between builds (default ~/.cache/kgen/debootstrap). */
  packageCache?: string;
  /** Keep OUT/.work/rootfs after the build (debugging). */
  keepWork?: boolean;
  /** Progress lines (kubeadm-style `[image] ...`). */
  log?: (line: string) => void;
  /** zx shell; tests and callers may pass one with other defaults. */
  shell?: Shell;
}

export interface ImageArtifacts {
  hash: string;
  rootfs: string;
  disk: string;
  qcow2?: string;
  kernel: string;
  initrd: string;
  info: string;
  kubelet: boolean;
  bootBaked: boolean;
  /** Built with `stock: true`: no Node.js, no kgen-boot. */
  stock: boolean;
  /** Seconds each step took. */
  timings: Record<string, number>;
}

const REQUIRED_TOOLS: ReadonlyArray<readonly [cmd: string, pkg: string]> = [
  ['debootstrap', 'debootstrap'],
  ['mkfs.ext4', 'e2fsprogs'],
  ['sfdisk', 'fdisk'],
  ['mkfs.vfat', 'dosfstools'],
  ['mcopy', 'mtools'],
  ['syslinux', 'syslinux'],
  ['chroot', 'coreutils'],
];

/** Only for the Node 20 download (`npm pack`), so not needed for a stock image. */
const NODE_TOOLS: ReadonlyArray<readonly [cmd: string, pkg: string]> = [['npm', 'npm']];

/** sha256 of a file (kubelet, boot bundle) for the recipe hash and image.json; null when not given. */
async function fileDigest(path: string | undefined): Promise<string | null> {
  if (!path) return null;
  return createHash('sha256').update(await readFile(path)).digest('hex');
}

/** The cache key: sha256 over everything that decides the image's bytes-that-matter. */
export async function recipeHash(opts: Omit<RecipeOptions, 'out'>): Promise<string> {
  const input = {
    recipe: RECIPE_VERSION,
    suite: SUITE,
    mirror: opts.mirror ?? DEFAULT_MIRROR,
    packages: PACKAGES.map(([name]) => name),
    // A stock image has no Node; the key stays as it was for the default image (same hash as before).
    node: opts.stock ? null : [NODE_VERSION, NODE_INTEGRITY],
    ...(opts.stock ? { stock: true } : {}),
    files: baseFiles(),
    cmdline: KERNEL_CMDLINE,
    kubelet: await fileDigest(opts.kubelet),
    boot: await fileDigest(opts.bootBundle),
    extraFiles: [...(opts.extraFiles ?? [])].sort((a, b) => a.path.localeCompare(b.path)),
    enableUnits: [...(opts.enableUnits ?? [])].sort(),
  };
  return createHash('sha256').update(JSON.stringify(input)).digest('hex').slice(0, 16);
}

/** Throws one error naming every missing tool and the Debian packages that provide them. */
export async function checkPrerequisites($: Shell, opts: { stock?: boolean } = {}): Promise<void> {
  const problems: string[] = [];
  if (process.getuid && process.getuid() !== 0) {
    problems.push('the image recipe must run as root (debootstrap, chroot and file ownership inside the image)');
  }
  const missing: Array<readonly [string, string]> = [];
  for (const tool of opts.stock ? REQUIRED_TOOLS : [...REQUIRED_TOOLS, ...NODE_TOOLS]) {
    const found = await $({ nothrow: true })`command -v ${tool[0]}`;
    if (found.exitCode !== 0) missing.push(tool);
  }
  if (missing.length > 0) {
    problems.push(
      `missing tools: ${missing.map(([c]) => c).join(', ')}; install them with ` +
        `\`apt-get install --no-install-recommends ${[...new Set(missing.map(([, p]) => p))].join(' ')}\``,
    );
  }
  if (problems.length > 0) throw new Error(`cannot build the node image:\n  - ${problems.join('\n  - ')}`);
}

async function writeImageFile(rootfs: string, file: ImageFile): Promise<void> {
  const target = join(rootfs, file.path);
  await mkdir(dirname(target), { recursive: true });
  await writeFile(target, file.content);
  await chmod(target, file.mode);
}

/** Installs the kubelet from a binary or from the upstream kubelet .deb (only usr/bin/kubelet is taken). */
async function installKubelet($: Shell, rootfs: string, source: string, work: string): Promise<void> {
  const target = join(rootfs, KUBELET_BINARY_PATH);
  if (source.endsWith('.deb')) {
    const extract = join(work, 'kubelet-deb');
    await rm(extract, { recursive: true, force: true });
    await $`dpkg-deb -x ${source} ${extract}`;
    const fromDeb = join(extract, 'usr/bin/kubelet');
    await stat(fromDeb).catch((err) => {
      throw new Error(`${source} has no usr/bin/kubelet; pass the upstream kubelet .deb or the kubelet binary`, { cause: err });
    });
    await copyFile(fromDeb, target);
  } else {
    await copyFile(source, target);
  }
  await chmod(target, 0o755);
}

async function newestBootFile(rootfs: string, prefix: string): Promise<string> {
  const names = (await readdir(join(rootfs, 'boot'))).filter((n) => n.startsWith(prefix)).sort();
  const name = names.at(-1);
  if (!name) throw new Error(`no /boot/${prefix}* in the image: did linux-image-amd64 install?`);
  return join(rootfs, 'boot', name);
}

/** Removes what a first boot must not inherit and what only the build needed. */
async function cleanRootfs($: Shell, rootfs: string): Promise<void> {
  await writeFile(join(rootfs, 'etc/machine-id'), ''); // empty: systemd generates one on first boot
  await rm(join(rootfs, 'var/lib/dbus/machine-id'), { force: true });
  for (const dir of ['var/cache/apt/archives', 'var/lib/apt/lists', 'usr/share/doc', 'usr/share/man', 'usr/share/info', 'var/log', 'tmp', 'var/tmp', 'debootstrap']) {
    await rm(join(rootfs, dir), { recursive: true, force: true });
  }
  for (const dir of ['var/cache/apt/archives/partial', 'var/lib/apt/lists/partial', 'var/log', 'tmp', 'var/tmp']) {
    await mkdir(join(rootfs, dir), { recursive: true });
  }
  await $`chmod 1777 ${join(rootfs, 'tmp')} ${join(rootfs, 'var/tmp')}`;
  await rm(join(rootfs, 'var/cache/debconf/config.dat-old'), { force: true });
  await rm(join(rootfs, 'var/cache/debconf/templates.dat-old'), { force: true });
}

async function dirBytes($: Shell, dir: string): Promise<number> {
  const out = await $`du -sb ${dir}`;
  return Number(out.stdout.split(/\s/)[0]);
}

async function commandExists($: Shell, cmd: string): Promise<boolean> {
  return (await $({ nothrow: true })`command -v ${cmd}`).exitCode === 0;
}

/** Builds the image into opts.out; returns where everything is. */
export async function buildImage(opts: RecipeOptions): Promise<ImageArtifacts> {
  const log = opts.log ?? ((line: string) => process.stderr.write(line + '\n'));
  const $: Shell = opts.shell ?? (zx$({ quiet: true, verbose: false }) as Shell);
  const out = resolve(opts.out);
  const work = join(out, '.work');
  const rootfs = join(work, 'rootfs');
  const mirror = opts.mirror ?? DEFAULT_MIRROR;
  const packageCache = resolve(opts.packageCache ?? join(process.env.HOME ?? '/root', '.cache/kgen/debootstrap'));
  const timings: Record<string, number> = {};
  const step = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    const result = await fn();
    timings[name] = Math.round((performance.now() - started) / 100) / 10;
    log(`[image] ${name}: done in ${timings[name]}s`);
    return result;
  };

  if (opts.stock && opts.bootBundle) {
    throw new Error('a stock image bakes no kgen-boot: leave out the boot bundle (nodes on it use boot.delivery: url)');
  }
  await checkPrerequisites($, { stock: opts.stock });
  const hash = await recipeHash(opts);
  if (!opts.kubelet) {
    log('[image] WARNING: no --kubelet given: this image has NO kubelet. kgen-boot preflight will fail on it');
    log('[image] WARNING: with "kubelet not found"; pass --kubelet PATH (binary or upstream .deb) for a usable node');
  }
  log(`[image] building Debian ${SUITE} node image ${hash} into ${out}`);
  await mkdir(out, { recursive: true });
  await rm(work, { recursive: true, force: true });
  await mkdir(work, { recursive: true });
  await mkdir(packageCache, { recursive: true });

  await step('debootstrap', async () => {
    const run = await $({ nothrow: true })`debootstrap ${debootstrapArgs(rootfs, mirror, packageCache)}`;
    if (run.exitCode !== 0) {
      const tail = `${run.stdout}\n${run.stderr}`.trim().split('\n').slice(-15).join('\n');
      throw new Error(
        `debootstrap failed (exit ${run.exitCode}); last lines:\n${tail}\n` +
          `details: ${join(rootfs, 'debootstrap/debootstrap.log')} (rerun with --keep-work to keep it)`,
      );
    }
  });

  await step('configure', async () => {
    for (const file of [...baseFiles(), ...(opts.extraFiles ?? [])]) await writeImageFile(rootfs, file);
    const defaults = await $`chroot ${rootfs} containerd config default`;
    await writeImageFile(rootfs, { path: '/etc/containerd/config.toml', mode: 0o644, content: containerdConfig(defaults.stdout) });
    // resolv.conf from the build host must not leak into the image; networkd + resolved own it.
    await unlink(join(rootfs, 'etc/resolv.conf')).catch(() => undefined);
    await symlink('../run/systemd/resolve/stub-resolv.conf', join(rootfs, 'etc/resolv.conf'));
    const enable = ['systemd-networkd.service', 'systemd-resolved.service', 'containerd.service', ...(opts.enableUnits ?? [])];
    if (opts.kubelet) enable.push('kubelet.service');
    await $`systemctl --root=${rootfs} enable ${enable}`;
    await $`systemctl --root=${rootfs} mask swap.target`;
  });

  if (opts.stock) {
    log('[image] stock image: no Node.js and no kgen-boot (nodes on it need boot.delivery: url)');
  } else {
    await step('node', async () => {
      await installNode(rootfs, await nodeTarball(packageCache));
      await $`chroot ${rootfs} ${NODE_PATH} --version`; // runs on the image's glibc
    });
  }

  if (opts.kubelet) await step('kubelet', () => installKubelet($, rootfs, resolve(opts.kubelet!), work));

  let bootVersion: string | null = null;
  if (opts.bootBundle) {
    await step('kgen-boot', async () => {
      const target = join(rootfs, BAKED_BOOT_PATH);
      await mkdir(dirname(target), { recursive: true });
      await copyFile(resolve(opts.bootBundle!), target);
      await chmod(target, 0o755);
      // Run it exactly as its unit will (`#!/usr/bin/env node`, no extension) with the image's node.
      const run = await $({ nothrow: true })`chroot ${rootfs} /usr/bin/env PATH=/usr/local/bin:/usr/bin:/bin ${BAKED_BOOT_PATH} --version`;
      if (run.exitCode !== 0) {
        throw new Error(`the image's node cannot run kgen-boot (exit ${run.exitCode}): ${run.stderr.trim() || run.stdout.trim()}`);
      }
      bootVersion = run.stdout.trim();
    });
  }

  const packages = (await $`chroot ${rootfs} dpkg-query -W -f=${'${Package} ${Version}\n'}`).stdout.trim().split('\n');
  const nodeVersion = opts.stock ? null : (await $`chroot ${rootfs} ${NODE_PATH} --version`).stdout.trim();
  if (opts.stock) {
    // Nothing of the recipe's may have brought a node in (debootstrap installs no Recommends).
    const node = await $({ nothrow: true })`chroot ${rootfs} /usr/bin/env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin sh -c ${'command -v node'}`;
    if (node.exitCode === 0) throw new Error(`the stock image has a node binary (${node.stdout.trim()}); it must have none`);
  }
  const info = {
    recipe: RECIPE_VERSION,
    hash,
    suite: SUITE,
    kernelCmdline: KERNEL_CMDLINE,
    rootLabel: ROOT_LABEL,
    stock: Boolean(opts.stock),
    node: nodeVersion,
    kubelet: opts.kubelet ? { path: KUBELET_BINARY_PATH, sha256: await fileDigest(opts.kubelet) } : null,
    kgenBoot: opts.bootBundle ? { path: BAKED_BOOT_PATH, sha256: await fileDigest(opts.bootBundle), version: bootVersion } : null,
    packages,
  };
  await writeImageFile(rootfs, { path: IMAGE_INFO_PATH, mode: 0o644, content: JSON.stringify(info, null, 2) + '\n' });

  const kernel = join(out, 'vmlinuz');
  const initrd = join(out, 'initrd.img');
  await step('clean', async () => {
    await copyFile(await newestBootFile(rootfs, 'vmlinuz-'), kernel);
    await copyFile(await newestBootFile(rootfs, 'initrd.img-'), initrd);
    await cleanRootfs($, rootfs);
  });

  const rootImage = join(out, 'rootfs.ext4');
  await step('rootfs.ext4', async () => {
    const used = await dirBytes($, rootfs);
    // Room for first-boot writes and container images: used + 25% + 1 GiB (sparse on disk).
    const size = Math.ceil((used * 1.25 + 1024 ** 3) / 1024 ** 2);
    await rm(rootImage, { force: true });
    await $`mkfs.ext4 -q -F -L ${ROOT_LABEL} -d ${rootfs} ${rootImage} ${size}M`;
  });

  const disk = join(out, 'disk.raw');
  await step('disk.raw', async () => {
    const bootImage = join(work, 'boot.fat');
    const configFile = join(work, 'syslinux.cfg');
    await writeFile(configFile, syslinuxConfig());
    await rm(bootImage, { force: true });
    await buildBootPartition($, bootImage, { kernel, initrd, configFile });
    const tmp = disk + '.tmp';
    await assembleDisk($, tmp, bootImage, rootImage);
    await rename(tmp, disk);
  });

  let qcow2: string | undefined;
  if (await commandExists($, 'qemu-img')) {
    qcow2 = join(out, 'disk.qcow2');
    await step('disk.qcow2', async () => {
      await rm(qcow2!, { force: true });
      await $`qemu-img convert -f raw -O qcow2 ${disk} ${qcow2}`;
    });
  } else {
    log('[image] qemu-img not found: skipping disk.qcow2 (apt-get install qemu-utils)');
  }

  const infoFile = join(out, 'image.json');
  await writeFile(
    infoFile,
    JSON.stringify({ ...info, artifacts: { rootfs: 'rootfs.ext4', disk: 'disk.raw', qcow2: qcow2 ? 'disk.qcow2' : null, kernel: 'vmlinuz', initrd: 'initrd.img' }, timings }, null, 2) + '\n',
  );
  if (!opts.keepWork) await rm(work, { recursive: true, force: true });
  log(`[image] done: ${disk}${opts.kubelet ? '' : ' (WITHOUT kubelet)'}`);
  return { hash, rootfs: rootImage, disk, qcow2, kernel, initrd, info: infoFile, kubelet: Boolean(opts.kubelet), bootBaked: Boolean(opts.bootBundle), stock: Boolean(opts.stock), timings };
}
