// `kgen image build --out DIR [--kubelet PATH] [--bake-boot]`: drives the Debian node image recipe
// (images/debian/recipe.ts) and prints where the disk, kernel and initrd went. Needs root and
// debootstrap; see docs/images.md.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildImage } from '../../images/debian/recipe.js';
import { EXIT_OK, parseFlags, UsageError, type Command } from '../command/command.js';

/** build/kgen-boot.mjs next to the running CLI bundle (build/kgen.mjs). */
function defaultBootBundle(): string {
  return fileURLToPath(new URL('./kgen-boot.mjs', import.meta.url));
}

export const imageCommand: Command = {
  name: 'image',
  summary: 'bake a bootable Debian node image (disk, qcow2, kernel + initrd for PXE)',
  help: [
    'Usage: kgen image build --out DIR [--kubelet PATH] [--bake-boot [--boot-bundle FILE]] [--mirror URL] [--keep-work]',
    '',
    'Builds a Debian bookworm node image with debootstrap (runs as root; about 3 minutes and 3 GiB of',
    'scratch space on a 2-core machine, see docs/images.md) and writes into DIR:',
    '  disk.raw, disk.qcow2   BIOS-bootable disk (syslinux + ext4 root labelled kgen-root)',
    '  rootfs.ext4            the root file system alone',
    '  vmlinuz, initrd.img    kernel and initramfs for PXE (append root=LABEL=kgen-root ro)',
    '  image.json             recipe hash, package versions, what kubelet and kgen-boot it holds',
    '',
    'Flags:',
    '  --out DIR            output directory (required)',
    '  --kubelet PATH       kubelet binary or upstream kubelet .deb; without it the image has NO kubelet',
    '  --bake-boot          bake kgen-boot into /usr/local/bin/kgen-boot (for boot.delivery: baked)',
    '  --boot-bundle FILE   the kgen-boot bundle to bake (default: kgen-boot.mjs beside this kgen)',
    `  --mirror URL         Debian mirror (default http://deb.debian.org/debian)`,
    '  --keep-work          keep DIR/.work/rootfs for inspection',
    '',
    'Example:',
    '  sudo kgen image build --out ./image --kubelet ./kubelet --bake-boot',
    '',
  ].join('\n'),
  async run(args, io) {
    const [sub, ...rest] = args;
    if (sub !== 'build') throw new UsageError(sub === undefined ? 'missing subcommand: build' : `unknown subcommand "${sub}" (expected: build)`);
    const flags = parseFlags(rest, {
      out: { type: 'string' },
      kubelet: { type: 'string' },
      'bake-boot': { type: 'boolean', default: false },
      'boot-bundle': { type: 'string' },
      mirror: { type: 'string' },
      'keep-work': { type: 'boolean', default: false },
    });
    if (!flags.out) throw new UsageError('--out DIR is required');
    if (flags['boot-bundle'] && !flags['bake-boot']) throw new UsageError('--boot-bundle only makes sense with --bake-boot');
    const kubelet = flags.kubelet ? resolve(io.cwd, flags.kubelet) : undefined;
    if (kubelet && !existsSync(kubelet)) throw new UsageError(`--kubelet ${flags.kubelet}: no such file`);
    let bootBundle: string | undefined;
    if (flags['bake-boot']) {
      bootBundle = flags['boot-bundle'] ? resolve(io.cwd, flags['boot-bundle']) : defaultBootBundle();
      if (!existsSync(bootBundle)) {
        throw new UsageError(`--bake-boot: ${bootBundle} is missing; run \`npm run build\` or pass --boot-bundle FILE`);
      }
    }
    const result = await buildImage({
      out: resolve(io.cwd, flags.out),
      kubelet,
      bootBundle,
      mirror: flags.mirror,
      keepWork: flags['keep-work'],
      log: (line) => io.stderr(line + '\n'),
    });
    io.stdout(
      [
        `image ${result.hash}${result.kubelet ? '' : ' (no kubelet)'}${result.bootBaked ? ', kgen-boot baked' : ''}`,
        `  disk:   ${result.disk}`,
        ...(result.qcow2 ? [`  qcow2:  ${result.qcow2}`] : []),
        `  rootfs: ${result.rootfs}`,
        `  kernel: ${result.kernel}`,
        `  initrd: ${result.initrd}`,
        `  info:   ${result.info}`,
        '',
      ].join('\n'),
    );
    return EXIT_OK;
  },
};
