// Assembles a BIOS-bootable raw disk from a finished root file system image, without loop devices or
// mounts (so it works in containers and CI sandboxes where /dev/loop* is missing or forbidden):
//
//   sector 0        syslinux mbr.bin (boot code; jumps to the active partition)
//   1 MiB           partition 1, FAT, active: ldlinux.sys/ldlinux.c32 (syslinux --install works on an
//                   image file through mtools), syslinux.cfg, vmlinuz, initrd.img
//   1 MiB + boot    partition 2, ext4 labelled kgen-root (made by `mkfs.ext4 -d`, copied in with dd)
//
// The partition table is written by sfdisk on the image file; the FAT partition is built as its own file
// and placed with dd. Upstream references: syslinux(1) (the `syslinux` installer works on an unmounted
// FAT file system or image through mtools), sfdisk(8) script format, the SYSLINUX wiki "Hard disk
// images" and "Mbr" (mbr.bin is the 440 bytes of boot code before the partition table; it boots the
// partition marked active).
import { stat } from 'node:fs/promises';
import type { Shell } from 'zx';

const MIB = 1024 * 1024;
const SECTOR = 512;
/** Where syslinux's MBR code lives on Debian (package syslinux-common). */
export const SYSLINUX_MBR = '/usr/lib/syslinux/mbr/mbr.bin';

export interface DiskLayout {
  bootStart: number;
  bootSize: number;
  rootStart: number;
  rootSize: number;
  total: number;
}

/** Byte offsets of both partitions; everything MiB-aligned. */
export function diskLayout(bootSize: number, rootSize: number): DiskLayout {
  const bootStart = MIB;
  const rootStart = bootStart + alignUp(bootSize, MIB);
  const total = rootStart + alignUp(rootSize, MIB);
  return { bootStart, bootSize: alignUp(bootSize, MIB), rootStart, rootSize: alignUp(rootSize, MIB), total };
}

/** sfdisk script for the layout: DOS label, FAT (type c) active, Linux (83). */
export function sfdiskScript(l: DiskLayout): string {
  const s = (n: number) => n / SECTOR;
  return [
    'label: dos',
    `start=${s(l.bootStart)}, size=${s(l.bootSize)}, type=c, bootable`,
    `start=${s(l.rootStart)}, size=${s(l.rootSize)}, type=83`,
    '',
  ].join('\n');
}

export function alignUp(n: number, to: number): number {
  return Math.ceil(n / to) * to;
}

export interface BootPartitionInput {
  kernel: string;
  initrd: string;
  /** Path of the syslinux.cfg to install (written by the caller). */
  configFile: string;
}

/** Builds the FAT boot partition image at `out`: mkfs.vfat, syslinux --install, mcopy. */
export async function buildBootPartition($: Shell, out: string, input: BootPartitionInput): Promise<number> {
  const payload = (await stat(input.kernel)).size + (await stat(input.initrd)).size;
  // Room for the payload, syslinux and one more initrd of the same size (kernel updates in place).
  const size = alignUp(payload * 2 + 16 * MIB, MIB);
  await $`mkfs.vfat -C -n KGEN-BOOT ${out} ${size / 1024}`;
  await $`syslinux --install ${out}`;
  await $`mcopy -i ${out} ${input.kernel} ::/vmlinuz`;
  await $`mcopy -i ${out} ${input.initrd} ::/initrd.img`;
  await $`mcopy -i ${out} ${input.configFile} ::/syslinux.cfg`;
  return size;
}

/** Writes partition table, MBR code, and both partitions into a new sparse raw disk at `disk`. */
export async function assembleDisk($: Shell, disk: string, bootImage: string, rootImage: string): Promise<DiskLayout> {
  const layout = diskLayout((await stat(bootImage)).size, (await stat(rootImage)).size);
  await $`rm -f ${disk}`;
  await $`truncate -s ${layout.total} ${disk}`;
  await $({ input: sfdiskScript(layout) })`sfdisk --quiet --no-reread --no-tell-kernel ${disk}`;
  await $`dd if=${SYSLINUX_MBR} of=${disk} bs=440 count=1 conv=notrunc status=none`;
  await $`dd if=${bootImage} of=${disk} bs=1M seek=${layout.bootStart / MIB} conv=notrunc,sparse status=none`;
  await $`dd if=${rootImage} of=${disk} bs=1M seek=${layout.rootStart / MIB} conv=notrunc,sparse status=none`;
  return layout;
}
